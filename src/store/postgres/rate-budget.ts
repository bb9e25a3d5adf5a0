/**
 * The per-token rate budget, shared by every instance on one Postgres database: a token bucket per
 * key in `rate_budgets`, refilled by the database's own clock (instances' clocks may disagree), taken
 * in ONE statement (an upsert that refills, checks and takes, or writes nothing). Four pools hammering
 * one key admit what the budget allows, not four budgets' worth (test/postgres-rate-budget.test.ts).
 * The same rules as the in-memory RateLimiter (src/rate-limit.ts), which stays in front of it as the
 * cheap pre-check: a request may start when its key holds its cost (or, larger than the burst, when
 * the bucket is full), and may drive it into debt that later requests wait out. In-flight slots
 * stay per instance.
 */
import type pg from 'pg';
import type { RateLimitConfig } from '../../rate-limit';

export type BudgetAnswer = { ok: true } | { ok: false; retryAfter: number };

/** Now, in ms, by the database's clock. */
const NOW_MS = `(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;

export class SharedRateBudget {
  constructor(
    private readonly pool: pg.Pool,
    private readonly config: Pick<RateLimitConfig, 'rateLimitPerSecond' | 'rateLimitBurst'>,
  ) {}

  /** Takes `cost` units from `key`'s budget, or says how many seconds until it could (nothing taken). */
  async take(key: string, cost: number): Promise<BudgetAnswer> {
    const { rateLimitPerSecond: rate, rateLimitBurst: burst } = this.config;
    const taken = await this.pool.query(
      `INSERT INTO rate_budgets AS b (key, units, at) VALUES ($1, $2::float8 - $3::float8, ${NOW_MS})
       ON CONFLICT (key) DO UPDATE SET
         units = LEAST($2::float8, b.units + (excluded.at - b.at) * $4::float8 / 1000.0) - $3::float8,
         at = excluded.at
       WHERE LEAST($2::float8, b.units + (excluded.at - b.at) * $4::float8 / 1000.0) >= LEAST($3::float8, $2::float8)
       RETURNING units`,
      [key, burst, cost, rate],
    );
    if (taken.rowCount === 1) return { ok: true };
    // Refused: what the bucket holds now, to say how long until it holds the cost (capped at the burst).
    const held = await this.pool.query(
      `SELECT LEAST($2::float8, units + (${NOW_MS} - at) * $3::float8 / 1000.0) AS units FROM rate_budgets WHERE key = $1`,
      [key, burst, rate],
    );
    const units = Number(held.rows[0]?.units ?? burst);
    return { ok: false, retryAfter: Math.max(1, Math.ceil((Math.min(cost, burst) - units) / rate)) };
  }

  /** Takes `units` from `key`'s budget whatever it holds (a debt): what a request read beyond its price, or a guessed credential. */
  async charge(key: string, units: number): Promise<void> {
    const { rateLimitPerSecond: rate, rateLimitBurst: burst } = this.config;
    await this.pool.query(
      `INSERT INTO rate_budgets AS b (key, units, at) VALUES ($1, $2::float8 - $3::float8, ${NOW_MS})
       ON CONFLICT (key) DO UPDATE SET
         units = LEAST($2::float8, b.units + (excluded.at - b.at) * $4::float8 / 1000.0) - $3::float8,
         at = excluded.at`,
      [key, burst, units, rate],
    );
  }
}
