import { graphql } from './gql';
import type { Request } from './client';

/**
 * One app's decision, org-wide or in one workspace. `app` and `at` are @oneOf inputs: codegen
 * types each as a union (`{ appId: string; requestId?: never } | { appId?: never; requestId: string }`),
 * so naming both keys, or neither, does not compile.
 */
export const RestrictApp = graphql(`
  mutation RestrictApp($app: AppOrInstallRequest!, $at: ClientOrWorkspace!, $reason: String) {
    restrictApp(app: $app, at: $at, reason: $reason) { action changed }
  }
`);

/** Back to no decision of its own: an approval or a restriction is lifted. */
export const ClearAppResolution = graphql(`
  mutation ClearAppResolution($app: AppOrInstallRequest!, $at: ClientOrWorkspace!, $reason: String) {
    clearAppResolution(app: $app, at: $at, reason: $reason) { action changed }
  }
`);

/** Restricts an app for the whole client. */
export async function restrictForClient(request: Request, clientId: string, appId: string, reason: string) {
  return (await request(RestrictApp, { app: { appId }, at: { clientId }, reason })).restrictApp;
}

/** Lifts the client's own decision on an app (approval or restriction). */
export async function clearForClient(request: Request, clientId: string, appId: string) {
  return (await request(ClearAppResolution, { app: { appId }, at: { clientId } })).clearAppResolution;
}
