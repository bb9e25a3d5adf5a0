import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';

export interface GraphiQLPageOptions {
  title: string;
  /** The operation GraphiQL opens with; a function is asked once, when the page is first rendered. */
  defaultQuery?: string | (() => Promise<string>);
  /** JSON of the headers GraphiQL opens with; set only for a demo served on loopback. */
  headers?: string;
}

interface RenderedPage {
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
  etag: string;
}

/** GET /graphql from a browser (Accept: text/html), as Yoga decides it. */
function wantsGraphiQL(request: Request, url: URL): boolean {
  return (
    request.method === 'GET' &&
    (url.pathname === '/graphql' || url.pathname === '/graphql/') &&
    !!request.headers.get('accept')?.includes('text/html')
  );
}

function preferredEncoding(acceptEncoding: string | null): 'br' | 'gzip' | null {
  const accepted = (acceptEncoding ?? '').split(',').map((part) => part.trim().split(';')[0]!.toLowerCase());
  if (accepted.includes('br')) return 'br';
  if (accepted.includes('gzip')) return 'gzip';
  return null;
}

/**
 * Serves GraphiQL. The page carries its 9 MB bundle inline (the explorer works
 * offline), so it is rendered and compressed once, on first use, and served
 * with an ETag (304 on revalidation) and Cache-Control: `public` when the page
 * is the same for everyone, `private` when it embeds the demo token.
 */
export function useGraphiQLPage(options: GraphiQLPageOptions): Plugin {
  let page: Promise<RenderedPage> | null = null;
  const render = async (): Promise<RenderedPage> => {
    const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
    const defaultQuery = typeof options.defaultQuery === 'function' ? await options.defaultQuery() : options.defaultQuery;
    const identity = Buffer.from(renderGraphiQL({ endpoint: '/graphql', title: options.title, ...(options.headers ? { headers: options.headers } : {}), ...(defaultQuery === undefined ? {} : { defaultQuery }) }));
    // Compressed on the thread pool: the event loop keeps serving meanwhile.
    const [gzipped, brotli] = await Promise.all([
      promisify(gzip)(identity, { level: 9 }),
      promisify(brotliCompress)(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 6 } }),
    ]);
    return {
      identity,
      gzip: gzipped,
      br: brotli,
      etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`,
    };
  };
  const cacheControl = options.headers ? 'private, max-age=3600' : 'public, max-age=3600';
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (!wantsGraphiQL(request, url)) return;
      page ??= render();
      return page.then((rendered) => {
        const common = { etag: rendered.etag, 'cache-control': cacheControl, vary: 'Accept, Accept-Encoding' };
        if (request.headers.get('if-none-match') === rendered.etag) {
          endResponse(new fetchAPI.Response(null, { status: 304, headers: common }));
          return;
        }
        const encoding = preferredEncoding(request.headers.get('accept-encoding'));
        const body = new Uint8Array(encoding ? rendered[encoding] : rendered.identity);
        endResponse(
          new fetchAPI.Response(body, {
            status: 200,
            headers: { ...common, 'content-type': 'text/html; charset=utf-8', ...(encoding ? { 'content-encoding': encoding } : {}) },
          }),
        );
      });
    },
  };
}
