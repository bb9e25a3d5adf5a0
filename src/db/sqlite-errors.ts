/** The SQLite result code of an error, looking through wrappers (Drizzle puts the SqliteError in `cause`). */
export function sqliteCode(error: unknown): string | null {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
  }
  return null;
}

/** SQLITE_BUSY (and its extended codes): another connection holds the write lock. */
export function isBusyError(error: unknown): boolean {
  return sqliteCode(error)?.startsWith('SQLITE_BUSY') ?? false;
}
