import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import { documentAccess, documentUpload } from '../common/openapi.decorators';
import type { Access } from './permission';

export const ACCESS_KEY = 'd1:access';

/**
 * What d1 tells Fastify about a route (its `config`): the access it needs and how large its body may be.
 * Fastify knows it before reading a byte of the request, so the token is checked and the body bounded there
 * (see request-auth.ts); the guard reads the same access from Nest's metadata.
 */
export interface D1RouteConfig {
  d1Access?: Access;
  /** `upload`: the body may be as large as --max-body; otherwise --max-json-body bounds it. */
  d1Body?: 'upload';
}

/** Adds to the Fastify route config of a handler, keeping what is there. */
export function addRouteConfig(handler: object, config: D1RouteConfig): void {
  const current = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) ?? {}) as D1RouteConfig;
  Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...current, ...config }, handler);
}

/**
 * Marks a handler, or every handler of a controller that has no marking of its own, as needing `access`.
 * Put it below @GetOrPost, which copies a handler's metadata to its POST alias.
 */
function accessDecorator(access: Access): MethodDecorator & ClassDecorator {
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) {
      Reflect.defineMetadata(ACCESS_KEY, access, descriptor.value as object);
      addRouteConfig(descriptor.value as object, { d1Access: access });
      documentAccess(descriptor.value as object, access);
      return descriptor;
    }
    Reflect.defineMetadata(ACCESS_KEY, access, target);
    const proto = (target as { prototype: Record<string, unknown> }).prototype;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
      if (name === 'constructor' || typeof handler !== 'function') continue;
      if (Reflect.hasOwnMetadata(ACCESS_KEY, handler)) continue;
      addRouteConfig(handler, { d1Access: access });
      documentAccess(handler, access);
    }
    return undefined;
  }) as MethodDecorator & ClassDecorator;
}

/** No token needed (login, hello, health). */
export const Public = (): MethodDecorator & ClassDecorator => accessDecorator('public');
/** Needs a token with read (or write) access. */
export const Read = (): MethodDecorator & ClassDecorator => accessDecorator('read');
/** Needs a token with write access: everything that changes state. */
export const Write = (): MethodDecorator & ClassDecorator => accessDecorator('write');

/**
 * The route takes uploads (whole notebooks): its body may reach --max-body instead of --max-json-body, and is
 * documented as a notebook.
 */
export const UploadBody = (): MethodDecorator =>
  ((_target: object, _key: string | symbol, descriptor: PropertyDescriptor) => {
    addRouteConfig(descriptor.value as object, { d1Body: 'upload' });
    documentUpload(descriptor.value as object);
    return descriptor;
  }) as MethodDecorator;
