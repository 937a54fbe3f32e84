import { SetMetadata } from '@nestjs/common';
import type { Access } from './permission';

export const ACCESS_KEY = 'd1:access';

/** No token needed (login, hello, health). */
export const Public = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_KEY, 'public' satisfies Access);
/** Needs a token with read (or write) access. */
export const Read = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_KEY, 'read' satisfies Access);
/** Needs a token with write access: everything that changes state. */
export const Write = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_KEY, 'write' satisfies Access);
