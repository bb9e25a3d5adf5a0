/**
 * A request body read whole, counted while it arrives: past `maxBytes` the read stops and
 * `tooLarge()` is thrown, whether or not the request declared its length. Used by /graphql
 * (limits/request.ts useBodyLimit) and by the HTTP routes (routes/shapes.ts readBodyText).
 */
export async function readBodyBytes(request: Request, maxBytes: number, tooLarge: () => Error): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
