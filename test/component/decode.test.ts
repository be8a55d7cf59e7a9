import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeComponent } from '../../src/component/decode/index.js';
import type { WitType } from '../../src/component/wit-types.js';
import { fixture, fn, P } from './decode-fixtures.js';

const point: WitType = { kind: 'record', name: 'point', fields: [{ name: 'x', type: P('f64') }, { name: 'y', type: P('f64') }] };
const ALL = 'local:types/all@0.1.0';

test('interface functions: every primitive type, with parameter names', async () => {
  const info = decodeComponent(await fixture('decode-all-types'));
  assert.deepEqual(fn(info, 'prims', ALL), {
    interface: ALL,
    name: 'prims',
    params: [
      { name: 'a', type: P('bool') },
      { name: 'b', type: P('s8') },
      { name: 'c', type: P('u8') },
      { name: 'd', type: P('s16') },
      { name: 'e', type: P('u16') },
      { name: 'f', type: P('s32') },
      { name: 'g', type: P('u32') },
      { name: 'h', type: P('s64') },
      { name: 'i', type: P('u64') },
      { name: 'j', type: P('f32') },
      { name: 'k', type: P('f64') },
      { name: 'l', type: P('char') },
    ],
    result: P('string'),
  });
  assert.deepEqual(fn(info, 'echo', ALL), { interface: ALL, name: 'echo', params: [{ name: 's', type: P('string') }], result: P('string') });
});

test('interface functions: records, lists and results get the names the instance exports give them', async () => {
  const info = decodeComponent(await fixture('decode-all-types'));
  assert.deepEqual(fn(info, 'centroid', ALL), {
    interface: ALL,
    name: 'centroid',
    params: [{ name: 'points', type: { kind: 'list', element: point } }],
    result: { kind: 'result', ok: point, err: P('string') },
  });
  assert.deepEqual(fn(info, 'nested', ALL).params, [
    { name: 'rows', type: { kind: 'list', element: { kind: 'list', element: { kind: 'option', type: P('u32') } } } },
  ]);
  assert.deepEqual(fn(info, 'nested', ALL).result, { kind: 'list', element: point });
});

test('interface functions: variants, enums, flags, tuples and options', async () => {
  const info = decodeComponent(await fixture('decode-all-types'));
  assert.deepEqual(fn(info, 'describe', ALL), {
    interface: ALL,
    name: 'describe',
    params: [
      {
        name: 's',
        type: {
          kind: 'variant',
          name: 'shape',
          cases: [{ name: 'circle', type: P('f64') }, { name: 'square', type: point }, { name: 'none' }],
        },
      },
      { name: 'c', type: { kind: 'enum', name: 'color', names: ['red', 'green', 'blue'] } },
      { name: 'p', type: { kind: 'flags', name: 'perms', names: ['read', 'write', 'exec'] } },
    ],
    result: { kind: 'tuple', types: [P('u8'), P('string')] },
  });
  assert.deepEqual(fn(info, 'maybe', ALL), {
    interface: ALL,
    name: 'maybe',
    params: [{ name: 'x', type: { kind: 'option', type: P('string') } }],
    result: { kind: 'option', type: P('u32') },
  });
});

test('interface functions: no result, and results without payloads', async () => {
  const info = decodeComponent(await fixture('decode-all-types'));
  const nothing = fn(info, 'nothing', ALL);
  assert.deepEqual(nothing, { interface: ALL, name: 'nothing', params: [] });
  assert.equal('result' in nothing, false);
  assert.deepEqual(fn(info, 'check', ALL), { interface: ALL, name: 'check', params: [{ name: 'n', type: P('u32') }], result: { kind: 'result' } });
  assert.deepEqual(fn(info, 'fail', ALL).result, { kind: 'result', err: P('string') });
});

test('world functions: lifted, re-exported imports, and types named by an imported interface', async () => {
  const info = decodeComponent(await fixture('decode-all-types'));
  const datetime: WitType = {
    kind: 'record',
    name: 'datetime',
    fields: [{ name: 'seconds', type: P('u64') }, { name: 'nanoseconds', type: P('u32') }],
  };
  assert.deepEqual(fn(info, 'timestamp'), { name: 'timestamp', params: [{ name: 'when', type: datetime }], result: P('u64') });
  assert.deepEqual(fn(info, 'clock-now'), { name: 'clock-now', params: [], result: datetime });
  assert.deepEqual(info.imports, ['wasi:clocks/wall-clock@0.2.3']);
  assert.deepEqual(info.unsupported, []);
  assert.deepEqual(
    info.functions.map((f) => (f.interface ? `${f.interface}#${f.name}` : f.name)),
    [
      ...['prims', 'echo', 'centroid', 'describe', 'maybe', 'nothing', 'check', 'fail', 'nested'].map((n) => `${ALL}#${n}`),
      'timestamp',
      'area',
      'clock-now',
    ],
  );
});

test('type ascription on an export wins over the lifted type', async () => {
  // `area` is lifted with an anonymous variant; the export ascribes a type that
  // uses the exported `figure` and `world-point` types instead.
  const info = decodeComponent(await fixture('decode-all-types'));
  assert.deepEqual(fn(info, 'area'), {
    name: 'area',
    params: [
      {
        name: 'f',
        type: {
          kind: 'variant',
          name: 'figure',
          cases: [
            { name: 'circle', type: P('f64') },
            { name: 'square', type: { ...point, name: 'world-point' } },
            { name: 'none' },
          ],
        },
      },
    ],
    result: P('f64'),
  });
});

test('an interface exported through a nested shim component (wit-component/componentize-js shape)', async () => {
  const info = decodeComponent(await fixture('decode-shim'));
  const iface = 'local:calc/calculator@0.1.0';
  assert.deepEqual(info.functions, [
    { name: 'now', params: [], result: P('string') },
    {
      interface: iface,
      name: 'add',
      params: [{ name: 'a', type: P('s32') }, { name: 'b', type: P('s32') }],
      result: P('s32'),
    },
    {
      interface: iface,
      name: 'centroid',
      // Named `point` by the shim's export, not `import-type-point` (its import).
      params: [{ name: 'points', type: { kind: 'list', element: point } }],
      result: { kind: 'result', ok: point, err: P('string') },
    },
  ]);
  assert.deepEqual(info.unsupported, []);
  assert.deepEqual(info.imports, []);
});

test('an imported component type, instantiated and exported with an ascribed instance type', async () => {
  const info = decodeComponent(await fixture('decode-component-import'));
  assert.deepEqual(info.imports, ['plugin']);
  assert.deepEqual(info.functions, [
    { name: 'plugin-name', params: [], result: P('string') },
    // Only what the ascribed instance type declares: `rate`, not `name`.
    {
      interface: 'local:plugin/rates@1.0.0',
      name: 'rate',
      params: [{ name: 'level', type: { kind: 'enum', name: 'level', names: ['low', 'high'] } }],
      result: P('f32'),
    },
  ]);
});

test('resources are reported unsupported, naming the resource, while other functions load', async () => {
  const info = decodeComponent(await fixture('decode-resources'));
  const api = 'local:counter/api@0.1.0';
  assert.deepEqual(info.functions, [
    { interface: api, name: 'add', params: [{ name: 'a', type: P('u32') }, { name: 'b', type: P('u32') }], result: P('u32') },
    { name: 'version', params: [], result: P('u32') },
  ]);
  assert.deepEqual(info.unsupported, [
    { name: `${api}#counter`, reason: 'resource types are not supported: counter' },
    { name: `${api}#[constructor]counter`, reason: 'resource types are not supported: counter (this is a constructor of the resource)' },
    { name: `${api}#[method]counter.get`, reason: 'resource types are not supported: counter (this is a method of the resource)' },
    { name: `${api}#[static]counter.limit`, reason: 'resource types are not supported: counter (this is a static function of the resource)' },
    { name: 'blob', reason: 'resource types are not supported: blob' },
    { name: 'consume', reason: "resource types are not supported: blob (used in this function's parameters or result)" },
  ]);
});

test('async functions and stream, future, error-context and fixed-length list types are unsupported', async () => {
  const info = decodeComponent(await fixture('decode-async'));
  assert.deepEqual(info.functions, [{ name: 'plain', params: [{ name: 'n', type: P('u32') }], result: P('u32') }]);
  assert.deepEqual(
    info.unsupported.map((u) => [u.name, u.reason]),
    [
      ['fetch', 'async functions are not supported (component-model async); export a synchronous function instead'],
      ['stream', 'stream types are not supported (result)'],
      ['future', 'future types are not supported (result)'],
      ['oops', 'error-context values are not supported (result)'],
      ['fixed', 'fixed-length lists are not supported (parameter "q")'],
    ],
  );
});

test('a function lifted with the async canonical option is unsupported (hand-assembled binary)', () => {
  // prettier-ignore
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, // preamble: \0asm, version 0x0d, layer 1
    0x07, 0x05, 0x01, 0x40, 0x00, 0x01, 0x00, // type section: (func) with no params, no result
    0x08, 0x07, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x00, // canon lift core func 0, options [async], type 0
    0x0b, 0x07, 0x01, 0x00, 0x01, 0x66, 0x01, 0x00, 0x00, // export "f" (func 0), no ascription
  ]);
  const info = decodeComponent(bytes);
  assert.deepEqual(info, {
    functions: [],
    unsupported: [{ name: 'f', reason: 'async functions are not supported (component-model async); export a synchronous function instead' }],
    imports: [],
  });
  // The same binary without the async option loads.
  const sync = new Uint8Array([...bytes.subarray(0, 15), 0x08, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, ...bytes.subarray(24)]);
  assert.deepEqual(decodeComponent(sync).functions, [{ name: 'f', params: [] }]);
});

test('named function results from older toolchains are reported unsupported, not fatal', () => {
  // prettier-ignore
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00,
    // type section: (func (result "a" u32) (result "b" string)), then (func (param "n" u8))
    0x07, 0x12, 0x02,
    0x40, 0x00, 0x01, 0x02, 0x01, 0x61, 0x79, 0x01, 0x62, 0x73,
    0x40, 0x01, 0x01, 0x6e, 0x7d, 0x01, 0x00,
  ]);
  const imports = [0x0a, 0x0b, 0x02, 0x00, 0x01, 0x66, 0x01, 0x00, 0x00, 0x01, 0x67, 0x01, 0x01]; // import "f" (func (type 0)), "g" (func (type 1))
  const exports = [0x0b, 0x0d, 0x02, 0x00, 0x01, 0x66, 0x01, 0x00, 0x00, 0x00, 0x01, 0x67, 0x01, 0x01, 0x00]; // export "f" (func 0), "g" (func 1)
  const info = decodeComponent(new Uint8Array([...bytes, ...imports, ...exports]));
  assert.deepEqual(info.functions, [{ name: 'g', params: [{ name: 'n', type: P('u8') }] }]);
  assert.deepEqual(info.unsupported, [
    { name: 'f', reason: 'named function results (an older component-model encoding) are not supported (result)' },
  ]);
  assert.deepEqual(info.imports, ['f', 'g']);
});
