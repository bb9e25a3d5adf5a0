/**
 * Issue 17 item 9: one string rule for every free-text input. The test walks
 * the schema: every String argument and input field (at any depth, of every
 * field an operation can reach) is sent a NUL, a terminal escape, a C1
 * control and text made only of invisible characters, as a literal and in a
 * variable; each is refused with BAD_USER_INPUT naming the argument as
 * written, before anything runs, and nothing is written.
 */
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../src/auth/tokens';
import { schema } from '../src/schema/index';
import { createApp } from '../src/services/apps';
import { createInstallRequest } from '../src/services/install-requests';
import { createWorkspace } from '../src/services/workspaces';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { principalFor, seedTenant, testDatabase, uuid } from './helpers/db';
import { gql } from './helpers/graphql';
import { rest } from './helpers/rest';
import { expectRefusal, tableCounts } from './helpers/tables';

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let token: string;
let clientId: string;
const WS = uuid(8001);
const APP = uuid(8002);

beforeAll(() => {
  t = testDatabase();
  ({ clientId } = seedTenant(t.db));
  createWorkspace(t.db, { clientId, name: 'Sales', id: WS });
  createApp(t.db, { id: APP, name: 'Chat', scopes: ['chat:write'] });
  token = createToken(t.db, { kind: 'internal', name: 'full', scopes: ['apps:read', 'apps:write', 'apps:request'] }).token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000 } });
});

const BAD: [string, string, string][] = [
  ['a NUL', 'a\u0000b', 'CONTROL_CHARACTER'],
  ['a terminal escape', '\u001b[31mred\u001b[0m', 'CONTROL_CHARACTER'],
  ['a C1 control', 'x\u009b2J', 'CONTROL_CHARACTER'],
  ['only invisible characters', '\u200B\u2060\u3164', 'INVISIBLE_ONLY'],
];

/** Where a String sits inside an argument: the input-field names from the argument down. */
function stringPaths(type: GraphQLInputType, prefix: string[] = [], depth = 0): string[][] {
  const named = getNamedType(type);
  if (named.name === 'String') return [prefix];
  if (!isInputObjectType(named) || depth > 4) return [];
  return Object.values(named.getFields()).flatMap((f) => stringPaths(f.type, [...prefix, f.name], depth + 1));
}

/** A JSON value of `type` that passes validation, with `bad` at `path` (oneOf: only the field on the path). */
function valueOf(type: GraphQLInputType, path: string[] | null, bad: string): unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [valueOf(nullable.ofType, path, bad)];
  if (path && path.length === 0) return bad;
  const named = getNamedType(type);
  if (isEnumType(named)) return named.getValues()[0]!.name;
  if (isInputObjectType(named)) {
    const out: Record<string, unknown> = {};
    const fields = Object.values(named.getFields());
    const onPath = path?.[0];
    for (const f of fields) {
      if (f.name === onPath) out[f.name] = valueOf(f.type, path!.slice(1), bad);
      else if (!named.isOneOf && isNonNullType(f.type) && f.defaultValue === undefined) out[f.name] = valueOf(f.type, null, bad);
    }
    if (named.isOneOf && Object.keys(out).length === 0) out[fields[0]!.name] = valueOf(fields[0]!.type, null, bad);
    return out;
  }
  switch (named.name) {
    case 'ID':
      return uuid(1);
    case 'Int':
      return 1;
    case 'Boolean':
      return true;
    case 'DateTime':
      return '2026-01-01T00:00:00.000Z';
    default:
      return 'x';
  }
}

/** A JSON value as a GraphQL literal (enum values are bare names). */
function literal(value: unknown, type: GraphQLInputType): string {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return `[${(value as unknown[]).map((v) => literal(v, nullable.ofType)).join(', ')}]`;
  const named = getNamedType(type);
  if (isEnumType(named)) return String(value);
  if (isInputObjectType(named)) {
    const fields = named.getFields();
    return `{ ${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}: ${literal(v, fields[k]!.type)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}

interface Target {
  root: 'query' | 'mutation';
  /** The fields from the root down to the field that takes the argument. */
  fields: GraphQLField<unknown, unknown>[];
  arg: GraphQLArgument;
  path: string[];
}

/** Every String argument or input field of every field reachable from Query and Mutation, with one way to reach it. */
function targets(): Target[] {
  const out: Target[] = [];
  for (const root of ['query', 'mutation'] as const) {
    const rootType = root === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
    const seen = new Set<string>();
    const queue: { type: GraphQLNamedType; fields: GraphQLField<unknown, unknown>[] }[] = [{ type: rootType, fields: [] }];
    while (queue.length > 0) {
      const { type, fields } = queue.shift()!;
      if (seen.has(type.name) || !(isObjectType(type) || isInterfaceType(type))) continue;
      seen.add(type.name);
      for (const field of Object.values(type.getFields())) {
        for (const arg of field.args) for (const path of stringPaths(arg.type)) out.push({ root, fields: [...fields, field], arg, path });
        // Mutation fields' results are reached from Query as well (the same types); one root each is enough.
        if (root === 'query' || fields.length === 0) queue.push({ type: getNamedType(field.type), fields: [...fields, field] });
      }
    }
  }
  return out;
}

/** The operation: required arguments filled, the target argument as a literal or as `$v`. */
function operation(target: Target, bad: string, asVariable: boolean): { query: string; variables: Record<string, unknown> } {
  const value = valueOf(target.arg.type, target.path, bad);
  const open = target.fields.map((field, i) => {
    const args = field.args
      .filter((a) => a === target.arg || (isNonNullType(a.type) && a.defaultValue === undefined))
      .map((a) => {
        if (a !== target.arg || i !== target.fields.length - 1) return `${a.name}: ${literal(valueOf(a.type, null, bad), a.type)}`;
        return `${a.name}: ${asVariable ? '$v' : literal(value, a.type)}`;
      });
    return `${field.name}${args.length ? `(${args.join(', ')})` : ''}`;
  });
  const leaf = getNamedType(target.fields.at(-1)!.type);
  const selection = isObjectType(leaf) || isInterfaceType(leaf) ? ' { __typename }' : '';
  const body = open.map((f, i) => (i === open.length - 1 ? `${f}${selection}` : `${f} {`)).join(' ') + ' }'.repeat(open.length - 1);
  const definition = asVariable ? `($v: ${target.arg.type.toString()})` : '';
  return { query: `${target.root} ${definition} { ${body} }`, variables: asVariable ? { v: value } : {} };
}

describe('the one string rule holds for every String argument and input field of the schema', () => {
  const all = targets();
  const names = all.map((x) => `${x.fields.at(-1)!.name}(${[x.arg.name, ...x.path].join('.')})`);

  it('finds them all, the install request texts among them', () => {
    expect(all.length).toBeGreaterThan(25);
    expect(names).toEqual(
      expect.arrayContaining([
        'requestAppInstall(message)',
        'requestAppInstall(requester)',
        'requestAppInstall(scopes)',
        'addAppHistoryNote(note)',
        'updateApp(input.category)',
        'cancelAppInstallRequest(reason)',
        'apps(search)',
        'assignApp(input.appCodeName)',
        'assignAppV1(businessUid)',
      ]),
    );
  });

  for (const [what, bad, reason] of BAD) {
    it(`refuses ${what} in each of them, as a literal and in a variable, writing nothing`, async () => {
      const before = tableCounts(t.sqlite);
      const answers: unknown[] = [];
      const expected: unknown[] = [];
      for (const target of all) {
        const field = [target.arg.name, ...target.path].join('.');
        for (const asVariable of [false, true]) {
          const { query, variables } = operation(target, bad, asVariable);
          const res = await gql(yoga, query, variables, token);
          answers.push({ query, data: res.body.data ?? null, errors: res.body.errors?.map((e) => ({ code: e.extensions?.code, field: e.extensions?.field, reason: e.extensions?.reason })) });
          expected.push({ query, data: null, errors: [{ code: 'BAD_USER_INPUT', field, reason }] });
        }
      }
      expect(answers).toEqual(expected);
      expect(tableCounts(t.sqlite)).toEqual(before);
    }, 60_000);
  }

  it('lets text with tabs, line breaks and emoji through to the field itself', async () => {
    const fine = 'line one\n\tline two 👍';
    for (const target of all) {
      const { query, variables } = operation(target, fine, true);
      const res = await gql(yoga, query, variables, token);
      const ruled = (res.body.errors ?? []).filter((e) => e.extensions?.reason === 'CONTROL_CHARACTER' || e.extensions?.reason === 'INVISIBLE_ONLY');
      expect({ query, ruled }).toEqual({ query, ruled: [] });
    }
  }, 60_000);
});

describe('requestAppInstall stores no control characters (issue 17 item 9)', () => {
  const REQUEST = `mutation ($w: ID!, $a: ID!, $m: String, $r: String) { requestAppInstall(workspaceId: $w, appId: $a, message: $m, requester: $r) { id requester message } }`;

  it.each([
    ['message', { m: 'hi\u0000there' }],
    ['message', { m: '\u001b]0;pwned\u0007' }],
    ['requester', { r: '\u200B' }],
    ['requester', { r: 'bob\u001b[2J' }],
  ])('refuses %s %j, writing no request', async (field, extra) => {
    const before = tableCounts(t.sqlite);
    const res = await gql(yoga, REQUEST, { w: WS, a: APP, ...extra }, token);
    expect(res.body.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([['BAD_USER_INPUT', field]]);
    expect(tableCounts(t.sqlite)).toEqual(before);
  });

  it('and the service refuses them too, whoever calls it', () => {
    const actor = principalFor(t.db);
    for (const [message, requester, field] of [
      ['nul\u0000', null, 'message'],
      [null, '\u2060\u200B', 'requester'],
    ] as const) {
      const error = expectRefusal(t.sqlite, () => createInstallRequest(t.db, { clientId, workspaceId: WS, appId: APP, message, requester, actor }));
      expect([error.code, error.details.field]).toEqual(['BAD_USER_INPUT', field]);
    }
  });

  it('the REST routes go through the same rule', async () => {
    const before = tableCounts(t.sqlite);
    const res = await rest(yoga, 'POST', `/v2/clients/${clientId}/apps/${APP}/history/notes`, { body: { note: 'ring\u001b[5m' }, token });
    expect([res.status, res.body.error?.code]).toEqual([400, 'BAD_USER_INPUT']);
    expect(tableCounts(t.sqlite)).toEqual(before);
  });

  it('a plain request is stored as given', async () => {
    const res = await gql(yoga, REQUEST, { w: WS, a: APP, m: 'for the\n\tsales team', r: 'Ana 👍' }, token);
    expect(res.body.data.requestAppInstall).toMatchObject({ requester: 'Ana 👍', message: 'for the\n\tsales team' });
  });
});
