import { readFileSync } from 'node:fs';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema';
import { SCHEMA_FILE, schemaSDL } from '../src/schema/write';

describe('schema.graphql', () => {
  it('matches the schema the code builds (run `npm run schema` after a change)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaSDL());
  });

  it('keeps the contract names clients rely on', () => {
    const sdl = schemaSDL();
    for (const line of [
      'approveApps(',
      'removeAppApprovals(',
      'type BulkResult {',
      'type BulkFailure {',
      'enum BulkErrorCode {',
      'interface AppHistoryEvent {',
      'type ApprovalStatusChangedEvent implements AppHistoryEvent {',
      'enum AppHistoryEventType {',
      'type Actor {',
      'scalar DateTime',
    ]) {
      expect(sdl).toContain(line);
    }
  });

  it('describes every public type, field, argument and enum value', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || (isScalarType(type) && ['ID', 'String', 'Int', 'Boolean'].includes(type.name))) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
