/**
 * Exported WIT function -> MCP tool definition (name, description, input and output JSON Schema).
 *
 * The JSON shapes described here are the ones `values.ts` validates and converts; the two
 * modules must stay in step (the tests check them against a real JSON Schema validator).
 *
 * Schemas are plain JSON (no `undefined`, no shared object references between calls) in the
 * JSON Schema 2020-12 dialect, the MCP default. They are written to also behave sensibly when a
 * client validates them as draft-07 (the MCP TypeScript SDK's client validates `structuredContent`
 * with a default, draft-07 Ajv): tuples therefore bound their length with `minItems`/`maxItems`
 * instead of `items: false` (same meaning under 2020-12, and `items: false` would reject every
 * non-empty array under draft-07).
 *
 * Type mapping (JSON side):
 * - bool -> boolean; s8..u32 -> integer with exact bounds
 * - s64/u64 -> a safe integer, or a decimal string for values outside the safe-integer range
 * - f32/f64 -> number (in outputs also null: NaN and ±Infinity have no JSON form)
 * - char -> one-character string; string -> string
 * - list<T> -> array; tuple -> fixed-length array (`prefixItems`)
 * - record -> object keyed by WIT (kebab-case) field names, all required
 * - variant -> `{tag, val}` (`val` absent for cases without payload); enum -> string
 * - option<T> -> the value or null; when T itself is a plain option (so null would be ambiguous)
 *   the jco object form `{tag:'none'}` / `{tag:'some', val}` is used instead, see `optionUsesTagForm`
 * - result<T,E> -> `{ok: T}` or `{err: E}` (a missing T/E is null)
 * - flags -> array of the set flag names
 * - own/borrow (resources) cannot be expressed and throw.
 */
import type { JsonSchema, ToolDefinition } from '../app/types.js';
import type { ExportedFunction, WitType } from './wit-types.js';
import { toolName } from './tool-name.js';
import { optionUsesTagForm } from './values.js';

/** Largest integer JSON numbers carry exactly: 2^53 - 1. */
const SAFE_MAX = Number.MAX_SAFE_INTEGER;

/** Value ranges of the fixed-width integers that JSON numbers carry exactly. */
export const SMALL_INT_BOUNDS = {
  s8: [-128, 127],
  s16: [-32768, 32767],
  s32: [-2147483648, 2147483647],
  u8: [0, 255],
  u16: [0, 65535],
  u32: [0, 4294967295],
} as const;

/** Whether a schema describes a value passed to the guest (input) or returned by it (output). */
export type SchemaDirection = 'input' | 'output';

/** The MCP tool for an exported function. Throws for functions that use resource handles. */
export function toolFromFunction(fn: ExportedFunction): ToolDefinition {
  return {
    name: toolName(fn),
    description: fn.docs !== undefined && fn.docs.trim() !== '' ? fn.docs.trim() : describeFunction(fn),
    inputSchema: inputSchema(fn),
    outputSchema: outputSchema(fn),
  };
}

/** `{type:'object', properties:{<param>: …}, required:[…all params], additionalProperties:false}`. */
export function inputSchema(fn: ExportedFunction): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const param of fn.params) properties[param.name] = schemaForType(param.type, 'input');
  return {
    type: 'object',
    properties,
    required: fn.params.map((param) => param.name),
    additionalProperties: false,
  };
}

/** `{type:'object', properties:{result: …}, required:['result']}`; no return type -> `result: {type:'null'}`. */
export function outputSchema(fn: ExportedFunction): JsonSchema {
  return {
    type: 'object',
    properties: { result: fn.result === undefined ? { type: 'null' } : schemaForType(fn.result, 'output') },
    required: ['result'],
  };
}

/** JSON Schema of the JSON form of a WIT type. Throws for `own`/`borrow`. */
export function schemaForType(type: WitType, direction: SchemaDirection = 'input'): JsonSchema {
  switch (type.kind) {
    case 'bool':
      return { type: 'boolean' };
    case 's8':
    case 's16':
    case 's32':
    case 'u8':
    case 'u16':
    case 'u32': {
      const [minimum, maximum] = SMALL_INT_BOUNDS[type.kind];
      return { type: 'integer', minimum, maximum };
    }
    case 's64':
    case 'u64': {
      const signed = type.kind === 's64';
      return {
        oneOf: [
          { type: 'integer', minimum: signed ? -SAFE_MAX : 0, maximum: SAFE_MAX },
          {
            type: 'string',
            pattern: signed ? '^-?[0-9]+$' : '^[0-9]+$',
            description: 'decimal string for values outside the safe-integer range',
          },
        ],
      };
    }
    case 'f32':
    case 'f64':
      if (direction === 'output') {
        return {
          anyOf: [{ type: 'number' }, { type: 'null' }],
          description: `${type.kind === 'f32' ? '32' : '64'}-bit float; NaN and Infinity are not representable in JSON and are returned as null`,
        };
      }
      return type.kind === 'f32'
        ? { type: 'number', description: '32-bit float (rounded to single precision); NaN and Infinity are not representable in JSON' }
        : { type: 'number' };
    case 'char':
      return { type: 'string', minLength: 1, maxLength: 2, description: 'a single Unicode scalar value' };
    case 'string':
      return { type: 'string' };
    case 'list':
      return { type: 'array', items: schemaForType(type.element, direction) };
    case 'tuple':
      return {
        type: 'array',
        prefixItems: type.types.map((t) => schemaForType(t, direction)),
        minItems: type.types.length,
        maxItems: type.types.length,
      };
    case 'record': {
      const properties: Record<string, JsonSchema> = {};
      for (const field of type.fields) properties[field.name] = schemaForType(field.type, direction);
      return withTitle(type.name, {
        type: 'object',
        properties,
        required: type.fields.map((field) => field.name),
        additionalProperties: false,
      });
    }
    case 'variant':
      if (type.cases.length === 0) return withTitle(type.name, { not: {} });
      return withTitle(type.name, {
        oneOf: type.cases.map((c) => taggedCase(c.name, c.type === undefined ? undefined : schemaForType(c.type, direction))),
      });
    case 'enum':
      if (type.names.length === 0) return withTitle(type.name, { not: {} });
      return withTitle(type.name, { type: 'string', enum: [...type.names] });
    case 'option': {
      const inner = schemaForType(type.type, direction);
      if (optionUsesTagForm(type)) {
        return { oneOf: [taggedCase('none', undefined), taggedCase('some', inner)] };
      }
      return { anyOf: [inner, { type: 'null' }] };
    }
    case 'result':
      return {
        oneOf: [
          singleKeyObject('ok', type.ok === undefined ? { type: 'null' } : schemaForType(type.ok, direction)),
          singleKeyObject('err', type.err === undefined ? { type: 'null' } : schemaForType(type.err, direction)),
        ],
      };
    case 'flags':
      if (type.names.length === 0) return withTitle(type.name, { type: 'array', maxItems: 0 });
      return withTitle(type.name, {
        type: 'array',
        items: { type: 'string', enum: [...type.names] },
        uniqueItems: true,
      });
    case 'own':
    case 'borrow':
      throw new TypeError(`resource handle ${type.kind}<${type.resource}> has no JSON representation`);
    default:
      throw new TypeError(`unknown WIT type kind ${JSON.stringify((type as { kind: unknown }).kind)}`);
  }
}

function taggedCase(tag: string, payload: JsonSchema | undefined): JsonSchema {
  if (payload === undefined) {
    return { type: 'object', properties: { tag: { const: tag } }, required: ['tag'], additionalProperties: false };
  }
  return {
    type: 'object',
    properties: { tag: { const: tag }, val: payload },
    required: ['tag', 'val'],
    additionalProperties: false,
  };
}

function singleKeyObject(key: string, schema: JsonSchema): JsonSchema {
  return { type: 'object', properties: { [key]: schema }, required: [key], additionalProperties: false };
}

function withTitle(name: string | undefined, schema: JsonSchema): JsonSchema {
  return name === undefined ? schema : { title: name, ...schema };
}

/** Generated description: `add(a: s32, b: s32) -> s32 (from local:calc/calculator@0.1.0)`. */
export function describeFunction(fn: ExportedFunction): string {
  const params = fn.params.map((p) => `${p.name}: ${formatWitType(p.type)}`).join(', ');
  const result = fn.result === undefined ? '' : ` -> ${formatWitType(fn.result)}`;
  const origin = fn.interface === undefined ? '' : ` (from ${fn.interface})`;
  return `${fn.name}(${params})${result}${origin}`;
}

/** WIT-like text of a type; named records/variants/enums/flags print their name. */
export function formatWitType(type: WitType): string {
  switch (type.kind) {
    case 'list':
      return `list<${formatWitType(type.element)}>`;
    case 'tuple':
      return `tuple<${type.types.map(formatWitType).join(', ')}>`;
    case 'option':
      return `option<${formatWitType(type.type)}>`;
    case 'result':
      if (type.ok === undefined && type.err === undefined) return 'result';
      if (type.err === undefined) return `result<${formatWitType(type.ok!)}>`;
      return `result<${type.ok === undefined ? '_' : formatWitType(type.ok)}, ${formatWitType(type.err)}>`;
    case 'record':
      return type.name ?? `record { ${type.fields.map((f) => `${f.name}: ${formatWitType(f.type)}`).join(', ')} }`;
    case 'variant':
      return type.name ?? `variant { ${type.cases.map((c) => (c.type === undefined ? c.name : `${c.name}(${formatWitType(c.type)})`)).join(', ')} }`;
    case 'enum':
      return type.name ?? `enum { ${type.names.join(', ')} }`;
    case 'flags':
      return type.name ?? `flags { ${type.names.join(', ')} }`;
    case 'own':
      return type.resource;
    case 'borrow':
      return `borrow<${type.resource}>`;
    default:
      return type.kind;
  }
}
