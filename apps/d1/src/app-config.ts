import type { D1Config } from './config';

/** Injection token of the validated D1Config. */
export const D1_CONFIG = Symbol('D1_CONFIG');
export type { D1Config };
