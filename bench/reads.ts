/**
 * Sections 3 and 4: the nested read (apps → history) with its SQL counted,
 * and how a history page and an apps page grow from a small database to a
 * big one. Every request goes through yoga.fetch.
 */
import { createAppgovYoga, type AppgovYoga } from '../src/yoga';
import { openCounted, type CountingLogger, type Dataset } from './datasets';
import { post } from './graphql';
import { breathe, summarize, type Summary } from './stats';

export const READ_QUERY = `query Read($clientId: ID!) {
  client(id: $clientId) { apps(first: 100) { nodes { id isApproved history(first: 5) { nodes { id createdAt } } } } }
}`;

const HISTORY_PAGE = `query HistoryPage($clientId: ID!, $appId: ID!) {
  appHistory(clientId: $clientId, appId: $appId, first: 20) {
    nodes { id type createdAt actor { name } ... on ApprovalStatusChangedEvent { wasApproved isApproved } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const APPS_PAGE = `query AppsPage($clientId: ID!) {
  client(id: $clientId) {
    apps(first: 100) { nodes { id name isApproved approvedAt } pageInfo { hasNextPage endCursor } }
  }
}`;

interface Opened {
  yoga: AppgovYoga;
  sql: CountingLogger;
  dataset: Dataset;
  close(): void;
}

function open(dataset: Dataset): Opened {
  const db = openCounted(dataset.path);
  return { yoga: createAppgovYoga({ db: db.db, config: { maxBulkIds: 1000 } }), sql: db.sql, dataset, close: db.close };
}

export interface ReadPathResult {
  latency: Summary;
  /** Distinct per-request counts seen (one value when constant). */
  statements: number[];
  historyStatements: number[];
  appsReturned: number;
  eventsReturned: number;
}

interface ReadData {
  client: { apps: { nodes: { id: string; history: { nodes: unknown[] } }[] } };
}

export async function benchReadPath(dataset: Dataset, options: { samples: number; warmup: number }): Promise<ReadPathResult> {
  const opened = open(dataset);
  try {
    const run = async () => {
      await breathe();
      opened.sql.reset();
      const posted = await post<ReadData>(opened.yoga, dataset.token, READ_QUERY, { clientId: dataset.clientId });
      return { posted, statements: opened.sql.statements, history: opened.sql.historyStatements };
    };
    for (let i = 0; i < options.warmup; i++) await run();
    const runs = [];
    for (let i = 0; i < options.samples; i++) runs.push(await run());
    const last = runs.at(-1)!.posted.data.client.apps.nodes;
    return {
      latency: summarize(runs.map((r) => r.posted.ms)),
      statements: [...new Set(runs.map((r) => r.statements))],
      historyStatements: [...new Set(runs.map((r) => r.history))],
      appsReturned: last.length,
      eventsReturned: last.reduce((sum, app) => sum + app.history.nodes.length, 0),
    };
  } finally {
    opened.close();
  }
}

export interface GrowthRow {
  page: 'appHistory(first: 20)' | 'client.apps(first: 100)';
  small: Summary;
  big: Summary;
  /** big median ÷ small median */
  ratio: number;
  itemsPerPage: number;
}

interface PageSpec {
  page: GrowthRow['page'];
  query: string;
  variables(dataset: Dataset): Record<string, unknown>;
  items(data: unknown): number;
}

const GROWTH_PAGES: PageSpec[] = [
  {
    page: 'appHistory(first: 20)',
    query: HISTORY_PAGE,
    variables: (d) => ({ clientId: d.clientId, appId: d.hotAppId }),
    items: (data) => (data as { appHistory: { nodes: unknown[] } }).appHistory.nodes.length,
  },
  {
    page: 'client.apps(first: 100)',
    query: APPS_PAGE,
    variables: (d) => ({ clientId: d.clientId }),
    items: (data) => (data as { client: { apps: { nodes: unknown[] } } }).client.apps.nodes.length,
  },
];

/** Small and big are sampled alternately, so drift on the machine lands on both alike. */
export async function benchGrowth(
  small: Dataset,
  big: Dataset,
  options: { samples: number; warmup: number },
): Promise<GrowthRow[]> {
  const sides = [open(small), open(big)];
  try {
    const rows: GrowthRow[] = [];
    for (const spec of GROWTH_PAGES) {
      const times = sides.map((): number[] => []);
      const items = sides.map(() => 0);
      for (let i = 0; i < options.warmup + options.samples; i++) {
        for (const [s, side] of sides.entries()) {
          await breathe();
          const posted = await post<unknown>(side.yoga, side.dataset.token, spec.query, spec.variables(side.dataset));
          if (i >= options.warmup) times[s]!.push(posted.ms);
          items[s] = spec.items(posted.data);
        }
      }
      if (items[0] !== items[1]) throw new Error(`${spec.page}: small returned ${items[0]} items, big ${items[1]}`);
      const smallSummary = summarize(times[0]!);
      const bigSummary = summarize(times[1]!);
      rows.push({
        page: spec.page,
        small: smallSummary,
        big: bigSummary,
        ratio: bigSummary.median / smallSummary.median,
        itemsPerPage: items[0]!,
      });
    }
    return rows;
  } finally {
    for (const side of sides) side.close();
  }
}
