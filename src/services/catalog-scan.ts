/**
 * What one request may spend walking the catalog. Most of Client.apps is served by index seeks
 * (pages, counts, the filters on the client's own state rows); a name `search` cannot be: it
 * reads every app the client may see until it has its page, so it is priced at that many rows,
 * charged before it runs. All the fields of one request (aliases included) share one budget,
 * APPGOV_MAX_SCAN_ROWS, so no single request can hold the event loop for long.
 */
import { BadUserInputError } from '../errors';

export class CatalogScanBudget {
  /** The rows charged so far: what the request is charged to its token's rate budget once it ran (scanUnits). */
  spent = 0;

  constructor(readonly limit: number) {}

  /** Takes `rows` from the budget, or refuses the field (nothing of it runs) when they do not fit. */
  charge(rows: number, field: string): void {
    if (this.spent + rows > this.limit) {
      throw new BadUserInputError(
        `This request would read ${this.spent + rows} catalog rows for "${field}" (${rows} for this field), over the limit of ${this.limit} a request may read (APPGOV_MAX_SCAN_ROWS); ask for fewer searches in one request, or narrow them with a state filter`,
        { field, limit: 'scan', rows, maxRows: this.limit },
      );
    }
    this.spent += rows;
  }
}

/**
 * Catalog rows read per unit of a token's rate budget. A unit is what one id of a bulk call costs, about
 * 50 µs of the server (a 1,000-id approve, 1,001 units, takes 40–60 ms: `npx tsx bench/durability.ts
 * --quick`); a search reads about a row per µs (200,000 rows in about 200 ms: `npx tsx
 * bench/catalog-cost.ts --apps 200000`). So a search of 200,000 rows costs its token 4,000 units, as a
 * 4,000-id bulk call would, and a token cannot repeat heavy searches faster than its budget refills.
 */
export const SCAN_ROWS_PER_UNIT = 50;

/** The units a request that read `rows` catalog rows owes its token's budget, besides its own cost. */
export function scanUnits(rows: number): number {
  return Math.ceil(rows / SCAN_ROWS_PER_UNIT);
}

/** The default when a caller builds a context without one (tests, the CLI). */
export const DEFAULT_MAX_SCAN_ROWS = 200_000;
