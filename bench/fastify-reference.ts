/**
 * What the two Fastify reference servers (bench/fastify-rest-server.ts, bench/mercurius-server.ts)
 * share: the one string compare of the Authorization header (else 401), listening, the banner the
 * bench waits for, and closing on SIGTERM. Each adds only its own route or plugin.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { banner, UNAUTHORIZED, type ReferenceEnv } from './reference-data';

export async function serveOnFastify(env: ReferenceEnv, label: string, close: () => void, setup: (app: FastifyInstance) => Promise<void> | void): Promise<void> {
  const app = Fastify();
  app.addHook('onRequest', (request, reply, done) => {
    if (request.headers.authorization !== env.authorization) {
      void reply.code(401).header('content-type', 'application/json').send(UNAUTHORIZED);
      return;
    }
    done();
  });
  await setup(app);
  await app.listen({ port: env.port, host: env.host });
  const address = app.server.address();
  console.log(banner(label, env, typeof address === 'object' && address ? address.port : 0));
  process.once('SIGTERM', () => {
    void app.close().then(() => {
      close();
      process.exit(0);
    });
  });
}
