import type { FastifyInstance } from 'fastify';

interface IndexedRoute {
  pattern: RegExp;
  method: string;
  url: string;
}

/**
 * The methods each registered route accepts, so that a request the router could not place is told apart:
 * a path that exists under other methods is a 405 with `Allow`, anything else a 404.
 */
export class RouteIndex {
  private readonly routes: IndexedRoute[] = [];

  /** Records a route as Fastify registers it (`:param` and `*` patterns). */
  add(methods: string | string[], url: string): void {
    const pattern = toRegExp(url);
    for (const method of Array.isArray(methods) ? methods : [methods]) {
      // HEAD and OPTIONS come with GET and CORS; listing them in Allow tells a client nothing.
      if (method !== 'HEAD' && method !== 'OPTIONS') this.routes.push({ pattern, method, url });
    }
  }

  /** Every route registered, as `{method, url}` with Fastify's `:param` and `*` patterns. */
  list(): Array<{ method: string; url: string }> {
    return this.routes.map(({ method, url }) => ({ method, url }));
  }

  /** The methods registered for a request path (query string ignored), sorted and without duplicates. */
  allowed(url: string): string[] {
    const path = url.split('?')[0];
    const methods = this.routes.filter((r) => r.pattern.test(path)).map((r) => r.method);
    return [...new Set(methods)].sort();
  }
}

function toRegExp(url: string): RegExp {
  const source = url
    .split(/(:[A-Za-z0-9_]+|\*)/)
    .map((part) => {
      if (part === '*') return '.*';
      if (part.startsWith(':')) return '[^/]+';
      return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`);
}

const indexes = new WeakMap<FastifyInstance, RouteIndex>();

/** Starts indexing the routes of a Fastify instance; call before routes are registered. */
export function indexRoutes(fastify: FastifyInstance): void {
  const index = new RouteIndex();
  indexes.set(fastify, index);
  fastify.addHook('onRoute', (route) => index.add(route.method, route.url ?? route.path));
}

/** The route index of the instance a request arrived on, if it was indexed. */
export function routeIndexOf(fastify: FastifyInstance): RouteIndex | undefined {
  return indexes.get(fastify);
}
