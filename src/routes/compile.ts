/**
 * Compiles the route table once, at start: every operation is parsed and validated against the
 * schema (a bad one throws here, naming its row), and every path becomes a matcher.
 */
import { Kind, parse, validate, type GraphQLSchema } from 'graphql';
import type { Protocol, RouteRow } from './table';

export interface CompiledRoute {
  row: RouteRow;
  /** Number of literal segments: where two paths match, the more literal one wins (`/apps/approval` over `/apps/{app_id}`). */
  literals: number;
  pattern: RegExp;
  paramNames: string[];
}

export type RouteMatch =
  | { kind: 'route'; route: CompiledRoute; path: Record<string, string> }
  | { kind: 'method-not-allowed'; protocol: Protocol; allow: string[] }
  | { kind: 'unknown-path'; protocol: Protocol };

function label(row: RouteRow): string {
  return `${row.method} ${row.path}`;
}

function compilePath(row: RouteRow): Pick<CompiledRoute, 'pattern' | 'paramNames' | 'literals'> {
  if (!row.path.startsWith('/')) throw new Error(`route ${label(row)}: the path must start with "/"`);
  const paramNames: string[] = [];
  let literals = 0;
  const source = row.path
    .split('/')
    .slice(1)
    .map((segment) => {
      const param = /^\{([a-z_][a-z0-9_]*)\}$/i.exec(segment);
      if (!param) {
        literals++;
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }
      if (paramNames.includes(param[1]!)) throw new Error(`route ${label(row)}: path parameter {${param[1]}} appears twice`);
      paramNames.push(param[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^/${source}$`), paramNames, literals };
}

function checkOperation(row: RouteRow, schema: GraphQLSchema): void {
  let document;
  try {
    document = parse(row.operation);
  } catch (error) {
    throw new Error(`route ${label(row)}: the operation is not GraphQL: ${(error as Error).message}`);
  }
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) throw new Error(`route ${label(row)}: the operation text must hold exactly one operation`);
  const errors = validate(schema, document);
  if (errors.length > 0) {
    throw new Error(`route ${label(row)}: the operation does not fit the schema: ${errors.map((e) => e.message).join('; ')}`);
  }
}

export class RouteTable {
  readonly routes: readonly CompiledRoute[];
  /**
   * Every protocol's path prefixes, when every route lies under its protocol's: then a path under
   * none of them (/graphql, /health) is no route's, known without trying each pattern.
   */
  private readonly prefixes: readonly string[] | null;

  constructor(rows: readonly RouteRow[], schema: GraphQLSchema) {
    const seen = new Set<string>();
    this.routes = rows.map((row) => {
      if (seen.has(label(row))) throw new Error(`route ${label(row)} is in the table twice`);
      seen.add(label(row));
      checkOperation(row, schema);
      return { row, ...compilePath(row) };
    });
    const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
    const allUnder = rows.every((row) => row.protocol.prefixes.some((prefix) => under(row.path, prefix)));
    this.prefixes = allUnder ? [...new Set(rows.flatMap((row) => row.protocol.prefixes))] : null;
  }

  /** The route for a request, a 405 (known path, other methods), a 404 under a known prefix, or null (not ours). */
  match(pathname: string, method: string): RouteMatch | null {
    if (this.prefixes && !this.prefixes.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`))) return null;
    let best: { route: CompiledRoute; values: string[] }[] = [];
    for (const route of this.routes) {
      const found = route.pattern.exec(pathname);
      if (!found) continue;
      const candidate = { route, values: found.slice(1) };
      if (best.length === 0 || route.literals > best[0]!.route.literals) best = [candidate];
      else if (route.literals === best[0]!.route.literals && route.row.path === best[0]!.route.row.path) best.push(candidate);
    }
    if (best.length > 0) {
      const hit = best.find((c) => c.route.row.method === method);
      if (!hit) return { kind: 'method-not-allowed', protocol: best[0]!.route.row.protocol, allow: best.map((c) => c.route.row.method) };
      const path: Record<string, string> = {};
      hit.route.paramNames.forEach((name, i) => {
        const raw = hit.values[i]!;
        try {
          path[name] = decodeURIComponent(raw);
        } catch {
          path[name] = raw;
        }
      });
      return { kind: 'route', route: hit.route, path };
    }
    const owner = this.protocolFor(pathname);
    return owner ? { kind: 'unknown-path', protocol: owner } : null;
  }

  /** The protocol owning the longest prefix of `pathname`, if any. */
  protocolFor(pathname: string): Protocol | null {
    let owner: Protocol | null = null;
    let length = -1;
    for (const { row } of this.routes) {
      for (const prefix of row.protocol.prefixes) {
        if ((pathname === prefix || pathname.startsWith(`${prefix}/`)) && prefix.length > length) {
          owner = row.protocol;
          length = prefix.length;
        }
      }
    }
    return owner;
  }
}
