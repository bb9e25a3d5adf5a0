import { beforeEach, describe, expect, it } from 'vitest';
import { createToken, listTokens, parseExpiry, revokeToken } from '../src/auth/tokens';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { seedTenant, testDatabase } from './helpers/db';
import { gql } from './helpers/graphql';
import { expectRefusal } from './helpers/tables';

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let clientId: string;
const QUERY = `query ($c: ID!) { client(id: $c) { name } }`;

beforeEach(() => {
  t = testDatabase();
  ({ clientId } = seedTenant(t.db));
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
});

describe('token expiry and revocation', () => {
  it('an expired token gets 401 UNAUTHENTICATED with reason TOKEN_EXPIRED', async () => {
    const issued = createToken(t.db, { kind: 'internal', expiresAt: new Date(Date.now() + 60_000) });
    expect((await gql(yoga, QUERY, { c: clientId }, issued.token)).body.data.client.name).toBe('Client 1');
    t.sqlite.prepare('UPDATE tokens SET expires_at = ? WHERE id = ?').run(Date.now() - 1, issued.id);
    const res = await gql(yoga, QUERY, { c: clientId }, issued.token);
    expect([res.status, res.body.errors![0]!.extensions]).toEqual([401, { code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' }]);
  });

  it('a revoked token gets 401 with reason TOKEN_REVOKED; revoking again keeps the first time', async () => {
    const issued = createToken(t.db, { kind: 'internal' });
    const first = revokeToken(t.db, issued.id, new Date('2026-01-01T00:00:00Z'));
    expect(revokeToken(t.db, issued.id.toUpperCase())).toEqual(first);
    const res = await gql(yoga, QUERY, { c: clientId }, issued.token);
    expect([res.status, res.body.errors![0]!.message, res.body.errors![0]!.extensions]).toEqual([
      401,
      'This token was revoked',
      { code: 'UNAUTHENTICATED', reason: 'TOKEN_REVOKED' },
    ]);
    expect(expectRefusal(t.sqlite, () => revokeToken(t.db, '00000000-0000-4000-8000-00000000abcd')).code).toBe('NOT_FOUND');
  });

  it('parses durations and dates, refusing the rest and past expiries', () => {
    const now = new Date('2026-11-21T12:00:00Z');
    expect(parseExpiry('30d', now).toISOString()).toBe('2026-12-21T12:00:00.000Z');
    expect(parseExpiry('12h', now).toISOString()).toBe('2026-11-22T00:00:00.000Z');
    expect(parseExpiry('2027-01-31', now).toISOString()).toBe('2027-01-31T00:00:00.000Z');
    expect(() => parseExpiry('soon', now)).toThrow('expiry must be a duration like 30d, 12h or 90m, or a date like 2027-01-31; got "soon"');
    expect(expectRefusal(t.sqlite, () => createToken(t.db, { kind: 'internal', expiresAt: new Date(0) })).message).toBe(
      'the expiry 1970-01-01T00:00:00.000Z is not in the future',
    );
  });

  it('lists tokens without secrets', () => {
    const issued = createToken(t.db, { kind: 'client', clientId, scopes: ['apps:request'], name: 'kiosk', expiresAt: new Date('2099-01-01T00:00:00Z') });
    const listed = listTokens(t.db).find((x) => x.id === issued.id)!;
    expect(listed).toEqual({
      id: issued.id,
      kind: 'client',
      name: 'kiosk',
      scopes: ['apps:request'],
      client: clientId,
      created: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      expires: '2099-01-01T00:00:00.000Z',
      revoked: null,
    });
    expect(JSON.stringify(listTokens(t.db))).not.toContain(issued.token);
  });
});
