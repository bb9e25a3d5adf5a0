/** Plain-text tables for the terminal, and the verdict beside each figure. */

export type Verdict = 'PASS' | 'MISS' | 'info';

export interface Check {
  section: string;
  what: string;
  figure: string;
  target: string;
  verdict: Verdict;
  /** What reproduces this figure alone. */
  command: string;
}

/** The command that runs one section of the bench (quick: fewer samples, for iterating). */
export const command = (only: string) => `npm run bench -- --only=${only}`;

export const verdict = (pass: boolean): Verdict => (pass ? 'PASS' : 'MISS');

export const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));
export const times = (value: number) => `${value.toFixed(2)}×`;
export const count = (value: number) => value.toLocaleString('en-US');

/** Columns padded to their widest cell; numbers-looking cells right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => /^[\d.,×/ -]+(ms|MB|%)?$/.test(r[i] ?? '')));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function section(title: string, body: string, notes: readonly string[] = []): string {
  return [`\n${title}`, body, ...notes.map((n) => `  ${n}`)].join('\n');
}
