/**
 * A webhook's body: the event as Client.history returns it, every field of its type selected (id,
 * type, appId, clientId, actor, createdAt and the typed data), serialised by the schema itself. The
 * selection is built from the schema at first use, so a field added to an event type is sent too.
 */
import {
  execute,
  getNamedType,
  GraphQLInterfaceType,
  GraphQLObjectType,
  GraphQLSchema,
  isLeafType,
  isObjectType,
  parse,
  type DocumentNode,
  type GraphQLField,
} from 'graphql';
import { schema } from '../schema';
import { historyListOf, toEvent } from '../services/history';
import type { HistoryRow } from '../services/history-seek';

interface Renderer {
  schema: GraphQLSchema;
  document: DocumentNode;
}

let renderer: Renderer | null = null;

/** A field's selection: a leaf by name; an object whose fields are all leaves, with them; anything else (a field needing a read) left out. */
function selectionOf(field: GraphQLField<unknown, unknown>): string | null {
  if (field.args.some((arg) => arg.type.toString().endsWith('!') && arg.defaultValue === undefined)) return null;
  const type = getNamedType(field.type);
  if (isLeafType(type)) return field.name;
  if (isObjectType(type)) {
    const inner = Object.values(type.getFields());
    if (inner.every((f) => isLeafType(getNamedType(f.type)) && f.args.length === 0)) return `${field.name} { ${inner.map((f) => f.name).join(' ')} }`;
  }
  return null;
}

function build(): Renderer {
  const event = schema.getType('AppHistoryEvent') as GraphQLInterfaceType;
  const implementations = schema.getPossibleTypes(event);
  const common = Object.values(event.getFields()).map(selectionOf).filter((s): s is string => s !== null);
  const own = implementations.map((type) => {
    const fields = Object.values(type.getFields())
      .filter((f) => !(f.name in event.getFields()))
      .map(selectionOf)
      .filter((s): s is string => s !== null);
    return fields.length ? `... on ${type.name} { ${fields.join(' ')} }` : '';
  });
  const root = new GraphQLObjectType({
    name: 'WebhookBody',
    fields: { event: { type: event, resolve: (source: { event: unknown }) => source.event } },
  });
  return {
    schema: new GraphQLSchema({ query: root, types: [...implementations] }),
    document: parse(`{ event { __typename ${common.join(' ')} ${own.join(' ')} } }`),
  };
}

/** The event of `row` as a JSON-ready object, exactly as Client.history shows it (plus __typename). */
export function renderEvent(row: HistoryRow): Record<string, unknown> {
  renderer ??= build();
  const event = toEvent(row, historyListOf({ clientId: row.client_id, appId: null, filter: { types: null, since: null, until: null } }));
  const result = execute({ schema: renderer.schema, document: renderer.document, rootValue: { event }, contextValue: {} });
  if ('then' in result) throw new Error('an event field resolved asynchronously');
  if (result.errors?.length) throw result.errors[0];
  return (result.data as { event: Record<string, unknown> }).event;
}
