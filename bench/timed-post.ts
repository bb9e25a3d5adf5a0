/** A POST /graphql over node:http, timed from sending to the parsed answer, for the A/B scripts. */
import { request } from 'node:http';

/** Milliseconds from sending the body to the parsed answer; any error stops the run. */
export function timedPost(url: string, token: string, payload: string): Promise<number> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString()) as { errors?: unknown };
          if (res.statusCode !== 200 || body.errors) fail(new Error(JSON.stringify(body).slice(0, 300)));
          else done(performance.now() - started);
        });
      },
    );
    req.on('error', fail);
    req.end(payload);
  });
}
