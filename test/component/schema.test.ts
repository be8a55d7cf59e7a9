import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeFunction,
  formatWitType,
  inputSchema,
  outputSchema,
  schemaForType,
  toolFromFunction,
} from '../../src/component/schema.js';
import type { ExportedFunction, PrimitiveKind, WitType } from '../../src/component/wit-types.js';
import { ajv2020, ajvSdk } from '../helpers/ajv.js';

const P = (kind: PrimitiveKind): WitType => ({ kind });
const list = (element: WitType): WitType => ({ kind: 'list', element });
const option = (type: WitType): WitType => ({ kind: 'option', type });
const SAFE = Number.MAX_SAFE_INTEGER;

const point: WitType = {
  kind: 'record',
  name: 'point',
  fields: [
    { name: 'x', type: P('f64') },
    { name: 'entity-type', type: P('string') },
  ],
};
const shape: WitType = {
  kind: 'variant',
  name: 'shape',
  cases: [{ name: 'none-case' }, { name: 'circle', type: P('f32') }],
};

test('toolFromFunction builds the whole tool definition', () => {
  const fn: ExportedFunction = {
    interface: 'local:calc/calculator@0.1.0',
    name: 'add',
    params: [
      { name: 'a', type: P('s32') },
      { name: 'b', type: P('s32') },
    ],
    result: P('s32'),
  };
  assert.deepEqual(toolFromFunction(fn), {
    name: 'local_calc_calculator_add',
    description: 'add(a: s32, b: s32) -> s32 (from local:calc/calculator@0.1.0)',
    inputSchema: {
      type: 'object',
      properties: {
        a: { type: 'integer', minimum: -2147483648, maximum: 2147483647 },
        b: { type: 'integer', minimum: -2147483648, maximum: 2147483647 },
      },
      required: ['a', 'b'],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: { result: { type: 'integer', minimum: -2147483648, maximum: 2147483647 } },
      required: ['result'],
    },
  });
});

test('docs become the description; otherwise the signature does', () => {
  const base: ExportedFunction = { name: 'get-current-time', params: [], result: P('string') };
  assert.equal(toolFromFunction({ ...base, docs: '  Current time in ISO 8601.\n' }).description, 'Current time in ISO 8601.');
  assert.equal(toolFromFunction({ ...base, docs: '   ' }).description, 'get-current-time() -> string');
  assert.equal(toolFromFunction(base).description, 'get-current-time() -> string');
  assert.equal(toolFromFunction(base).name, 'get-current-time');
  assert.equal(
    describeFunction({
      interface: 'local:memory/knowledge-graph-ops',
      name: 'create-entities',
      params: [{ name: 'entities', type: list({ kind: 'record', name: 'entity', fields: [] }) }],
    }),
    'create-entities(entities: list<entity>) (from local:memory/knowledge-graph-ops)',
  );
});

test('formatWitType prints WIT-like text', () => {
  assert.equal(formatWitType(option(list(P('u8')))), 'option<list<u8>>');
  assert.equal(formatWitType({ kind: 'result' }), 'result');
  assert.equal(formatWitType({ kind: 'result', ok: P('u32') }), 'result<u32>');
  assert.equal(formatWitType({ kind: 'result', err: P('string') }), 'result<_, string>');
  assert.equal(formatWitType({ kind: 'result', ok: point, err: P('string') }), 'result<point, string>');
  assert.equal(formatWitType({ kind: 'tuple', types: [P('u32'), P('char')] }), 'tuple<u32, char>');
  assert.equal(formatWitType({ kind: 'record', fields: [{ name: 'a', type: P('bool') }] }), 'record { a: bool }');
  assert.equal(formatWitType({ kind: 'variant', cases: [{ name: 'a' }, { name: 'b', type: P('s8') }] }), 'variant { a, b(s8) }');
  assert.equal(formatWitType({ kind: 'enum', names: ['x', 'y'] }), 'enum { x, y }');
  assert.equal(formatWitType({ kind: 'flags', name: 'perms', names: ['r'] }), 'perms');
  assert.equal(formatWitType({ kind: 'own', resource: 'blob' }), 'blob');
  assert.equal(formatWitType({ kind: 'borrow', resource: 'blob' }), 'borrow<blob>');
});

test('bool, string and fixed-width integers', () => {
  assert.deepEqual(schemaForType(P('bool')), { type: 'boolean' });
  assert.deepEqual(schemaForType(P('string')), { type: 'string' });
  const bounds: [PrimitiveKind, number, number][] = [
    ['s8', -128, 127],
    ['s16', -32768, 32767],
    ['s32', -2147483648, 2147483647],
    ['u8', 0, 255],
    ['u16', 0, 65535],
    ['u32', 0, 4294967295],
  ];
  for (const [kind, minimum, maximum] of bounds) {
    assert.deepEqual(schemaForType(P(kind)), { type: 'integer', minimum, maximum }, kind);
  }
});

test('64-bit integers accept a safe integer or a decimal string', () => {
  const description = 'decimal string for values outside the safe-integer range';
  assert.deepEqual(schemaForType(P('s64')), {
    oneOf: [
      { type: 'integer', minimum: -SAFE, maximum: SAFE },
      { type: 'string', pattern: '^-?[0-9]+$', description },
    ],
  });
  assert.deepEqual(schemaForType(P('u64')), {
    oneOf: [
      { type: 'integer', minimum: 0, maximum: SAFE },
      { type: 'string', pattern: '^[0-9]+$', description },
    ],
  });
});

test('floats: number in inputs, number or null in outputs', () => {
  assert.deepEqual(schemaForType(P('f64')), { type: 'number' });
  assert.deepEqual(schemaForType(P('f32')), {
    type: 'number',
    description: '32-bit float (rounded to single precision); NaN and Infinity are not representable in JSON',
  });
  assert.deepEqual(schemaForType(P('f64'), 'output'), {
    anyOf: [{ type: 'number' }, { type: 'null' }],
    description: '64-bit float; NaN and Infinity are not representable in JSON and are returned as null',
  });
  assert.deepEqual(schemaForType(P('f32'), 'output'), {
    anyOf: [{ type: 'number' }, { type: 'null' }],
    description: '32-bit float; NaN and Infinity are not representable in JSON and are returned as null',
  });
});

test('char', () => {
  assert.deepEqual(schemaForType(P('char')), {
    type: 'string',
    minLength: 1,
    maxLength: 2,
    description: 'a single Unicode scalar value',
  });
});

test('lists, including list<u8>', () => {
  assert.deepEqual(schemaForType(list(P('u8'))), { type: 'array', items: { type: 'integer', minimum: 0, maximum: 255 } });
  assert.deepEqual(schemaForType(list(list(P('string')))), { type: 'array', items: { type: 'array', items: { type: 'string' } } });
});

test('records: WIT field names, all required, no extras, name as title', () => {
  assert.deepEqual(schemaForType(point), {
    title: 'point',
    type: 'object',
    properties: { x: { type: 'number' }, 'entity-type': { type: 'string' } },
    required: ['x', 'entity-type'],
    additionalProperties: false,
  });
  assert.deepEqual(schemaForType({ kind: 'record', fields: [{ name: 'a', type: option(P('u8')) }] }), {
    type: 'object',
    properties: { a: { anyOf: [{ type: 'integer', minimum: 0, maximum: 255 }, { type: 'null' }] } },
    required: ['a'],
    additionalProperties: false,
  });
});

test('tuples: prefixItems with an exact length', () => {
  assert.deepEqual(schemaForType({ kind: 'tuple', types: [P('u32'), P('string')] }), {
    type: 'array',
    prefixItems: [{ type: 'integer', minimum: 0, maximum: 4294967295 }, { type: 'string' }],
    minItems: 2,
    maxItems: 2,
  });
});

test('variants: {tag, val}, val only for cases with a payload', () => {
  assert.deepEqual(schemaForType(shape), {
    title: 'shape',
    oneOf: [
      { type: 'object', properties: { tag: { const: 'none-case' } }, required: ['tag'], additionalProperties: false },
      {
        type: 'object',
        properties: {
          tag: { const: 'circle' },
          val: { type: 'number', description: '32-bit float (rounded to single precision); NaN and Infinity are not representable in JSON' },
        },
        required: ['tag', 'val'],
        additionalProperties: false,
      },
    ],
  });
});

test('enums and flags', () => {
  assert.deepEqual(schemaForType({ kind: 'enum', name: 'color', names: ['red', 'light-green'] }), {
    title: 'color',
    type: 'string',
    enum: ['red', 'light-green'],
  });
  assert.deepEqual(schemaForType({ kind: 'enum', names: ['a'] }), { type: 'string', enum: ['a'] });
  assert.deepEqual(schemaForType({ kind: 'flags', name: 'perms', names: ['read', 'exec-me'] }), {
    title: 'perms',
    type: 'array',
    items: { type: 'string', enum: ['read', 'exec-me'] },
    uniqueItems: true,
  });
});

test('options: value or null; nested options use the tagged form', () => {
  assert.deepEqual(schemaForType(option(P('string'))), { anyOf: [{ type: 'string' }, { type: 'null' }] });
  const inner = { anyOf: [{ type: 'integer', minimum: 0, maximum: 4294967295 }, { type: 'null' }] };
  const tagged = {
    oneOf: [
      { type: 'object', properties: { tag: { const: 'none' } }, required: ['tag'], additionalProperties: false },
      { type: 'object', properties: { tag: { const: 'some' }, val: inner }, required: ['tag', 'val'], additionalProperties: false },
    ],
  };
  assert.deepEqual(schemaForType(option(option(P('u32')))), tagged);
  assert.deepEqual(schemaForType(option(option(option(P('u32'))))), { anyOf: [tagged, { type: 'null' }] });
  // an option of a list of options is a plain option again
  assert.deepEqual(schemaForType(option(list(option(P('bool'))))), {
    anyOf: [{ type: 'array', items: { anyOf: [{ type: 'boolean' }, { type: 'null' }] } }, { type: 'null' }],
  });
});

test('results: {ok} or {err}; a missing side is null', () => {
  assert.deepEqual(schemaForType({ kind: 'result', ok: P('string'), err: P('string') }), {
    oneOf: [
      { type: 'object', properties: { ok: { type: 'string' } }, required: ['ok'], additionalProperties: false },
      { type: 'object', properties: { err: { type: 'string' } }, required: ['err'], additionalProperties: false },
    ],
  });
  assert.deepEqual(schemaForType({ kind: 'result' }), {
    oneOf: [
      { type: 'object', properties: { ok: { type: 'null' } }, required: ['ok'], additionalProperties: false },
      { type: 'object', properties: { err: { type: 'null' } }, required: ['err'], additionalProperties: false },
    ],
  });
});

test('resources cannot become schemas', () => {
  assert.throws(() => schemaForType({ kind: 'own', resource: 'blob' }), /own<blob>/);
  assert.throws(
    () => toolFromFunction({ name: 'f', params: [{ name: 'b', type: list({ kind: 'borrow', resource: 'blob' }) }] }),
    /borrow<blob>/,
  );
});

test('input schema for no parameters, output schema for no result and for a result', () => {
  const fn: ExportedFunction = { name: 'nothing', params: [] };
  assert.deepEqual(inputSchema(fn), { type: 'object', properties: {}, required: [], additionalProperties: false });
  assert.deepEqual(outputSchema(fn), { type: 'object', properties: { result: { type: 'null' } }, required: ['result'] });
  assert.deepEqual(outputSchema({ ...fn, result: { kind: 'result', ok: list(P('u8')), err: P('string') } }), {
    type: 'object',
    properties: {
      result: {
        oneOf: [
          {
            type: 'object',
            properties: { ok: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 255 } } },
            required: ['ok'],
            additionalProperties: false,
          },
          { type: 'object', properties: { err: { type: 'string' } }, required: ['err'], additionalProperties: false },
        ],
      },
    },
    required: ['result'],
  });
  // parameters keep their kebab-case WIT names
  assert.deepEqual(Object.keys(inputSchema({ name: 'f', params: [{ name: 'max-results', type: P('u32') }] }).properties as object), [
    'max-results',
  ]);
});

test('schemas are plain JSON and not shared between calls', () => {
  const fn: ExportedFunction = {
    name: 'f',
    params: [
      { name: 'p', type: list(point) },
      { name: 'o', type: option(option(shape)) },
      { name: 'r', type: { kind: 'result', ok: { kind: 'tuple', types: [P('u64'), P('char')] } } },
      { name: 'fl', type: { kind: 'flags', names: ['a', 'b'] } },
      { name: 'e', type: { kind: 'enum', names: ['x'] } },
    ],
    result: point,
  };
  const a = toolFromFunction(fn);
  assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
  const walk = (v: unknown): void => {
    assert.notEqual(v, undefined);
    if (v !== null && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(a);
  (a.inputSchema.properties as Record<string, Record<string, unknown>>).p.type = 'mutated';
  ((a.inputSchema.properties as Record<string, { items: { required: string[] } }>).p.items.required).push('zzz');
  const b = toolFromFunction(fn);
  assert.equal((b.inputSchema.properties as Record<string, Record<string, unknown>>).p.type, 'array');
  assert.deepEqual((b.inputSchema.properties as Record<string, { items: { required: string[] } }>).p.items.required, ['x', 'entity-type']);
});

test('empty variants/enums/flags still give valid schemas', () => {
  assert.deepEqual(schemaForType({ kind: 'variant', cases: [] }), { not: {} });
  assert.deepEqual(schemaForType({ kind: 'enum', names: [] }), { not: {} });
  assert.deepEqual(schemaForType({ kind: 'flags', names: [] }), { type: 'array', maxItems: 0 });
});

// ---------------------------------------------------------------------------------------------
// the schemas compile with a real JSON Schema validator


const everything: ExportedFunction = {
  interface: 'local:all/types@1.0.0',
  name: 'everything',
  params: [
    ...(['bool', 's8', 's16', 's32', 's64', 'u8', 'u16', 'u32', 'u64', 'f32', 'f64', 'char', 'string'] as const).map((k) => ({
      name: `p-${k}`,
      type: P(k),
    })),
    { name: 'points', type: list(point) },
    { name: 'pair', type: { kind: 'tuple', types: [P('u64'), option(P('char'))] } },
    { name: 'shape', type: shape },
    { name: 'color', type: { kind: 'enum', name: 'color', names: ['red', 'green'] } },
    { name: 'perms', type: { kind: 'flags', name: 'perms', names: ['read', 'write'] } },
    { name: 'maybe', type: option(option(option(P('u8')))) },
    { name: 'outcome', type: { kind: 'result', ok: list(P('u8')), err: P('string') } },
    { name: 'unit', type: { kind: 'result' } },
    { name: 'empty-variant', type: { kind: 'variant', cases: [] } },
    { name: 'empty-enum', type: { kind: 'enum', names: [] } },
    { name: 'empty-flags', type: { kind: 'flags', names: [] } },
  ],
  result: {
    kind: 'result',
    ok: { kind: 'tuple', types: [P('f32'), list(P('f64')), point, option(option(shape))] },
    err: P('string'),
  },
};

test('every schema compiles under strict Ajv (JSON Schema 2020-12) and the MCP SDK setup', () => {
  const tool = toolFromFunction(everything);
  for (const ajv of [ajv2020, ajvSdk]) {
    ajv.compile(tool.inputSchema);
    ajv.compile(tool.outputSchema);
  }
});

test('tuple schemas accept tuples under both 2020-12 and draft-07 readings', () => {
  const schema = schemaForType({ kind: 'tuple', types: [P('u8'), P('string')] });
  for (const ajv of [ajv2020, ajvSdk]) {
    const validate = ajv.compile(schema);
    assert.equal(validate([1, 'a']), true);
    assert.equal(validate([1]), false);
    assert.equal(validate([1, 'a', 'b']), false);
  }
  // prefixItems types are enforced under 2020-12
  assert.equal(ajv2020.compile(schema)(['a', 1]), false);
});
