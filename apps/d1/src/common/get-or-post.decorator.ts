import { Get, Post } from '@nestjs/common';
import {
  HTTP_CODE_METADATA,
  METHOD_METADATA,
  PATH_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants';
import { documentGetOrPost } from './openapi.decorators';

/**
 * d1 exposes many state-changing actions as GET; its clients keep using GET while new clients should POST.
 * Nest maps one handler to one method, so this registers the handler for GET and an alias of it for POST,
 * carrying over every other metadata (access, status code, parameters). Put it above other decorators.
 */
export function GetOrPost(path?: string): MethodDecorator {
  return (target, key, descriptor) => {
    Get(path)(target, key, descriptor);
    const original = descriptor.value as unknown as (...args: unknown[]) => unknown;
    const aliasKey = `${String(key)}ViaPost`;
    const alias = function (this: unknown, ...args: unknown[]): unknown {
      return original.apply(this, args);
    };
    // Swagger finds a handler's parameters and names its operation by the function's name.
    Object.defineProperty(alias, 'name', { value: aliasKey });
    for (const k of Reflect.getMetadataKeys(original)) {
      if (k !== PATH_METADATA && k !== METHOD_METADATA)
        Reflect.defineMetadata(k, Reflect.getMetadata(k, original), alias);
    }
    for (const k of Reflect.getMetadataKeys(target, key)) {
      Reflect.defineMetadata(k, Reflect.getMetadata(k, target, key), target, aliasKey);
    }
    // Nest answers POST with 201 by default; the alias must answer like the GET it stands for.
    if (!Reflect.hasMetadata(HTTP_CODE_METADATA, alias))
      Reflect.defineMetadata(HTTP_CODE_METADATA, 200, alias);
    documentGetOrPost(original, alias);
    const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, target.constructor, key);
    if (args) Reflect.defineMetadata(ROUTE_ARGS_METADATA, args, target.constructor, aliasKey);
    const aliasDescriptor: PropertyDescriptor = {
      value: alias,
      writable: true,
      configurable: true,
      enumerable: false,
    };
    Object.defineProperty(target, aliasKey, aliasDescriptor);
    Post(path)(target, aliasKey, aliasDescriptor);
  };
}
