/**
 * `appgov client list` / `app list`: rows as JSON lines (default) or one JSON
 * array, read page by page with keyset seeks so a large catalog never sits in
 * memory whole.
 */
export const LIST_FORMATS = ['jsonl', 'json'] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];

const PAGE_SIZE = 500;

/** Reads the page after `last` (null: the first page), at most `limit` rows. */
export type PageReader<T> = (last: T | null, limit: number) => T[] | Promise<T[]>;

/** Prints every row (at most `limit`) and returns how many it printed. */
export async function printPages<T>(
  readPage: PageReader<T>,
  options: { format: ListFormat; limit: number | null },
  write: (text: string) => void,
): Promise<number> {
  let printed = 0;
  let last: T | null = null;
  if (options.format === 'json') write('[');
  for (;;) {
    const size = options.limit === null ? PAGE_SIZE : Math.min(PAGE_SIZE, options.limit - printed);
    if (size <= 0) break;
    const rows = await readPage(last, size);
    for (const row of rows) {
      const json = JSON.stringify(row);
      write(options.format === 'json' ? `${printed === 0 ? '\n' : ',\n'}${json}` : `${json}\n`);
      printed++;
    }
    if (rows.length < size) break;
    last = rows[rows.length - 1]!;
  }
  if (options.format === 'json') write(printed === 0 ? ']\n' : '\n]\n');
  return printed;
}
