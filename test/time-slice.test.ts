/**
 * Issue 17 item 2: one read request of many list fields must not hold the server thread for all of
 * them. Each list field gives way to the requests waiting once its request has run a slice.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphQLObjectType } from 'graphql';
import { schema } from '../src/schema';
import { TimeSlice } from '../src/schema/time-slice';
import { createAppgovYoga } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase } from './helpers/db';

describe('TimeSlice', () => {
  it('is not due within its slice; once due, every field asking shares one turn, then a new slice starts', async () => {
    // A 50 ms slice: the checks right after construction and right after the turn have room on a busy machine.
    const slice = new TimeSlice(50);
    expect(slice.due()).toBeNull();
    const until = performance.now() + 51;
    while (performance.now() < until);
    let immediateRan = false;
    setImmediate(() => (immediateRan = true));
    const turn = slice.due();
    expect(turn).toBeInstanceOf(Promise);
    expect(slice.due()).toBe(turn);
    await turn;
    // The turn is one pass of the event loop: what was queued before it has run.
    expect(immediateRan).toBe(true);
    expect(slice.due()).toBeNull();
  });

  it('the fields read through a DataLoader are marked BATCHED (their loads stay one batch)', () => {
    const batched = (type: string, field: string) => (schema.getType(type) as GraphQLObjectType).getFields()[field]!.extensions?.batched;
    expect([batched('App', 'history'), batched('Query', 'appHistory'), batched('Client', 'apps')]).toEqual([true, true, undefined]);
  });

  it('wraps every field that takes `first` but the BATCHED ones: with its slice due, it waits for the turn first', () => {
    for (const type of Object.values(schema.getTypeMap())) {
      if (!(type instanceof GraphQLObjectType) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const paged = field.args.some((arg) => arg.name === 'first');
        // The wrapper asks the slice first: with a due slice, it answers a promise. A BATCHED field is not wrapped.
        if (!paged || field.extensions?.batched === true) continue;
        let asked = 0;
        const due = { due: () => (asked++ === 0 ? Promise.resolve() : null) } as unknown as TimeSlice;
        const answer = field.resolve!({}, {}, { slice: due }, {} as never);
        expect(answer, `${type.name}.${field.name}`).toBeInstanceOf(Promise);
        (answer as Promise<unknown>).catch(() => {});
        expect(asked, `${type.name}.${field.name}`).toBe(1);
      }
    }
  });
});

describe('over HTTP, a heavy read gives way to another token', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });

  // Retried: with two test workers on two cores another file's work can stall either request for tens of ms.
  // Without the slices the small read waits for every field, so each attempt fails and so does the test.
  it("another token's small read sent while 55 list fields run is answered before them", { retry: 2 }, async () => {
    const t = testDatabase();
    const tenant = seedTenant(t.db, { appCount: 400 });
    const heavyToken = issueToken(t.db, 'client', tenant.clientId, ['apps:read']).token;
    const otherToken = issueToken(t.db, 'internal').token;
    const yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
    const server = createServer(yoga);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
    const post = (token: string, query: string) =>
      fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ query }) }).then(async (response) => {
        const body = (await response.json()) as { errors?: unknown };
        return { at: performance.now(), status: response.status, errors: body.errors };
      });
    // 55 list fields of 100 apps each, within the breadth limit (300 fields).
    const fields = Array.from({ length: 55 }, (_, i) => `a${i}: apps(first: 100) { nodes { id name resolution } }`).join(' ');
    const heavy = `{ client(id: "${tenant.clientId}") { ${fields} } }`;
    // Once alone, to learn what it costs here (and warm the parse cache).
    const alone = performance.now();
    await post(heavyToken, heavy);
    const cost = performance.now() - alone;
    expect(cost).toBeGreaterThan(40);
    const sent = performance.now();
    const heavyDone = post(heavyToken, heavy);
    // Sent once the heavy one is executing (its parse and validation are cached: a few ms).
    await new Promise((resolve) => setTimeout(resolve, Math.min(15, cost / 4)));
    const small = await post(otherToken, '{ __typename }');
    const done = await heavyDone;
    expect([done.status, done.errors, small.status, small.errors]).toEqual([200, undefined, 200, undefined]);
    // Answered while the heavy one still runs, by a clear margin (a fifth of the heavy one's time, at
    // least 10 ms). Without the slices (SQLite) it waited for all 55 fields and was answered within
    // 1 ms of the heavy one (60/61, 120/120, 201/201 ms). On Postgres the fields await the pool, so
    // the small read is let in without the slices too, but not at once: at 38–74% of the heavy one's
    // time here, which is why the margin is not half.
    expect(done.at - small.at).toBeGreaterThan(Math.max(10, (done.at - sent) / 5));
  });
});
