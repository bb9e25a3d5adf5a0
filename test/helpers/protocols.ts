import { connect, type Socket } from 'node:net';
import { expect } from 'vitest';
import { V1_DEPRECATION_HEADERS } from '../../src/routes/assignments';

/** One call per protocol of the server, on a real route of each (what is sent matters only once admitted). */
export interface ProtocolCall {
  protocol: 'graphql' | 'slack' | 'rest' | 'v3' | 'v1';
  method: string;
  path: string;
  contentType: string;
  body: string;
}

export function protocolCalls(clientId: string): ProtocolCall[] {
  return [
    { protocol: 'graphql', method: 'POST', path: '/graphql', contentType: 'application/json', body: JSON.stringify({ query: '{ __typename }' }) },
    { protocol: 'slack', method: 'POST', path: '/api/admin.apps.approved.list', contentType: 'application/x-www-form-urlencoded', body: `enterprise_id=${clientId}` },
    { protocol: 'rest', method: 'GET', path: `/v2/clients/${clientId}/apps`, contentType: 'application/json', body: '' },
    {
      protocol: 'v3',
      method: 'POST',
      path: '/v3/apps/app_assignments',
      contentType: 'application/json',
      body: JSON.stringify({ assignee_type: 'directory', assignee_uid: clientId, app_code_name: 'chat' }),
    },
    { protocol: 'v1', method: 'POST', path: '/platform/v1/apps/chat/assign', contentType: 'application/json', body: JSON.stringify({ directory_uid: clientId }) },
  ];
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/**
 * What each protocol answers for a refusal of `code` (RATE_LIMITED, UNAVAILABLE, REQUEST_TIMEOUT,
 * PAYLOAD_TOO_LARGE): Slack's `{"ok":false,"error"}`, REST's `{"error":{code,message}}` (v1 with
 * its deprecation headers), GraphQL's `{"errors":[…]}`. `Retry-After` where the code has a wait.
 */
export function expectRefusal(protocol: ProtocolCall['protocol'], code: string, answer: Answer): void {
  const status = { RATE_LIMITED: 429, UNAVAILABLE: 503, REQUEST_TIMEOUT: 408, PAYLOAD_TOO_LARGE: 413 }[code]!;
  const waits = code === 'RATE_LIMITED' || code === 'UNAVAILABLE';
  if (protocol === 'slack') {
    const error = { RATE_LIMITED: 'ratelimited', UNAVAILABLE: 'service_unavailable', REQUEST_TIMEOUT: 'request_timeout', PAYLOAD_TOO_LARGE: 'invalid_arguments' }[code];
    expect({ status: answer.status, body: answer.body }).toEqual({ status: code === 'RATE_LIMITED' ? 429 : 200, body: { ok: false, error } });
  } else if (protocol === 'graphql') {
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ errors: [{ message: expect.any(String), extensions: expect.objectContaining({ code }) }] });
  } else {
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  }
  if (waits) expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  if (protocol === 'v1') {
    for (const [name, value] of Object.entries(V1_DEPRECATION_HEADERS)) expect(answer.headers[name.toLowerCase()]).toBe(value);
  } else {
    expect(answer.headers.deprecation).toBeUndefined();
  }
}

/** Header names lowercased (Yoga's Headers keep the case they were set with). */
export function headersOf(headers: Headers): Record<string, string> {
  return Object.fromEntries([...headers].map(([name, value]) => [name.toLowerCase(), value]));
}

/** Parses one raw HTTP/1.1 response (Content-Length framed, as the server sends refusals). */
export function parseRaw(text: string): Answer | null {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const raw = text.slice(end + 4);
  return { status: Number(statusLine!.split(' ')[1]), headers, body: raw === '' ? null : JSON.parse(raw) };
}

/** A socket from `localAddress` (any of 127/8 on Linux), connected. */
export function openSocket(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Sends `head` (and `body`, unless `partial` is set: then only that much of it) on a fresh socket
 * from `localAddress`, and resolves with everything received until the server closes it.
 */
export function exchange(port: number, call: ProtocolCall, options: { localAddress?: string; partial?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const body = Buffer.from(call.body);
    const sent = options.partial === undefined ? body : body.subarray(0, options.partial);
    const socket = connect({ port, host: '127.0.0.1', localAddress: options.localAddress ?? '127.0.0.1' }, () => {
      socket.write(
        `${call.method} ${call.path} HTTP/1.1\r\nHost: appgov.test\r\nContent-Type: ${call.contentType}\r\nContent-Length: ${body.length}\r\n` +
          (options.partial === undefined ? 'Connection: close\r\n' : '') +
          '\r\n',
      );
      socket.write(sent);
    });
    let answer = '';
    socket.on('data', (d) => (answer += d));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(answer));
  });
}
