/**
 * Runs the example against a running appgov server:
 *
 *   APPGOV_TOKEN=agv_… npm run example:run [-- <client-id>]
 *
 * APPGOV_URL is the GraphQL endpoint (default http://127.0.0.1:4000/graphql); the client defaults
 * to the demo client `npm start` loads. Prints the client's apps, each with its latest events.
 * Reads only: nothing is written.
 */
import { AppgovRequestError, createAppgovClient } from './client';
import { clientOverview } from './usage';

/** The demo client (README, Quick start). */
const DEMO_CLIENT_ID = 'aa7cf840-9ca9-46a3-9778-9015d6580d50';

const url = process.env.APPGOV_URL || 'http://127.0.0.1:4000/graphql';
const token = process.env.APPGOV_TOKEN;
const clientId = process.argv[2] ?? DEMO_CLIENT_ID;
if (!token) {
  console.error('Set APPGOV_TOKEN to a token with apps:read (npx appgov token create --kind internal --name me).');
  process.exit(2);
}

try {
  const overview = await clientOverview(createAppgovClient({ url, token }), clientId);
  if (!overview) {
    console.error(`No client ${clientId} on ${url}.`);
    process.exit(1);
  }
  console.log(overview.name);
  for (const app of overview.apps) {
    console.log(`  ${app.name}: ${app.isApproved ? 'approved' : 'not approved'}`);
    for (const line of app.latest) console.log(`    ${line}`);
  }
} catch (error) {
  if (!(error instanceof AppgovRequestError)) throw error;
  console.error(`${url} refused: ${error.code}: ${error.message}`);
  process.exit(1);
}
