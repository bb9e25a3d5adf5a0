/**
 * What one request may spend walking the catalog. Most of Client.apps is served by index seeks
 * (pages, counts, the filters on the client's own state rows); a name `search` cannot be: it
 * reads every app the client may see until it has its page, so it is priced at that many rows,
 * charged before it runs. All the fields of one request (aliases included) share one budget,
 * APPGOV_MAX_SCAN_ROWS, so no single request can hold the event loop for long.
 */
import { BadUserInputError } from '../errors';

export class CatalogScanBudget {
  private spent = 0;

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

/** The default when a caller builds a context without one (tests, the CLI). */
export const DEFAULT_MAX_SCAN_ROWS = 200_000;
