/**
 * Reading README.md as a list of runnable examples (the conventions are described at the top of
 * test/readme.test.ts): fenced blocks, the markers before them, curl command lines and the
 * comparison of a shown response with a real one.
 */

export interface Block {
  lang: string;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The `<!-- not-tested: … -->` or `<!-- again -->` marker right before the block, if any. */
  marker: { kind: 'not-tested' | 'again'; reason: string } | null;
  /** Only blank lines between the previous block and this one. */
  adjacent: boolean;
}

const MARKER = /<!--\s*(not-tested|again)\s*(?::\s*([\s\S]*?))?\s*-->\s*$/;

export function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let gap: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s{0,3})```(\S*)\s*$/.exec(lines[i]!);
    if (!open) {
      gap.push(lines[i]!);
      continue;
    }
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s{0,3}```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(Math.min(indent, lines[j]!.search(/\S|$/))));
    const gapText = gap.join('\n');
    const marker = MARKER.exec(gapText.trimEnd());
    blocks.push({
      lang: open[2]!.toLowerCase(),
      body: body.join('\n'),
      line: i + 1,
      marker: marker ? { kind: marker[1] as 'not-tested' | 'again', reason: marker[2] ?? '' } : null,
      adjacent: blocks.length > 0 && gapText.trim() === '',
    });
    gap = [];
    i = j;
  }
  return blocks;
}

/** Splits a shell line into words: quotes, backslashes, `$NAME` expansion and `#` comments. */
export function shellWords(line: string, vars: Record<string, string>): string[] {
  const words: string[] = [];
  let word: string | null = null;
  const expand = (name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`the harness knows no shell variable $${name}`);
    return value;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === '#' && word === null) {
      break;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated single quote');
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word ??= '';
      for (i++; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && /["\\$`]/.test(line[i + 1] ?? '')) word += line[++i];
        else if (line[i] === '$' && /[A-Za-z_{]/.test(line[i + 1] ?? '')) {
          const name = /^\{?([A-Za-z_][A-Za-z0-9_]*)\}?/.exec(line.slice(i + 1))!;
          word += expand(name[1]!);
          i += name[0].length;
        } else word += line[i];
      }
      if (i >= line.length) throw new Error('unterminated double quote');
    } else if (c === '\\') {
      word = (word ?? '') + (line[++i] ?? '');
    } else if (c === '$' && /[A-Za-z_{]/.test(line[i + 1] ?? '')) {
      const name = /^\{?([A-Za-z_][A-Za-z0-9_]*)\}?/.exec(line.slice(i + 1))!;
      word = (word ?? '') + expand(name[1]!);
      i += name[0].length;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/**
 * The commands of a ```sh block: continuation lines joined, comments and blank lines dropped. A
 * newline inside quotes belongs to the word (the seeds' curl calls spread a JSON body over lines).
 */
export function shellCommands(body: string): string[] {
  const lines: string[] = [];
  let current = '';
  let quote: string | null = null;
  const joined = body.replace(/\\\n/g, ' ');
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i]!;
    if (quote === null && c === '\n') {
      lines.push(current);
      current = '';
      continue;
    }
    if (quote === null && (c === "'" || c === '"')) quote = c;
    else if (c === quote && !(quote === '"' && joined[i - 1] === '\\')) quote = null;
    current += c;
  }
  lines.push(current);
  return lines.map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
}

export interface CurlRequest {
  url: string;
  init: RequestInit & { method: string; headers: Headers };
}

/** The request one curl command line makes (the flags the README uses; anything else is refused). */
export function curlRequest(words: string[]): CurlRequest {
  if (words[0] !== 'curl') throw new Error('not a curl command');
  const headers = new Headers();
  const data: string[] = [];
  let form: FormData | null = null;
  let method: string | null = null;
  let url: string | null = null;
  let get = false;
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    const next = () => {
      const value = words[++i];
      if (value === undefined) throw new Error(`${word} needs a value`);
      return value;
    };
    if (['-s', '-S', '-sS', '--silent', '--show-error', '-f', '--fail', '--fail-with-body', '-L', '--location'].includes(word)) continue;
    else if (word === '-X' || word === '--request') method = next();
    else if (word === '-H' || word === '--header') {
      const header = next();
      const colon = header.indexOf(':');
      headers.append(header.slice(0, colon).trim(), header.slice(colon + 1).trim());
    } else if (['-d', '--data', '--data-raw', '--data-binary', '--json'].includes(word)) {
      const value = next();
      if (value.startsWith('@') && word !== '--data-raw') throw new Error('curl data from a file is not supported');
      data.push(value);
      if (word === '--json') {
        if (!headers.has('content-type')) headers.set('content-type', 'application/json');
        if (!headers.has('accept')) headers.set('accept', 'application/json');
      }
    } else if (word === '--data-urlencode') {
      const value = next();
      const eq = value.indexOf('=');
      data.push(eq < 0 ? encodeURIComponent(value) : `${value.slice(0, eq + 1)}${encodeURIComponent(value.slice(eq + 1))}`.replace(/^=/, ''));
    } else if (word === '-F' || word === '--form') {
      const value = next();
      const eq = value.indexOf('=');
      if (value[eq + 1] === '@' || value[eq + 1] === '<') throw new Error('curl form files are not supported');
      form ??= new FormData();
      form.append(value.slice(0, eq), value.slice(eq + 1));
    } else if (word === '-G' || word === '--get') get = true;
    else if (/^https?:\/\//.test(word)) url = word;
    else throw new Error(`the harness does not understand curl option ${word}`);
  }
  if (url === null) throw new Error('curl names no URL');
  if (!/^http:\/\/(127\.0\.0\.1|localhost):4000\//.test(url)) throw new Error(`curl must call http://127.0.0.1:4000, not ${url}`);
  if (get && data.length > 0) {
    url += (url.includes('?') ? '&' : '?') + data.join('&');
    data.length = 0;
  }
  let body: BodyInit | undefined;
  if (form) body = form;
  else if (data.length > 0) {
    body = data.join('&');
    if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded');
  }
  return { url, init: { method: method ?? (body === undefined ? 'GET' : 'POST'), headers, ...(body === undefined ? {} : { body }) } };
}

/** Every JSON value in `text`, in order: one value, or objects/arrays one after another (JSON lines). */
export function jsonValues(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    return [JSON.parse(trimmed)];
  } catch {
    // Several values: split at the top-level closing brackets below.
  }
  const values: unknown[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if (c === '}' || c === ']') {
      if (--depth === 0) values.push(JSON.parse(trimmed.slice(start, i + 1)));
    } else if (depth === 0 && /\S/.test(c)) throw new Error(`not JSON values: ${trimmed.slice(0, 80)}`);
  }
  return values;
}
