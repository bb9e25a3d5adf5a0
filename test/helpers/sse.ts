/**
 * A GraphQL-over-SSE subscriber for tests: POSTs the operation with `Accept: text/event-stream`
 * (to a Yoga in process, or to a real server by URL) and hands over each `next` payload in order.
 */
export interface Subscriber {
  /** The HTTP status of the stream's response. */
  status: number;
  /** The next payload ({ data, errors }), or throws after `ms` without one. */
  next(ms?: number): Promise<any>;
  /** Payloads received so far and not yet taken. */
  pending(): any[];
  /** Resolves when the server completed the stream (`event: complete`) or the body ended. */
  ended: Promise<void>;
  /** Comment lines (heartbeats) seen so far. */
  comments(): number;
  close(): Promise<void>;
}

type Fetcher = (url: string, init: RequestInit) => Promise<Response> | Response;

export async function subscribe(
  target: { fetch: Fetcher } | string,
  query: string,
  variables: Record<string, unknown>,
  token: string | null,
): Promise<Subscriber> {
  const controller = new AbortController();
  const url = typeof target === 'string' ? `${target}/graphql` : 'http://localhost/graphql';
  const fetcher: Fetcher = typeof target === 'string' ? fetch : (u, i) => target.fetch(u, i);
  const response = await fetcher(url, {
    method: 'POST',
    headers: {
      accept: 'text/event-stream',
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const queue: any[] = [];
  const waiters: (() => void)[] = [];
  let comments = 0;
  let done = false;
  const notify = () => {
    for (const w of waiters.splice(0)) w();
  };
  const contentType = response.headers.get('content-type') ?? '';
  const ended = (async () => {
    if (!contentType.includes('text/event-stream')) {
      // A refusal before the stream (a 4xx with a JSON body): one payload.
      queue.push(await response.json());
      done = true;
      notify();
      return;
    }
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (frame.startsWith(':')) {
            comments++;
            continue;
          }
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = frame
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (event === 'complete') {
            done = true;
            notify();
            return;
          }
          if (data) queue.push(JSON.parse(data));
          notify();
        }
      }
    } catch {
      // Aborted by close().
    } finally {
      done = true;
      notify();
    }
  })();
  return {
    status: response.status,
    async next(ms = 5000) {
      const deadline = Date.now() + ms;
      while (queue.length === 0) {
        if (done) throw new Error('the stream ended without another payload');
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no payload within ${ms} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return queue.shift();
    },
    pending: () => [...queue],
    ended,
    comments: () => comments,
    async close() {
      controller.abort();
      await ended;
    },
  };
}
