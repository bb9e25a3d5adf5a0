import { describe, expect, it } from 'vitest';
import { decideAssigneeRead, decideAssignment, decideRemoval, RULE_MESSAGES, type AppRow, type AssigneeRow } from '../src/auth/assignment-rules';
import type { Principal } from '../src/auth/principal';
import type { AssignmentMode } from '../src/db/schema';

const MINE = 'd-mine';
const THEIRS = 'd-theirs';
const principal = (kind: Principal['kind'], extra: Partial<Principal> = {}): Principal => ({
  tokenId: 't',
  kind,
  name: kind,
  clientId: null,
  scopes: ['apps:read', 'apps:write'],
  ...extra,
});
const internal = principal('internal');
const directory = principal('directory', { directoryId: MINE });
const client = principal('client', { clientId: 'b-mine' });

const myApp: AppRow = { id: 'a1', codeName: 'my-app', ownerDirectoryId: MINE };
const theirApp: AppRow = { id: 'a2', codeName: 'their-app', ownerDirectoryId: THEIRS };
const publicApp: AppRow = { id: 'a3', codeName: 'public-app', ownerDirectoryId: null };
const myDirectory: AssigneeRow = { type: 'directory', id: MINE, found: true, directoryId: MINE };
const theirDirectory: AssigneeRow = { type: 'directory', id: THEIRS, found: true, directoryId: THEIRS };
const unknownDirectory: AssigneeRow = { type: 'directory', id: 'd-none', found: false, directoryId: null };
const myBusiness: AssigneeRow = { type: 'business', id: 'b-mine', found: true, directoryId: MINE };
const theirBusiness: AssigneeRow = { type: 'business', id: 'b-theirs', found: true, directoryId: THEIRS };
const directCustomer: AssigneeRow = { type: 'business', id: 'b-direct', found: true, directoryId: null };
const unknownBusiness: AssigneeRow = { type: 'business', id: 'b-none', found: false, directoryId: null };

const forbidden = (rule: keyof typeof RULE_MESSAGES) => ({ allowed: false, code: 'FORBIDDEN', rule, message: RULE_MESSAGES[rule] });

describe('decideAssignment: the directory-token rules of seed 003', () => {
  it.each([
    ['its own directory', myDirectory],
    ['a business of its directory', myBusiness],
  ])('a directory token may assign its own app INTERNAL to %s', (_name, assignee) => {
    expect(decideAssignment(directory, { app: myApp, assignee, mode: 'INTERNAL' })).toEqual({ allowed: true });
  });

  it.each([
    ['another directory', theirDirectory],
    ['a directory that does not exist (same answer)', unknownDirectory],
    ["another directory's business", theirBusiness],
    ['a direct customer (no directory)', directCustomer],
    ['a business that does not exist (same answer)', unknownBusiness],
  ])('a directory token may not assign to %s: OWN_ASSIGNEE', (_name, assignee) => {
    expect(decideAssignment(directory, { app: myApp, assignee, mode: 'INTERNAL' })).toEqual(forbidden('OWN_ASSIGNEE'));
  });

  it.each([
    ['a public app', publicApp],
    ["another directory's app", theirApp],
    ['an unknown app (same answer)', null],
  ])('a directory token may not assign %s: OWN_APP', (_name, app) => {
    for (const assignee of [myDirectory, myBusiness]) {
      expect(decideAssignment(directory, { app, assignee, mode: 'INTERNAL' })).toEqual(forbidden('OWN_APP'));
    }
  });

  it.each(['STANDARD', 'PRE_INSTALLED', 'BUILT_IN'] as AssignmentMode[])('a directory token may not assign with mode %s: INTERNAL_MODE', (mode) => {
    for (const assignee of [myDirectory, myBusiness]) {
      expect(decideAssignment(directory, { app: myApp, assignee, mode })).toEqual(forbidden('INTERNAL_MODE'));
    }
  });

  it('a directory token may remove (mode null) any mode of its own app from its own assignees, and nothing else', () => {
    expect(decideAssignment(directory, { app: myApp, assignee: myBusiness, mode: null })).toEqual({ allowed: true });
    expect(decideAssignment(directory, { app: publicApp, assignee: myBusiness, mode: null })).toEqual(forbidden('OWN_APP'));
    expect(decideAssignment(directory, { app: myApp, assignee: theirBusiness, mode: null })).toEqual(forbidden('OWN_ASSIGNEE'));
  });

  it('internal tokens may assign a public app anywhere and a private app inside its own directory, in any mode', () => {
    const inside: [AppRow, AssigneeRow][] = [
      ...[myDirectory, theirDirectory, myBusiness, theirBusiness, directCustomer].map((a): [AppRow, AssigneeRow] => [publicApp, a]),
      [myApp, myDirectory],
      [myApp, myBusiness],
      [theirApp, theirDirectory],
      [theirApp, theirBusiness],
    ];
    for (const [app, assignee] of inside) {
      for (const mode of ['STANDARD', 'INTERNAL', 'PRE_INSTALLED', 'BUILT_IN'] as AssignmentMode[]) {
        expect(decideAssignment(internal, { app, assignee, mode })).toEqual({ allowed: true });
      }
    }
  });

  it.each([
    ["another directory's private app to my directory", theirApp, myDirectory],
    ["another directory's private app to my business", theirApp, myBusiness],
    ['my private app to their business', myApp, theirBusiness],
    ['my private app to a direct customer', myApp, directCustomer],
  ])('no token may assign %s: PRIVATE_APP_DIRECTORY', (_name, app, assignee) => {
    for (const mode of ['STANDARD', 'INTERNAL', 'PRE_INSTALLED', 'BUILT_IN'] as AssignmentMode[]) {
      expect(decideAssignment(internal, { app, assignee, mode })).toEqual(forbidden('PRIVATE_APP_DIRECTORY'));
    }
    // Removing such an assignment (made before the rule) stays possible.
    expect(decideRemoval(internal, { app, assignee })).toEqual({ allowed: true });
  });

  it('internal tokens get NOT_FOUND for an unknown app, directory or business', () => {
    expect(decideAssignment(internal, { app: null, assignee: myDirectory, mode: 'STANDARD' })).toEqual({
      allowed: false, code: 'NOT_FOUND', rule: 'APP_EXISTS', message: 'App not found',
    });
    expect(decideAssignment(internal, { app: myApp, assignee: unknownDirectory, mode: 'STANDARD' })).toEqual({
      allowed: false, code: 'NOT_FOUND', rule: 'ASSIGNEE_EXISTS', message: 'Directory not found',
    });
    expect(decideAssignment(internal, { app: myApp, assignee: unknownBusiness, mode: 'STANDARD' })).toEqual({
      allowed: false, code: 'NOT_FOUND', rule: 'ASSIGNEE_EXISTS', message: 'Business not found',
    });
  });

  it('client tokens may never assign, not even to their own client: TOKEN_KIND', () => {
    expect(decideAssignment(client, { app: myApp, assignee: myBusiness, mode: 'INTERNAL' })).toEqual(forbidden('TOKEN_KIND'));
  });
});

describe('decideAssigneeRead', () => {
  it('directory tokens read their own directory and businesses only; unknown ones look like foreign ones', () => {
    expect(decideAssigneeRead(directory, myDirectory)).toEqual({ allowed: true });
    expect(decideAssigneeRead(directory, myBusiness)).toEqual({ allowed: true });
    const refused = [theirDirectory, unknownDirectory, theirBusiness, unknownBusiness, directCustomer].map((a) => decideAssigneeRead(directory, a));
    expect(new Set(refused.map((d) => JSON.stringify(d))).size).toBe(1);
    expect(refused[0]).toMatchObject({ allowed: false, code: 'FORBIDDEN' });
  });

  it('client tokens read their own client only; internal tokens anything that exists', () => {
    expect(decideAssigneeRead(client, myBusiness)).toEqual({ allowed: true });
    expect(decideAssigneeRead(client, myDirectory)).toMatchObject({ allowed: false, code: 'FORBIDDEN' });
    expect(decideAssigneeRead(client, theirBusiness)).toMatchObject({ allowed: false, code: 'FORBIDDEN' });
    expect(decideAssigneeRead(internal, theirBusiness)).toEqual({ allowed: true });
    expect(decideAssigneeRead(internal, unknownBusiness)).toMatchObject({ allowed: false, code: 'NOT_FOUND' });
  });
});

describe('decideRemoval', () => {
  it('only an internal token learns that an assignment does not exist', () => {
    expect(decideRemoval(internal, null)).toEqual({ allowed: false, code: 'NOT_FOUND', rule: 'ASSIGNMENT_EXISTS', message: 'Assignment not found' });
    expect(decideRemoval(directory, null)).toEqual(decideRemoval(directory, { app: theirApp, assignee: theirBusiness }));
    expect(decideRemoval(directory, null)).toEqual(forbidden('OWN_ASSIGNEE'));
    expect(decideRemoval(client, null)).toEqual(forbidden('TOKEN_KIND'));
  });

  it('applies the assign rules without the mode rule', () => {
    expect(decideRemoval(directory, { app: myApp, assignee: myDirectory })).toEqual({ allowed: true });
    expect(decideRemoval(directory, { app: publicApp, assignee: myDirectory })).toEqual(forbidden('OWN_APP'));
    expect(decideRemoval(client, { app: myApp, assignee: myBusiness })).toEqual(forbidden('TOKEN_KIND'));
  });
});
