/**
 * One attempt of one webhook delivery: a signed POST, the way Slack signs its requests, so a
 * receiver can reuse its verification code:
 *
 *   X-Appgov-Request-Timestamp: <unix seconds>
 *   X-Appgov-Signature: v0=<hex HMAC-SHA256 of "v0:" + timestamp + ":" + raw body, keyed by the secret>
 *   X-Appgov-Event-Id: <the event id: the same on every attempt, the receiver's idempotency key>
 *
 * The target is checked on every address its name resolves to, at each attempt: loopback,
 * link-local and private ranges are refused (src/live/address-guard.ts) unless allowPrivate.
 * Redirects are never followed (a 3xx is a failed attempt); a receiver that does not answer within
 * the timeout fails the attempt. A 2xx answer delivers it.
 */
import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { AttemptOutcome } from '../services/webhooks';
import { isPrivateAddress, refusedLiteral } from './address-guard';

export const SIGNATURE_VERSION = 'v0';

/** The X-Appgov-Signature value of `body` sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `${SIGNATURE_VERSION}=${createHmac('sha256', secret).update(`${SIGNATURE_VERSION}:${timestamp}:${body}`).digest('hex')}`;
}

export interface SendInput {
  url: string;
  secret: string;
  eventId: string;
  webhookId: string;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
  userAgent: string;
  /** Aborted when the server shuts down. */
  signal?: AbortSignal;
  now?: () => number;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup, refusing a name any of whose addresses is not public (unless allowed). */
function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses as LookupAddress[];
      const refused = allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (refused) {
        const failure = new Error(`${hostname} resolves to ${refused.address}, a loopback, link-local or private address, which webhooks may not reach`) as NodeJS.ErrnoException;
        failure.code = 'EREFUSEDADDRESS';
        return callback(failure, []);
      }
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

export function sendWebhook(input: SendInput): Promise<AttemptOutcome> {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    return Promise.resolve({ ok: false, responseCode: null, error: 'the URL does not parse' });
  }
  const host = input.allowPrivate ? null : refusedLiteral(url);
  if (host !== null) {
    return Promise.resolve({ ok: false, responseCode: null, error: `${host} is a loopback, link-local or private address, which webhooks may not reach` });
  }
  const timestamp = Math.floor((input.now?.() ?? Date.now()) / 1000);
  const body = Buffer.from(input.body);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      input.signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const request = client.request(
      url,
      {
        method: 'POST',
        agent: false,
        lookup: guardedLookup(input.allowPrivate) as never,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          'user-agent': input.userAgent,
          'x-appgov-request-timestamp': String(timestamp),
          'x-appgov-signature': signWebhook(input.secret, timestamp, input.body),
          'x-appgov-event-id': input.eventId,
          'x-appgov-webhook-id': input.webhookId,
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (text.length < 300) text += chunk;
        });
        response.on('error', () => {});
        response.on('end', () => {
          if (status >= 200 && status < 300) return finish({ ok: true, responseCode: status, error: null });
          if (status >= 300 && status < 400) {
            return finish({ ok: false, responseCode: status, error: `redirect to ${response.headers.location ?? '(no location)'} not followed: webhooks never follow redirects` });
          }
          finish({ ok: false, responseCode: status, error: `HTTP ${status}${text ? `: ${text.slice(0, 300)}` : ''}` });
        });
      },
    );
    const deadline = setTimeout(() => {
      request.destroy();
      finish({ ok: false, responseCode: null, error: `no answer within ${input.timeoutMs} ms` });
    }, input.timeoutMs);
    const onAbort = () => {
      request.destroy();
      finish({ ok: false, responseCode: null, error: 'the server shut down during the attempt' });
    };
    input.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error: NodeJS.ErrnoException) => finish({ ok: false, responseCode: null, error: error.message || String(error.code) }));
    request.end(body);
  });
}
