import type { RouteContext } from '../http';

/**
 * One endpoint of a route module: its method, its path below the API's prefix, and a named
 * handler that receives the module's dependencies and the request. Route modules export tables of
 * these, so an API's register function (and anything layered on it, e.g. a profile that wraps or
 * drops endpoints) sees every endpoint as data.
 */
export interface RouteSpec<Deps> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly handler: (deps: Deps, ctx: RouteContext) => unknown;
}
