import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CURRENT_SCHEMA_FILE, RELEASED_SCHEMA_FILE, checkSchema } from '../scripts/schema-check';
import { SCOPES } from '../src/auth/principal';
import { schema } from '../src/schema';

const TODAY = new Date('2026-06-01T12:00:00Z');
const RELEASED = `type Query {
  "Kept."
  name: String
  "Going away."
  legacyName: String @deprecated(reason: "Use name. Removal after 2026-05-01.")
  "Going away later."
  oldCount: Int @deprecated(reason: "Use count. Removal after 2026-12-01.")
  "Stays."
  count: Int
}`;

function variant(from: string, to: string): string {
  expect(RELEASED).toContain(from);
  return RELEASED.replace(from, to);
}

describe('breaking-change check (npm run schema:check)', () => {
  it('passes for the committed schema.graphql against schema.released.graphql', async () => {
    const result = await checkSchema(readFileSync(RELEASED_SCHEMA_FILE, 'utf8'), readFileSync(CURRENT_SCHEMA_FILE, 'utf8'));
    expect({ ...result, changes: [] }).toEqual({ breaking: [], allowedRemovals: [], deprecationProblems: [], changes: [] });
  });

  it("CHANGELOG.md's Unreleased schema list is what the check reports since the released schema", async () => {
    const { changes } = await checkSchema(readFileSync(RELEASED_SCHEMA_FILE, 'utf8'), readFileSync(CURRENT_SCHEMA_FILE, 'utf8'));
    const changelog = readFileSync(new URL('../CHANGELOG.md', import.meta.url), 'utf8');
    const unreleased = changelog.slice(changelog.indexOf('## [Unreleased]'), changelog.indexOf('\n## [', changelog.indexOf('## [Unreleased]') + 1));
    const schemaList = unreleased.slice(unreleased.indexOf('### Schema')).split('\n').filter((line) => line.startsWith('- ')).map((line) => line.slice(2));
    expect(changes.length).toBeGreaterThan(0);
    expect(schemaList, 'run npm run schema:changes and put its lines under ## [Unreleased] ### Schema').toEqual(changes);
  });

  it('lists a change once, leaving out descriptions and the members of an added type or field', async () => {
    const { changes } = await checkSchema(RELEASED, variant('"Stays."', '"New."\n  total(by: Int): Int\n  "Stays, described anew."'), TODAY);
    expect(changes).toEqual(["NON_BREAKING: Field 'total' was added to object type 'Query'"]);
  });

  it('passes when a field is added', async () => {
    const result = await checkSchema(RELEASED, variant('"Stays."', '"New."\n  total: Int\n  "Stays."'), TODAY);
    expect(result).toEqual({ breaking: [], allowedRemovals: [], deprecationProblems: [], changes: ["NON_BREAKING: Field 'total' was added to object type 'Query'"] });
  });

  it('fails when a field that was never deprecated is removed', async () => {
    const result = await checkSchema(RELEASED, variant('"Kept."\n  name: String\n', ''), TODAY);
    expect(result.breaking).toEqual(["Field 'name' was removed from object type 'Query'"]);
  });

  it('fails when a field changes type', async () => {
    const result = await checkSchema(RELEASED, variant('count: Int\n}', 'count: String\n}'), TODAY);
    expect(result.breaking).toEqual(["Field 'Query.count' changed type from 'Int' to 'String'"]);
  });

  it('allows removing a deprecated field once its removal date has passed', async () => {
    const result = await checkSchema(RELEASED, variant('"Going away."\n  legacyName: String @deprecated(reason: "Use name. Removal after 2026-05-01.")\n', ''), TODAY);
    expect(result.breaking).toEqual([]);
    expect(result.allowedRemovals).toEqual(["Field 'legacyName' (deprecated) was removed from object type 'Query' (deprecated; removal after 2026-05-01)"]);
  });

  it('fails when a deprecated field is removed before its removal date', async () => {
    const result = await checkSchema(RELEASED, variant('"Going away later."\n  oldCount: Int @deprecated(reason: "Use count. Removal after 2026-12-01.")\n', ''), TODAY);
    expect(result.breaking).toEqual([
      "Field 'oldCount' (deprecated) was removed from object type 'Query' (deprecated, but its removal date 2026-12-01 has not passed)",
    ]);
  });

  it('fails a deprecation without a removal date, or with one sooner than 90 days away', async () => {
    const undated = await checkSchema(RELEASED, variant('count: Int\n}', 'count: Int @deprecated(reason: "Use total.")\n}'), TODAY);
    expect(undated.deprecationProblems).toEqual(['Query.count: the @deprecated reason must end with "Removal after YYYY-MM-DD."']);
    const soon = await checkSchema(RELEASED, variant('count: Int\n}', 'count: Int @deprecated(reason: "Use total. Removal after 2026-07-01.")\n}'), TODAY);
    expect(soon.deprecationProblems).toEqual(['Query.count: removal date 2026-07-01 is sooner than 90 days from today (2026-08-30 at the earliest)']);
    const enough = await checkSchema(RELEASED, variant('count: Int\n}', 'count: Int @deprecated(reason: "Use total. Removal after 2026-08-30.")\n}'), TODAY);
    expect(enough).toEqual({ breaking: [], allowedRemovals: [], deprecationProblems: [], changes: ["NON_BREAKING: Field 'Query.count' is deprecated"] });
  });
});

describe('Scope enum', () => {
  it('has one value per scope in SCOPES, standing for the scope string', () => {
    const scope = schema.getType('Scope');
    expect(scope && 'getValues' in scope ? scope.getValues().map((v) => [v.name, v.value]) : null).toEqual(
      SCOPES.map((s) => [s.toUpperCase().replace(':', '_'), s]),
    );
  });
});
