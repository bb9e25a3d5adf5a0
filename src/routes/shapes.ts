/**
 * Shape checks of route input: which keys exist and what JSON type each has. Values (UUID
 * format, ranges, lengths) are checked by the services, so every protocol and GraphQL give
 * the same answer for them.
 */
import { readBodyBytes } from '../limits/body';
import { formatJsonPath, jsonProblem } from '../limits/json';
import { RouteError, type ParamSpec, type ParamSpecs } from './table';

function refuse(message: string, field: string): never {
  throw new RouteError('BAD_USER_INPUT', message, { field });
}

function describe(spec: ParamSpec): string {
  const base =
    spec.type === 'string[]'
      ? 'an array of strings'
      : spec.type === 'boolean'
        ? 'true or false'
        : spec.type === 'integer'
          ? 'an integer'
          : spec.type === 'object'
            ? 'a JSON object'
            : 'a string';
  const values = spec.enum ? ` (one of ${spec.enum.join(', ')})` : '';
  return `${base}${values}${spec.nullable ? ', or null' : ''}`;
}

function checkEnum(spec: ParamSpec, value: string, name: string, label: string): void {
  if (spec.enum && !spec.enum.includes(value)) refuse(`${label} must be ${describe(spec)}; got ${JSON.stringify(value)}`, name);
}

/** A value parsed from JSON: it must already have the declared type. */
function checkJsonValue(spec: ParamSpec, value: unknown, name: string, label: string): unknown {
  if (value === null) {
    if (spec.nullable) return null;
    refuse(`${label} must be ${describe(spec)}; got null`, name);
  }
  const wrong = () => refuse(`${label} must be ${describe(spec)}`, name);
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') wrong();
      checkEnum(spec, value as string, name, label);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') wrong();
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) wrong();
      return value;
    case 'string[]':
      if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) wrong();
      for (const item of value as string[]) checkEnum(spec, item, name, label);
      return value;
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) wrong();
      return checkShape(spec.properties ?? {}, value as Record<string, unknown>, 'body key', false, `${name}.`);
  }
}

/** A value that arrived as text (query string, form body): converted to the declared type. */
function convertTextValue(spec: ParamSpec, text: string, name: string, label: string): unknown {
  switch (spec.type) {
    case 'string':
      checkEnum(spec, text, name, label);
      return text;
    case 'boolean':
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      return refuse(`${label} must be true or false; got ${JSON.stringify(text)}`, name);
    case 'integer':
      if (!/^-?\d{1,15}$/.test(text)) refuse(`${label} must be an integer; got ${JSON.stringify(text)}`, name);
      return Number(text);
    case 'string[]': {
      const items = text === '' ? [] : text.split(',').map((item) => item.trim());
      for (const item of items) checkEnum(spec, item, name, label);
      return items;
    }
    case 'object':
      return refuse(`${label} must be a JSON object: send the body as JSON`, name);
  }
}

/**
 * Checks `values` against `specs`: unknown keys, missing required keys and ill-typed values are
 * BAD_USER_INPUT naming the key. Returns only the declared keys that are present.
 */
export function checkShape(
  specs: ParamSpecs,
  values: Readonly<Record<string, unknown>>,
  where: 'query parameter' | 'body key',
  asText: boolean,
  /** For the keys of a nested object: `settings.`. */
  prefix = '',
): Record<string, unknown> {
  const checked: Record<string, unknown> = {};
  for (const key of Object.keys(values)) {
    if (!Object.hasOwn(specs, key)) {
      const known = Object.keys(specs);
      refuse(`Unknown ${where} "${prefix}${key}"; ${known.length ? `accepted: ${known.join(', ')}` : 'none is accepted'}`, `${prefix}${key}`);
    }
  }
  for (const [key, spec] of Object.entries(specs)) {
    const value = values[key];
    const name = `${prefix}${key}`;
    if (value === undefined) {
      if (spec.required) refuse(`${where} ${name} is required`, name);
      continue;
    }
    const label = `${where} ${name}`;
    checked[key] = asText && typeof value === 'string' ? convertTextValue(spec, value, name, label) : checkJsonValue(spec, value, name, label);
  }
  return checked;
}

/** Query-string parameters as an object; a repeated parameter is refused rather than silently dropped. */
export function queryValues(url: URL): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    if (Object.hasOwn(values, name)) refuse(`query parameter ${name} is given more than once`, name);
    values[name] = value;
  }
  return values;
}

/** Reads at most `maxBytes` of the body as UTF-8, else PAYLOAD_TOO_LARGE (without reading the rest). */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const tooLarge = () => new RouteError('PAYLOAD_TOO_LARGE', `The body is larger than ${maxBytes} bytes`, { limit: maxBytes });
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw tooLarge();
  const bytes = await readBodyBytes(request, maxBytes, tooLarge);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** The media type of a request (lowercase, without parameters), or null. */
export function mediaType(request: Request): string | null {
  const header = request.headers.get('content-type');
  if (!header) return null;
  return header.split(';')[0]!.trim().toLowerCase() || null;
}

/**
 * Parses an application/x-www-form-urlencoded body (as Slack clients send it). A repeated key is
 * refused rather than silently dropped; values stay text, for `checkShape(…, asText = true)`.
 */
export function parseFormBody(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    if (Object.hasOwn(values, name)) refuse(`body key ${name} is given more than once`, name);
    values[name] = value;
  }
  return values;
}

/**
 * The first key a JSON text (one JSON.parse accepted) repeats within one object, as a path
 * (`settings.assignment_mode`), or null. JSON.parse would keep the last value silently; a
 * repeated form key or query parameter is refused, so a repeated JSON key is too.
 */
export function repeatedJsonKey(text: string): string | null {
  const problem = jsonProblem(text, Infinity);
  return problem ? formatJsonPath(problem.path) : null;
}

/** Parses a JSON body that must be an object, each key at most once. An empty body counts as `{}`. */
export function parseJsonObject(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RouteError('BAD_USER_INPUT', 'The body is not valid JSON', { field: 'body' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RouteError('BAD_USER_INPUT', 'The body must be a JSON object', { field: 'body' });
  }
  const repeated = repeatedJsonKey(text);
  if (repeated !== null) refuse(`body key ${repeated} is given more than once`, repeated);
  return parsed as Record<string, unknown>;
}
