import type { Plugin } from 'graphql-yoga';
import { requestPrincipal, type PrincipalResolver } from './tokens';

/** Paths that only report on the process: no token is looked up for them. */
const PROBES = new Set(['/livez', '/health']);

/**
 * First of the plugins: starts, and waits for, the lookup of the request's principal through the
 * store, so every later hook that cannot wait (the rate limiter's validation step, the trusted
 * documents rule) finds it done (settledPrincipal). An UNAUTHENTICATED answer is not raised
 * here: the context (GraphQL) or the route (its protocol's shape) raises it.
 */
export function usePrincipalLookup(resolve: PrincipalResolver): Plugin {
  return {
    async onRequest({ request, url }) {
      if (PROBES.has(url.pathname)) return;
      await requestPrincipal(resolve, request).catch(() => null);
    },
  };
}
