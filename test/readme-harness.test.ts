import { describe, expect, it } from 'vitest';
import { Bindings } from './helpers/readme-compare';
import { curlRequest, fencedBlocks, jsonValues, shellCommands, shellWords } from './helpers/readme';

const ID = 'f1a2b3c4-d5e6-7890-abcd-ef1234567890';

describe('README harness: reading blocks', () => {
  it('finds fenced blocks with their markers and whether they follow each other directly', () => {
    const blocks = fencedBlocks(
      ['text', '```graphql', '{ a }', '```', '', '```json', '{}', '```', 'prose', '<!-- not-tested: sketch -->', '```sh', 'x', '```', '<!-- again -->', '```json', '[]', '```'].join('\n'),
    );
    expect(blocks.map((b) => [b.lang, b.body, b.line, b.marker, b.adjacent])).toEqual([
      ['graphql', '{ a }', 2, null, false],
      ['json', '{}', 6, null, true],
      ['sh', 'x', 11, { kind: 'not-tested', reason: 'sketch' }, false],
      ['json', '[]', 15, { kind: 'again', reason: '' }, false],
    ]);
  });

  it('splits shell words with quotes, $TOKEN and comments, and joins continuation lines', () => {
    expect(shellCommands('# hi\ncurl -s \\\n  http://x\n\nnpx appgov migrate')).toEqual(['curl -s    http://x', 'npx appgov migrate']);
    expect(shellWords(`curl -H "Authorization: Bearer $TOKEN" -d '{"a":"$b"}' --x=a\\ b # note`, { TOKEN: 'agv_1' })).toEqual([
      'curl', '-H', 'Authorization: Bearer agv_1', '-d', '{"a":"$b"}', '--x=a b',
    ]);
    expect(() => shellWords('echo $OTHER', {})).toThrow('no shell variable $OTHER');
  });

  it('turns curl lines into requests', async () => {
    const json = curlRequest(shellWords(`curl -s http://127.0.0.1:4000/v2/apps -H 'Content-Type: application/json' -d '{"a":1}'`, {}));
    expect([json.url, json.init.method, json.init.headers.get('content-type'), json.init.body]).toEqual([
      'http://127.0.0.1:4000/v2/apps', 'POST', 'application/json', '{"a":1}',
    ]);
    const form = curlRequest(shellWords(`curl -X POST http://127.0.0.1:4000/api/x --data-urlencode 'app_ids=a,b c' -d token=t`, {}));
    expect([form.init.method, form.init.headers.get('content-type'), form.init.body]).toEqual([
      'POST', 'application/x-www-form-urlencoded', 'app_ids=a%2Cb%20c&token=t',
    ]);
    const get = curlRequest(shellWords(`curl -G http://127.0.0.1:4000/v3/x -d limit=2`, {}));
    expect([get.url, get.init.method, get.init.body]).toEqual(['http://127.0.0.1:4000/v3/x?limit=2', 'GET', undefined]);
    const multipart = curlRequest(shellWords(`curl http://127.0.0.1:4000/api/x -F name=a -F note=b`, {}));
    const parsed = await new Request(multipart.url, multipart.init).formData();
    expect([multipart.init.method, parsed.get('name'), parsed.get('note')]).toEqual(['POST', 'a', 'b']);
    expect(() => curlRequest(['curl', 'https://example.com/'])).toThrow('must call http://127.0.0.1:4000');
    expect(() => curlRequest(['curl', '--compressed', 'http://127.0.0.1:4000/'])).toThrow('does not understand curl option --compressed');
  });

  it('reads one JSON value or several in a row', () => {
    expect(jsonValues(' {"a":1} ')).toEqual([{ a: 1 }]);
    expect(jsonValues('{"a":"}"}\n[1]\n{"b":2}')).toEqual([{ a: '}' }, [1], { b: 2 }]);
  });
});

describe('README harness: comparing responses', () => {
  it('binds generated ids, times, tokens and cursors, then holds them to it and substitutes them', () => {
    const b = new Bindings();
    const shown = { id: '11111111-1111-4111-8111-111111111111', at: '2026-01-01T00:00:00.000Z', token: 'agv_shown', endCursor: 'c1' };
    const real = { id: '22222222-2222-4222-8222-222222222222', at: '2026-11-21T10:00:00.000Z', token: 'agv_real', endCursor: 'WyJ4Il0' };
    expect(b.compare(shown, real)).toEqual([]);
    expect(b.substitute('after: "c1", id: "11111111-1111-4111-8111-111111111111"')).toBe('after: "WyJ4Il0", id: "22222222-2222-4222-8222-222222222222"');
    expect(b.compare({ endCursor: 'c1' }, { endCursor: 'other' })).toEqual(['endCursor: README\'s "c1" stood for "WyJ4Il0" earlier, got "other"']);
    expect(b.compare({ id: '33333333-3333-4333-8333-333333333333' }, { id: real.id })).toEqual([
      'id: "22222222-2222-4222-8222-222222222222" was shown as "11111111-1111-4111-8111-111111111111" earlier, README shows "33333333-3333-4333-8333-333333333333"',
    ]);
  });

  it('holds ids the README wrote in a request to their exact value', () => {
    const b = new Bindings();
    b.noteRequest(`approveApps(appIds: ["${ID}"])`);
    expect(b.compare([ID], ['ffffffff-ffff-ffff-ffff-ffffffffffff'])).toEqual([`[0]: README shows "${ID}", got "ffffffff-ffff-ffff-ffff-ffffffffffff"`]);
  });

  it('compares other values exactly, key order included; only an error may leave out its locations', () => {
    const b = new Bindings();
    expect(b.compare({ a: 1, b: 'x' }, { b: 'x', a: 1 })).toEqual(['(top): key order is b, a, README shows a, b']);
    expect(b.compare({ a: 1 }, { a: 1, c: 2 })).toEqual(['(top): keys differ (README only: -; response only: c) in {"a":1,"c":2}']);
    expect(b.compare({ name: 'Design Board' }, { name: 'Team Wiki' })).toEqual(['name: README shows "Design Board", got "Team Wiki"']);
    expect(b.compare({ errors: [{ message: 'm' }] }, { errors: [{ message: 'm', locations: [{ line: 1, column: 2 }] }] })).toEqual([]);
    expect(b.compare({ data: { message: 'm' } }, { data: { message: 'm', locations: [] } })).toHaveLength(1);
  });
});

describe('README harness: named values', () => {
  it('binds "$NAME" in a shown answer to the real value and passes it back as $NAME', () => {
    const bindings = new Bindings();
    expect(bindings.compare({ pageInfo: { endCursor: '$CURSOR' } }, { pageInfo: { endCursor: 'real-cursor' } })).toEqual([]);
    expect(bindings.namedValues()).toEqual({ CURSOR: 'real-cursor' });
    expect(bindings.substituteGraphql('{ a(after: "$CURSOR", first: $first) }'.replace('$first', '2'))).toBe('{ a(after: "real-cursor", first: 2) }');
    expect(bindings.compare({ again: '$CURSOR' }, { again: 'other' })).toEqual(['again: $CURSOR stood for "real-cursor" earlier, got "other"']);
    expect(() => bindings.substituteGraphql('{ a(after: "$OTHER") }')).toThrow('$OTHER names no value shown before it');
    expect(bindings.compare({ id: '$ID' }, { id: { nested: true } })).toEqual(['id: README names $ID here, got {"nested":true}']);
  });
});
