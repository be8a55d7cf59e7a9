import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inputSchema, outputSchema } from '../../src/component/schema.js';
import {
  formatIssues,
  fromGuestResult,
  fromGuestValue,
  jsName,
  optionUsesTagForm,
  prepareArguments,
  toGuestArguments,
  toGuestValue,
  validateArguments,
  ValueError,
  type ArgumentIssue,
} from '../../src/component/values.js';
import type { ExportedFunction, PrimitiveKind, WitType } from '../../src/component/wit-types.js';
import { ajv2020, ajvSdk } from '../helpers/ajv.js';

// ---------------------------------------------------------------------------------------------
// fixtures

const P = (kind: PrimitiveKind): WitType => ({ kind });
const list = (element: WitType): WitType => ({ kind: 'list', element });
const option = (type: WitType): WitType => ({ kind: 'option', type });
const tuple = (...types: WitType[]): WitType => ({ kind: 'tuple', types });
const result = (ok?: WitType, err?: WitType): WitType => {
  const t: { kind: 'result'; ok?: WitType; err?: WitType } = { kind: 'result' };
  if (ok) t.ok = ok;
  if (err) t.err = err;
  return t;
};

const point: WitType = { kind: 'record', name: 'point', fields: [{ name: 'x', type: P('f64') }, { name: 'y', type: P('f64') }] };
const entity: WitType = {
  kind: 'record',
  name: 'entity',
  fields: [
    { name: 'name', type: P('string') },
    { name: 'entity-type', type: P('string') },
    { name: 'opt-val', type: option(P('u32')) },
    { name: 'big', type: P('u64') },
  ],
};
const color: WitType = { kind: 'enum', name: 'color', names: ['red', 'green', 'blue'] };
const perms: WitType = { kind: 'flags', name: 'perms', names: ['read', 'write', 'exec-me'] };
const shape: WitType = {
  kind: 'variant',
  name: 'shape',
  cases: [{ name: 'none-case' }, { name: 'circle', type: P('f64') }, { name: 'named-thing', type: entity }],
};

/** A function with one parameter `x` of `type` that returns the same type. */
const echo = (type: WitType, result: WitType | undefined = type): ExportedFunction => ({
  interface: 'local:test/echo@0.1.0',
  name: 'echo',
  params: [{ name: 'x', type }],
  result,
});

const issues = (type: WitType, x: unknown): ArgumentIssue[] => validateArguments(echo(type), { x });

/**
 * What jco hands back when a guest returns `value` (in its jco form) from `echo(type)`: for a
 * top-level result it returns the ok payload or throws the err payload.
 */
function returned(type: WitType, value: unknown): { value: unknown; outcome: 'ok' | 'err' } {
  if (type.kind !== 'result') return { value, outcome: 'ok' };
  const { tag, val } = value as { tag: 'ok' | 'err'; val: unknown };
  return { value: val, outcome: tag };
}

function assertValueError(fn: () => unknown, path: string, detail?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ValueError, `expected ValueError, got ${String(error)}`);
    assert.equal(error.path, path);
    if (detail) assert.match(error.detail, detail);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// validateArguments: paths and messages

test('the arguments must be an object', () => {
  const fn = echo(P('u8'));
  assert.deepEqual(validateArguments(fn, []), [{ path: '', message: 'arguments must be an object keyed by parameter name, got array' }]);
  assert.deepEqual(validateArguments(fn, null), [{ path: '', message: 'arguments must be an object keyed by parameter name, got null' }]);
  assert.deepEqual(validateArguments(fn, 'x'), [{ path: '', message: 'arguments must be an object keyed by parameter name, got string' }]);
  assert.deepEqual(validateArguments(fn, { x: 1 }), []);
  assert.deepEqual(validateArguments(fn, Object.assign(Object.create(null), { x: 1 })), []);
});

test('missing and unexpected parameters', () => {
  const fn: ExportedFunction = { name: 'f', params: [{ name: 'a', type: P('u8') }, { name: 'b', type: P('string') }] };
  assert.deepEqual(validateArguments(fn, { a: 1, foo: 2 }), [
    { path: '', message: 'unexpected property "foo" (allowed: a, b)' },
    { path: 'b', message: 'missing required property' },
  ]);
  assert.deepEqual(validateArguments({ name: 'g', params: [] }, { foo: 1 }), [
    { path: '', message: 'unexpected property "foo" (allowed: none)' },
  ]);
  assert.deepEqual(validateArguments({ name: 'g', params: [] }, {}), []);
});

test('bool, string, float', () => {
  assert.deepEqual(issues(P('bool'), 1), [{ path: 'x', message: 'expected boolean, got number' }]);
  assert.deepEqual(issues(P('string'), null), [{ path: 'x', message: 'expected string, got null' }]);
  assert.deepEqual(issues(P('f64'), '1.5'), [{ path: 'x', message: 'expected number, got string' }]);
  assert.deepEqual(issues(P('f32'), 1e-50), []);
  assert.deepEqual(issues(P('f64'), -0), []);
});

test('fixed-width integers: type and exact bounds', () => {
  assert.deepEqual(issues(P('u8'), 256), [{ path: 'x', message: 'must be an integer between 0 and 255' }]);
  assert.deepEqual(issues(P('u8'), -1), [{ path: 'x', message: 'must be an integer between 0 and 255' }]);
  assert.deepEqual(issues(P('u8'), 1.5), [{ path: 'x', message: 'must be an integer between 0 and 255' }]);
  assert.deepEqual(issues(P('u8'), '1'), [{ path: 'x', message: 'expected integer, got string' }]);
  assert.deepEqual(issues(P('s8'), -129), [{ path: 'x', message: 'must be an integer between -128 and 127' }]);
  assert.deepEqual(issues(P('s16'), 32768), [{ path: 'x', message: 'must be an integer between -32768 and 32767' }]);
  assert.deepEqual(issues(P('u16'), 65536), [{ path: 'x', message: 'must be an integer between 0 and 65535' }]);
  assert.deepEqual(issues(P('s32'), 2147483648), [{ path: 'x', message: 'must be an integer between -2147483648 and 2147483647' }]);
  assert.deepEqual(issues(P('u32'), 4294967296), [{ path: 'x', message: 'must be an integer between 0 and 4294967295' }]);
  for (const [kind, v] of [['s8', -128], ['s8', 127], ['u8', 0], ['u8', 255], ['s32', -2147483648], ['u32', 4294967295], ['u16', 1e2]] as const) {
    assert.deepEqual(issues(P(kind), v), [], `${kind} ${v}`);
  }
});

test('64-bit integers: safe numbers or decimal strings, range-checked', () => {
  assert.deepEqual(issues(P('u64'), '18446744073709551615'), []);
  assert.deepEqual(issues(P('u64'), Number.MAX_SAFE_INTEGER), []);
  assert.deepEqual(issues(P('u64'), '007'), []);
  assert.deepEqual(issues(P('u64'), '18446744073709551616'), [
    { path: 'x', message: 'must be an integer between 0 and 18446744073709551615' },
  ]);
  assert.deepEqual(issues(P('u64'), -1), [{ path: 'x', message: 'must be an integer between 0 and 18446744073709551615' }]);
  assert.deepEqual(issues(P('u64'), '-1'), [{ path: 'x', message: 'must be a decimal integer string (digits only)' }]);
  assert.deepEqual(issues(P('u64'), '1e3'), [{ path: 'x', message: 'must be a decimal integer string (digits only)' }]);
  assert.deepEqual(issues(P('u64'), 2 ** 53), [
    { path: 'x', message: 'integers beyond ±9007199254740991 lose precision as JSON numbers; pass the value as a decimal string' },
  ]);
  assert.deepEqual(issues(P('u64'), 1.5), [{ path: 'x', message: 'must be an integer between 0 and 18446744073709551615' }]);
  assert.deepEqual(issues(P('u64'), true), [{ path: 'x', message: 'expected integer or decimal string, got boolean' }]);
  assert.deepEqual(issues(P('s64'), '-9223372036854775808'), []);
  assert.deepEqual(issues(P('s64'), -Number.MAX_SAFE_INTEGER), []);
  assert.deepEqual(issues(P('s64'), '-9223372036854775809'), [
    { path: 'x', message: 'must be an integer between -9223372036854775808 and 9223372036854775807' },
  ]);
  assert.deepEqual(issues(P('s64'), '+5'), [{ path: 'x', message: 'must be a decimal integer string (optional "-" and digits)' }]);
  assert.deepEqual(issues(P('s64'), ' 5'), [{ path: 'x', message: 'must be a decimal integer string (optional "-" and digits)' }]);
});

test('char: exactly one Unicode scalar value (surrogate pairs count as one)', () => {
  for (const ok of ['a', 'é', '😀', '\u{10FFFF}', '\uFFFF', '\u0000']) assert.deepEqual(issues(P('char'), ok), [], JSON.stringify(ok));
  assert.deepEqual(issues(P('char'), 'ab'), [{ path: 'x', message: 'must be exactly one Unicode character, got 2' }]);
  assert.deepEqual(issues(P('char'), '😀x'), [{ path: 'x', message: 'must be exactly one Unicode character, got 2' }]);
  assert.deepEqual(issues(P('char'), '😀😀'), [{ path: 'x', message: 'must be exactly one Unicode character, got 2' }]);
  assert.deepEqual(issues(P('char'), 'e\u0301'), [{ path: 'x', message: 'must be exactly one Unicode character, got 2' }]);
  assert.deepEqual(issues(P('char'), ''), [{ path: 'x', message: 'must be exactly one Unicode character, got an empty string' }]);
  assert.deepEqual(issues(P('char'), '\uD83D'), [{ path: 'x', message: 'must be a Unicode scalar value, got a lone surrogate' }]);
  assert.deepEqual(issues(P('char'), '\uDE00'), [{ path: 'x', message: 'must be a Unicode scalar value, got a lone surrogate' }]);
  assert.deepEqual(issues(P('char'), '\uDE00\uD83D'), [{ path: 'x', message: 'must be exactly one Unicode character, got 2' }]);
  assert.deepEqual(issues(P('char'), 65), [{ path: 'x', message: 'expected string, got number' }]);
});

test('nested lists of records report precise paths', () => {
  const fn: ExportedFunction = { name: 'plot', params: [{ name: 'points', type: list(point) }, { name: 'label', type: P('string') }] };
  assert.deepEqual(
    validateArguments(fn, {
      points: [{ x: 1, y: 2 }, { x: 1, z: 3 }, { x: 'a', y: 2 }, 'p'],
      label: 'ok',
    }),
    [
      { path: 'points[1]', message: 'unexpected property "z" (allowed: x, y)' },
      { path: 'points[1].y', message: 'missing required property' },
      { path: 'points[2].x', message: 'expected number, got string' },
      { path: 'points[3]', message: 'expected object, got string' },
    ],
  );
  const grid: ExportedFunction = { name: 'g', params: [{ name: 'rows', type: list(list(point)) }] };
  assert.deepEqual(validateArguments(grid, { rows: [[], [{ x: 0, y: 0 }, { x: 0, y: null }]] }), [
    { path: 'rows[1][1].y', message: 'expected number, got null' },
  ]);
  assert.deepEqual(validateArguments(grid, { rows: {} }), [{ path: 'rows', message: 'expected array, got object' }]);
});

test('records use WIT (kebab-case) field names', () => {
  assert.deepEqual(issues(entity, { name: 'n', entityType: 't', 'opt-val': null, big: 1 }), [
    { path: 'x', message: 'unexpected property "entityType" (allowed: name, entity-type, opt-val, big)' },
    { path: 'x.entity-type', message: 'missing required property' },
  ]);
  assert.deepEqual(issues(entity, { name: 'n', 'entity-type': 't', 'opt-val': -1, big: '99999999999999999999' }), [
    { path: 'x.opt-val', message: 'must be an integer between 0 and 4294967295' },
    { path: 'x.big', message: 'must be an integer between 0 and 18446744073709551615' },
  ]);
});

test('enums', () => {
  assert.deepEqual(issues(color, 'purple'), [{ path: 'x', message: 'must be one of: red, green, blue' }]);
  assert.deepEqual(issues(color, 'RED'), [{ path: 'x', message: 'must be one of: red, green, blue' }]);
  assert.deepEqual(issues(color, 0), [{ path: 'x', message: 'expected string, got number' }]);
  assert.deepEqual(issues(color, 'blue'), []);
});

test('variants', () => {
  assert.deepEqual(issues(shape, { tag: 'none-case' }), []);
  assert.deepEqual(issues(shape, { tag: 'circle', val: 2 }), []);
  assert.deepEqual(issues(shape, 'circle'), [{ path: 'x', message: 'expected object, got string' }]);
  assert.deepEqual(issues(shape, {}), [{ path: 'x.tag', message: 'missing required property' }]);
  assert.deepEqual(issues(shape, { tag: 'square', val: 1 }), [{ path: 'x.tag', message: 'must be one of: none-case, circle, named-thing' }]);
  assert.deepEqual(issues(shape, { tag: 'circle' }), [{ path: 'x.val', message: 'missing required property' }]);
  assert.deepEqual(issues(shape, { tag: 'circle', val: 'big' }), [{ path: 'x.val', message: 'expected number, got string' }]);
  assert.deepEqual(issues(shape, { tag: 'none-case', val: null }), [{ path: 'x', message: 'unexpected property "val" (allowed: tag)' }]);
  assert.deepEqual(issues(shape, { tag: 'circle', val: 1, extra: true }), [
    { path: 'x', message: 'unexpected property "extra" (allowed: tag, val)' },
  ]);
  assert.deepEqual(issues(shape, { tag: 'named-thing', val: { name: 'n', 'entity-type': 't', 'opt-val': null, big: true } }), [
    { path: 'x.val.big', message: 'expected integer or decimal string, got boolean' },
  ]);
});

test('options: null or the value; nested options use {tag, val}', () => {
  assert.deepEqual(issues(option(P('u8')), null), []);
  assert.deepEqual(issues(option(P('u8')), 3), []);
  assert.deepEqual(issues(option(P('u8')), 300), [{ path: 'x', message: 'must be an integer between 0 and 255' }]);
  assert.deepEqual(issues(list(option(point)), [null, { x: 1, y: '2' }]), [{ path: 'x[1].y', message: 'expected number, got string' }]);
  const nested = option(option(P('u8')));
  assert.deepEqual(issues(nested, { tag: 'none' }), []);
  assert.deepEqual(issues(nested, { tag: 'some', val: null }), []);
  assert.deepEqual(issues(nested, { tag: 'some', val: 7 }), []);
  assert.deepEqual(issues(nested, null), [{ path: 'x', message: 'expected object, got null' }]);
  assert.deepEqual(issues(nested, 7), [{ path: 'x', message: 'expected object, got number' }]);
  assert.deepEqual(issues(nested, { tag: 'some' }), [{ path: 'x.val', message: 'missing required property' }]);
  assert.deepEqual(issues(nested, { tag: 'some', val: 'a' }), [{ path: 'x.val', message: 'expected integer, got string' }]);
  assert.deepEqual(issues(nested, { tag: 'maybe' }), [{ path: 'x.tag', message: 'must be one of: none, some' }]);
  const triple = option(nested);
  assert.deepEqual(issues(triple, null), []);
  assert.deepEqual(issues(triple, { tag: 'some', val: 1 }), []);
});

test('results', () => {
  const r = result(P('u32'), P('string'));
  assert.deepEqual(issues(r, { ok: 1 }), []);
  assert.deepEqual(issues(r, { err: 'no' }), []);
  assert.deepEqual(issues(r, {}), [{ path: 'x', message: 'must have exactly one of the properties "ok" or "err"' }]);
  assert.deepEqual(issues(r, { ok: 1, err: 'no' }), [{ path: 'x', message: 'must have exactly one of the properties "ok" or "err"' }]);
  assert.deepEqual(issues(r, { ok: 'one' }), [{ path: 'x.ok', message: 'expected integer, got string' }]);
  assert.deepEqual(issues(r, { ok: 1, extra: 1 }), [{ path: 'x', message: 'unexpected property "extra" (allowed: ok, err)' }]);
  assert.deepEqual(issues(r, [1]), [{ path: 'x', message: 'expected object, got array' }]);
  const empty = result(undefined, P('string'));
  assert.deepEqual(issues(empty, { ok: null }), []);
  assert.deepEqual(issues(empty, { ok: 5 }), [{ path: 'x.ok', message: 'expected null, got number' }]);
  assert.deepEqual(issues(list(result(point)), [{ ok: { x: 1, y: 1 } }, { err: 1 }]), [{ path: 'x[1].err', message: 'expected null, got number' }]);
});

test('flags', () => {
  assert.deepEqual(issues(perms, []), []);
  assert.deepEqual(issues(perms, ['exec-me', 'read']), []);
  assert.deepEqual(issues(perms, { read: true }), [{ path: 'x', message: 'expected array, got object' }]);
  assert.deepEqual(issues(perms, ['read', 'admin', 7]), [
    { path: 'x[1]', message: 'must be one of: read, write, exec-me' },
    { path: 'x[2]', message: 'must be one of: read, write, exec-me' },
  ]);
  assert.deepEqual(issues(perms, ['read', 'read']), [{ path: 'x[1]', message: 'duplicate flag "read"' }]);
  assert.deepEqual(issues(perms, ['execMe']), [{ path: 'x[0]', message: 'must be one of: read, write, exec-me' }]);
});

test('tuples', () => {
  const t = tuple(P('u8'), P('string'), option(P('char')));
  assert.deepEqual(issues(t, [1, 'a', null]), []);
  assert.deepEqual(issues(t, [1, 'a']), [{ path: 'x', message: 'expected an array of exactly 3 items, got 2' }]);
  assert.deepEqual(issues(t, [1, 2, 'ab']), [
    { path: 'x[1]', message: 'expected string, got number' },
    { path: 'x[2]', message: 'must be exactly one Unicode character, got 2' },
  ]);
  assert.deepEqual(issues(t, { 0: 1 }), [{ path: 'x', message: 'expected array, got object' }]);
});

test('resource handles are refused', () => {
  assert.deepEqual(issues({ kind: 'own', resource: 'blob' }, 1), [
    { path: 'x', message: 'resource handles (own<blob>) cannot be passed as JSON' },
  ]);
});

test('all issues are collected', () => {
  const fn: ExportedFunction = {
    name: 'f',
    params: [
      { name: 'a', type: P('u8') },
      { name: 'b', type: list(P('bool')) },
      { name: 'c', type: color },
    ],
  };
  assert.deepEqual(validateArguments(fn, { a: -1, b: [true, 1, 'x'], d: 1 }), [
    { path: '', message: 'unexpected property "d" (allowed: a, b, c)' },
    { path: 'a', message: 'must be an integer between 0 and 255' },
    { path: 'b[1]', message: 'expected boolean, got number' },
    { path: 'b[2]', message: 'expected boolean, got string' },
    { path: 'c', message: 'missing required property' },
  ]);
});

test('formatIssues', () => {
  assert.equal(
    formatIssues([
      { path: 'points[2].x', message: 'expected number, got string' },
      { path: '', message: 'unexpected property "foo" (allowed: a, b)' },
    ]),
    'invalid arguments: points[2].x: expected number, got string; unexpected property "foo" (allowed: a, b)',
  );
  assert.equal(formatIssues([]), 'invalid arguments');
  const many = Array.from({ length: 25 }, (_, i) => ({ path: `x[${i}]`, message: 'bad' }));
  const text = formatIssues(many);
  assert.ok(text.startsWith('invalid arguments: x[0]: bad; x[1]: bad;'));
  assert.ok(text.endsWith('x[19]: bad; … and 5 more'));
});

// ---------------------------------------------------------------------------------------------
// toGuestArguments: jco calling conventions

test('jsName follows jco (heck lowerCamelCase)', () => {
  assert.equal(jsName('entity-type'), 'entityType');
  assert.equal(jsName('x'), 'x');
  assert.equal(jsName('exec-me'), 'execMe');
  assert.equal(jsName('HTTP-request-denied'), 'httpRequestDenied');
  assert.equal(jsName('request-URL'), 'requestUrl');
  assert.equal(jsName('utf8-string'), 'utf8String');
  assert.equal(jsName('a-b-c'), 'aBC');
  assert.equal(jsName('%type'), 'type');
});

test('optionUsesTagForm alternates with nesting depth', () => {
  const o1 = option(P('u32')) as Extract<WitType, { kind: 'option' }>;
  const o2 = option(o1) as Extract<WitType, { kind: 'option' }>;
  const o3 = option(o2) as Extract<WitType, { kind: 'option' }>;
  const o4 = option(o3) as Extract<WitType, { kind: 'option' }>;
  assert.deepEqual([o1, o2, o3, o4].map(optionUsesTagForm), [false, true, false, true]);
  assert.equal(optionUsesTagForm(option(list(o1)) as Extract<WitType, { kind: 'option' }>), false);
});

test('arguments are positional in parameter order', () => {
  const fn: ExportedFunction = { name: 'f', params: [{ name: 'a', type: P('string') }, { name: 'b', type: P('u8') }] };
  assert.deepEqual(toGuestArguments(fn, { b: 2, a: 'x' }), ['x', 2]);
  assert.deepEqual(toGuestArguments({ name: 'g', params: [] }, {}), []);
});

test('records: camelCase fields; options undefined; u64 as BigInt', () => {
  assert.deepEqual(toGuestValue(entity, { name: 'n', 'entity-type': 'person', 'opt-val': null, big: '18446744073709551615' }), {
    name: 'n',
    entityType: 'person',
    optVal: undefined,
    big: 18446744073709551615n,
  });
  assert.deepEqual(toGuestValue(entity, { name: 'n', 'entity-type': 't', 'opt-val': 4, big: 5 }), {
    name: 'n',
    entityType: 't',
    optVal: 4,
    big: 5n,
  });
});

test('flags: an object with every flag as a camelCase boolean', () => {
  assert.deepEqual(toGuestValue(perms, ['exec-me']), { read: false, write: false, execMe: true });
  assert.deepEqual(toGuestValue(perms, []), { read: false, write: false, execMe: false });
});

test('enums, variants, nested options and results', () => {
  assert.equal(toGuestValue(color, 'green'), 'green');
  assert.deepEqual(toGuestValue(shape, { tag: 'none-case' }), { tag: 'none-case' });
  assert.deepEqual(toGuestValue(shape, { tag: 'circle', val: 1.5 }), { tag: 'circle', val: 1.5 });
  assert.equal(toGuestValue(option(P('string')), null), undefined);
  assert.equal(toGuestValue(option(P('string')), 's'), 's');
  const nested = option(option(P('u32')));
  assert.deepEqual(toGuestValue(nested, { tag: 'none' }), { tag: 'none' });
  assert.deepEqual(toGuestValue(nested, { tag: 'some', val: null }), { tag: 'some', val: undefined });
  assert.deepEqual(toGuestValue(nested, { tag: 'some', val: 3 }), { tag: 'some', val: 3 });
  const triple = option(nested);
  assert.equal(toGuestValue(triple, null), undefined);
  assert.deepEqual(toGuestValue(triple, { tag: 'some', val: null }), { tag: 'some', val: undefined });
  assert.deepEqual(toGuestValue(result(P('u32'), P('string')), { ok: 1 }), { tag: 'ok', val: 1 });
  assert.deepEqual(toGuestValue(result(P('u32'), P('string')), { err: 'e' }), { tag: 'err', val: 'e' });
  assert.deepEqual(toGuestValue(result(), { ok: null }), { tag: 'ok', val: undefined });
});

test('numeric lists become typed arrays, others plain arrays', () => {
  const bytes = toGuestValue(list(P('u8')), [0, 1, 255]);
  assert.ok(bytes instanceof Uint8Array);
  assert.deepEqual([...(bytes as Uint8Array)], [0, 1, 255]);
  const cases: [PrimitiveKind, unknown[], Function][] = [
    ['s8', [-128, 127], Int8Array],
    ['u16', [65535], Uint16Array],
    ['s16', [-32768], Int16Array],
    ['u32', [4294967295], Uint32Array],
    ['s32', [-2147483648], Int32Array],
    ['u64', ['18446744073709551615', 1], BigUint64Array],
    ['s64', ['-9223372036854775808', -1], BigInt64Array],
    ['f32', [0.5], Float32Array],
    ['f64', [0.1], Float64Array],
  ];
  for (const [kind, json, ctor] of cases) {
    const v = toGuestValue(list(P(kind)), json);
    assert.ok(v instanceof ctor, kind);
  }
  assert.deepEqual([...(toGuestValue(list(P('s64')), ['-9223372036854775808', -1]) as BigInt64Array)], [-(2n ** 63n), -1n]);
  assert.deepEqual(toGuestValue(list(P('string')), ['a']), ['a']);
  assert.deepEqual(toGuestValue(list(P('bool')), [true]), [true]);
  assert.deepEqual(toGuestValue(list(P('char')), ['😀']), ['😀']);
  assert.deepEqual(toGuestValue(list(point), [{ x: 1, y: 2 }]), [{ x: 1, y: 2 }]);
  assert.deepEqual(toGuestValue(list(option(P('u8'))), [1, null]), [1, undefined]);
  assert.deepEqual(toGuestValue(tuple(P('u64'), P('char')), ['5', 'x']), [5n, 'x']);
});

test('prepareArguments converts in one pass exactly what toGuestArguments does, or reports what validateArguments does', () => {
  const fn: ExportedFunction = {
    name: 'mixed',
    params: [
      { name: 'points', type: list(point) },
      { name: 'big', type: P('u64') },
      { name: 'who', type: entity },
      { name: 'maybe', type: option(option(P('u8'))) },
      { name: 'perms', type: perms },
      { name: 'shape', type: shape },
    ],
  };
  const valid = {
    points: [{ x: 1, y: 2 }],
    big: '18446744073709551615',
    who: { name: 'n', 'entity-type': 't', 'opt-val': null, big: 3 },
    maybe: { tag: 'some', val: null },
    perms: ['read', 'exec-me'],
    shape: { tag: 'circle', val: 1.5 },
  };
  const prepared = prepareArguments(fn, valid);
  assert.deepEqual(prepared.issues, []);
  assert.deepEqual(prepared.values, toGuestArguments(fn, valid));
  const invalid = { ...valid, points: [{ x: 'a', y: 1 }], big: -1, extra: true };
  const failed = prepareArguments(fn, invalid);
  assert.deepEqual(failed.issues, validateArguments(fn, invalid));
  assert.deepEqual(
    failed.issues.map((i) => i.path),
    ['', 'points[0].x', 'big'],
  );
});

test('toGuestArguments throws ValueError with the path of the first problem', () => {
  const fn: ExportedFunction = { name: 'plot', params: [{ name: 'points', type: list(point) }] };
  assertValueError(() => toGuestArguments(fn, { points: [{ x: 1, y: 1 }, { x: 'a', y: 1 }] }), 'points[1].x', /expected number, got string/);
  assertValueError(() => toGuestArguments(fn, []), '', /arguments must be an object/);
  assertValueError(() => toGuestArguments(fn, {}), 'points', /missing required property/);
  assertValueError(() => toGuestArguments(echo(P('u64')), { x: '18446744073709551616' }), 'x', /between 0 and/);
  assertValueError(() => toGuestArguments(echo(P('char')), { x: 'ab' }), 'x');
  try {
    toGuestArguments(fn, { points: [{ x: 1 }] });
    assert.fail('should throw');
  } catch (error) {
    assert.equal((error as Error).message, 'points[0].y: missing required property');
  }
});

// ---------------------------------------------------------------------------------------------
// fromGuestResult: jco -> JSON

test('BigInt becomes a number when safe, else a decimal string', () => {
  assert.deepEqual(fromGuestResult(echo(P('u64')), 5n, 'ok'), { result: 5 });
  assert.deepEqual(fromGuestResult(echo(P('u64')), 18446744073709551615n, 'ok'), { result: '18446744073709551615' });
  assert.deepEqual(fromGuestResult(echo(P('s64')), -(2n ** 63n), 'ok'), { result: '-9223372036854775808' });
  assert.deepEqual(fromGuestResult(echo(P('s64')), -9007199254740991n, 'ok'), { result: -9007199254740991 });
  assert.deepEqual(fromGuestResult(echo(P('s64')), -9007199254740992n, 'ok'), { result: '-9007199254740992' });
});

test('typed arrays become plain arrays', () => {
  assert.deepEqual(fromGuestResult(echo(list(P('u8'))), new Uint8Array([1, 2, 3]), 'ok'), { result: [1, 2, 3] });
  assert.deepEqual(fromGuestResult(echo(list(P('s64'))), new BigInt64Array([1n, -(2n ** 63n)]), 'ok'), {
    result: [1, '-9223372036854775808'],
  });
  assert.deepEqual(fromGuestResult(echo(list(P('f32'))), new Float32Array([0.5, NaN]), 'ok'), { result: [0.5, null] });
  assert.deepEqual(fromGuestResult(echo(list(P('u16'))), [1, 2], 'ok'), { result: [1, 2] });
});

test('records get their WIT names back; flags become name lists', () => {
  assert.deepEqual(fromGuestResult(echo(entity), { name: 'n', entityType: 't', optVal: undefined, big: 1n }, 'ok'), {
    result: { name: 'n', 'entity-type': 't', 'opt-val': null, big: 1 },
  });
  // a record from jco may also simply lack an undefined option field
  assert.deepEqual(fromGuestResult(echo(entity), { name: 'n', entityType: 't', big: 1n }, 'ok'), {
    result: { name: 'n', 'entity-type': 't', 'opt-val': null, big: 1 },
  });
  assert.deepEqual(fromGuestResult(echo(perms), { read: true, write: false, execMe: true }, 'ok'), { result: ['read', 'exec-me'] });
  assert.deepEqual(fromGuestResult(echo(perms), { write: true }, 'ok'), { result: ['write'] });
});

test('enums, variants, options, nested results, tuples, chars', () => {
  assert.deepEqual(fromGuestResult(echo(color), 'blue', 'ok'), { result: 'blue' });
  assert.deepEqual(fromGuestResult(echo(shape), { tag: 'none-case', val: undefined }, 'ok'), { result: { tag: 'none-case' } });
  assert.deepEqual(fromGuestResult(echo(shape), { tag: 'circle', val: 2 }, 'ok'), { result: { tag: 'circle', val: 2 } });
  assert.deepEqual(fromGuestResult(echo(option(P('u8'))), undefined, 'ok'), { result: null });
  assert.deepEqual(fromGuestResult(echo(option(P('u8'))), 4, 'ok'), { result: 4 });
  assert.deepEqual(fromGuestResult(echo(option(option(P('u8')))), { tag: 'some', val: undefined }, 'ok'), {
    result: { tag: 'some', val: null },
  });
  assert.deepEqual(fromGuestResult(echo(option(option(P('u8')))), { tag: 'none' }, 'ok'), { result: { tag: 'none' } });
  assert.deepEqual(fromGuestResult(echo(option(result(P('u8'), P('string')))), { tag: 'err', val: 'bad' }, 'ok'), {
    result: { err: 'bad' },
  });
  assert.deepEqual(fromGuestResult(echo(list(result())), [{ tag: 'ok', val: undefined }, { tag: 'err' }], 'ok'), {
    result: [{ ok: null }, { err: null }],
  });
  assert.deepEqual(fromGuestResult(echo(tuple(P('u64'), P('char'), P('f64'))), [1n, '😀', Infinity], 'ok'), { result: [1, '😀', null] });
});

test('NaN and Infinity become null and conversion goes on', () => {
  assert.deepEqual(fromGuestResult(echo(list(P('f64'))), [1, NaN, -Infinity, 2], 'ok'), { result: [1, null, null, 2] });
  assert.deepEqual(fromGuestResult(echo(point), { x: NaN, y: 3 }, 'ok'), { result: { x: null, y: 3 } });
});

test('a top-level result: ok returns T, err is the thrown payload', () => {
  const fn: ExportedFunction = { name: 'f', params: [], result: result(list(P('u8')), P('string')) };
  assert.deepEqual(fromGuestResult(fn, new Uint8Array([7]), 'ok'), { result: { ok: [7] } });
  assert.deepEqual(fromGuestResult(fn, 'boom', 'err'), { result: { err: 'boom' } });
  const unit: ExportedFunction = { name: 'f', params: [], result: result() };
  assert.deepEqual(fromGuestResult(unit, undefined, 'ok'), { result: { ok: null } });
  assert.deepEqual(fromGuestResult(unit, undefined, 'err'), { result: { err: null } });
  const errRecord: ExportedFunction = { name: 'f', params: [], result: result(undefined, entity) };
  assert.deepEqual(fromGuestResult(errRecord, { name: 'n', entityType: 't', optVal: 2, big: 3n }, 'err'), {
    result: { err: { name: 'n', 'entity-type': 't', 'opt-val': 2, big: 3 } },
  });
  assertValueError(() => fromGuestResult(fn, 42, 'err'), 'result.err', /expected string, got number 42/);
});

test('functions without a result, and errors from functions without a result type', () => {
  assert.deepEqual(fromGuestResult({ name: 'f', params: [] }, undefined, 'ok'), { result: null });
  assertValueError(() => fromGuestResult({ name: 'f', params: [] }, 'x', 'err'), 'result', /does not return a WIT result/);
  assertValueError(() => fromGuestResult(echo(P('string')), 'x', 'err'), 'result', /does not return a WIT result/);
});

test('values that do not fit the WIT type give ValueErrors with paths', () => {
  assertValueError(() => fromGuestResult(echo(P('u8')), 300, 'ok'), 'result', /between 0 and 255, got number 300/);
  assertValueError(() => fromGuestResult(echo(P('u64')), '5', 'ok'), 'result', /expected a BigInt/);
  assertValueError(() => fromGuestResult(echo(P('u64')), -1n, 'ok'), 'result', /got -1/);
  assertValueError(() => fromGuestResult(echo(list(P('string'))), ['a', 1], 'ok'), 'result[1]', /expected string/);
  assertValueError(() => fromGuestResult(echo(list(point)), [{ x: 1, y: 1 }, { x: 1 }], 'ok'), 'result[1].y', /got undefined/);
  assertValueError(() => fromGuestResult(echo(entity), { name: 'n', entityType: 5, big: 1n }, 'ok'), 'result.entity-type');
  assertValueError(() => fromGuestResult(echo(shape), { tag: 'square' }, 'ok'), 'result', /tag must be one of/);
  assertValueError(() => fromGuestResult(echo(shape), { tag: 'circle', val: 'x' }, 'ok'), 'result.val');
  assertValueError(() => fromGuestResult(echo(color), 'purple', 'ok'), 'result', /expected one of: red, green, blue/);
  assertValueError(() => fromGuestResult(echo(perms), { read: 1 }, 'ok'), 'result', /flag read must be a boolean/);
  assertValueError(() => fromGuestResult(echo(tuple(P('u8'))), [1, 2], 'ok'), 'result', /expected 1 tuple items, got 2/);
  assertValueError(() => fromGuestResult(echo(list(result(P('u8')))), [{ tag: 'maybe' }], 'ok'), 'result[0]', /tag: 'ok' \| 'err'/);
  assertValueError(() => fromGuestResult(echo(P('char')), 'ab', 'ok'), 'result', /exactly one/);
  assertValueError(() => fromGuestResult(echo({ kind: 'own', resource: 'blob' }), {}, 'ok'), 'result', /resource handles/);
});

// ---------------------------------------------------------------------------------------------
// robustness: garbage never crashes

const everyType: WitType[] = [
  ...(['bool', 's8', 's16', 's32', 's64', 'u8', 'u16', 'u32', 'u64', 'f32', 'f64', 'char', 'string'] as const).map(P),
  list(P('u8')),
  list(P('s64')),
  list(point),
  tuple(P('u8'), P('string')),
  entity,
  shape,
  color,
  perms,
  option(P('u8')),
  option(option(P('u8'))),
  option(option(option(P('u8')))),
  result(P('u8'), P('string')),
  result(),
  { kind: 'own', resource: 'r' },
];

const garbage: unknown[] = [
  undefined, null, 0, -1, 1.5, NaN, Infinity, 2 ** 60, 1n, -1n, 2n ** 70n, '', 'a', 'ab', '\uD800', '18446744073709551616',
  true, [], [1], [1, 'a'], [null], {}, { tag: 'ok' }, { tag: 'none' }, { tag: 'some' }, { tag: 'circle', val: 1 }, { tag: 1 },
  { ok: 1 }, { err: null }, { x: 1, y: 2 }, new Uint8Array(2), new BigInt64Array(1), new Float64Array([NaN]), new DataView(new ArrayBuffer(1)),
  Object.create(null), Symbol('s'), () => 1, new Date(0), new Map(), { read: 'yes' },
];

test('no value makes validation, conversion or lifting crash', () => {
  for (const type of everyType) {
    for (const value of garbage) {
      const fn = echo(type);
      const found = validateArguments(fn, { x: value });
      assert.ok(Array.isArray(found));
      for (const issue of found) assert.equal(typeof issue.message, 'string');
      try {
        toGuestArguments(fn, { x: value });
        assert.deepEqual(found, [], `toGuestArguments accepted what validateArguments refused (${type.kind})`);
      } catch (error) {
        assert.ok(error instanceof ValueError, `${type.kind}: ${String(error)}`);
        assert.notDeepEqual(found, []);
      }
      for (const outcome of ['ok', 'err'] as const) {
        try {
          fromGuestResult(fn, value, outcome);
          fromGuestValue(type, value);
        } catch (error) {
          assert.ok(error instanceof ValueError, `${type.kind} lift: ${String(error)}`);
        }
      }
    }
    assert.ok(validateArguments(echo(type), garbage).length > 0);
  }
});

// ---------------------------------------------------------------------------------------------
// round trips: JSON -> guest -> (structured clone, as across the worker boundary) -> JSON

/** [type, JSON input, JSON expected back (defaults to the input)] */
const roundTrips: [string, WitType, unknown, unknown?][] = [
  ['bool', P('bool'), true],
  ['s8', P('s8'), -128],
  ['s16', P('s16'), 32767],
  ['s32', P('s32'), -2147483648],
  ['u8', P('u8'), 255],
  ['u16', P('u16'), 65535],
  ['u32', P('u32'), 4294967295],
  ['s64 small', P('s64'), -42],
  ['s64 min', P('s64'), '-9223372036854775808'],
  ['s64 safe string', P('s64'), '-12', -12],
  ['u64 max', P('u64'), '18446744073709551615'],
  ['u64 safe', P('u64'), 9007199254740991],
  ['f32', P('f32'), 0.5],
  ['f64', P('f64'), Math.PI],
  ['char bmp', P('char'), 'é'],
  ['char astral', P('char'), '😀'],
  ['string', P('string'), 'héllo 😀 \u0000'],
  ['list<u8>', list(P('u8')), [0, 127, 255]],
  ['list<u8> empty', list(P('u8')), []],
  ['list<s64>', list(P('s64')), ['-9223372036854775808', 0, '7'], ['-9223372036854775808', 0, 7]],
  ['list<u64>', list(P('u64')), ['18446744073709551615']],
  ['list<f32>', list(P('f32')), [0.25, -2]],
  ['list<f64>', list(P('f64')), [0.1, 1e300]],
  ['list<string>', list(P('string')), ['a', '']],
  ['list<list<record>>', list(list(point)), [[{ x: 1, y: 2 }], []]],
  ['record', entity, { name: 'n', 'entity-type': 'person', 'opt-val': null, big: '18446744073709551615' }],
  ['record some', entity, { name: 'n', 'entity-type': 'person', 'opt-val': 0, big: 0 }],
  ['tuple', tuple(P('u32'), P('string'), option(P('u8'))), [1, 'a', null]],
  ['variant no payload', shape, { tag: 'none-case' }],
  ['variant float', shape, { tag: 'circle', val: 2.5 }],
  ['variant record', shape, { tag: 'named-thing', val: { name: 'x', 'entity-type': 'y', 'opt-val': 3, big: 4 } }],
  ['enum', color, 'green'],
  ['flags none', perms, []],
  ['flags some', perms, ['read', 'exec-me']],
  ['flags order', perms, ['exec-me', 'read'], ['read', 'exec-me']],
  ['option none', option(P('string')), null],
  ['option some', option(P('string')), 's'],
  ['option<option> none', option(option(P('u32'))), { tag: 'none' }],
  ['option<option> some(none)', option(option(P('u32'))), { tag: 'some', val: null }],
  ['option<option> some(some)', option(option(P('u32'))), { tag: 'some', val: 3 }],
  ['option^3 none', option(option(option(P('u32')))), null],
  ['option^3 some(none)', option(option(option(P('u32')))), { tag: 'none' }],
  ['option^3 some(some(none))', option(option(option(P('u32')))), { tag: 'some', val: null }],
  ['list<option>', list(option(P('u32'))), [1, null, 3]],
  ['result ok', result(P('u32'), P('string')), { ok: 1 }],
  ['result err', result(P('u32'), P('string')), { err: 'bad' }],
  ['result<_,_> ok', result(), { ok: null }],
  ['result<_,_> err', result(), { err: null }],
  ['list<result>', list(result(point, color)), [{ ok: { x: 0, y: 0 } }, { err: 'red' }]],
  ['option<result>', option(result(P('u8'))), { ok: 1 }],
];

test('round trips for every type family', () => {
  for (const [label, type, input, expected = input] of roundTrips) {
    const fn = echo(type);
    assert.deepEqual(validateArguments(fn, { x: input }), [], label);
    const [guest] = structuredClone(toGuestArguments(fn, { x: input }));
    const back = returned(type, guest);
    assert.deepEqual(fromGuestResult(fn, back.value, back.outcome), { result: expected }, label);
    // nested one level down, a result keeps jco's {tag, val} form
    const wrapped = echo(list(type));
    const [guestList] = structuredClone(toGuestArguments(wrapped, { x: [input] }));
    assert.deepEqual(fromGuestResult(wrapped, guestList, 'ok'), { result: [expected] }, `${label} in a list`);
    // and back again: the JSON we return is also accepted as input
    assert.deepEqual(validateArguments(fn, { x: expected }), [], `${label} (output as input)`);
  }
});

// ---------------------------------------------------------------------------------------------
// agreement with a real JSON Schema validator


/** [type, value, valid?] — the JSON Schema and validateArguments must agree on each. */
const agreement: [WitType, unknown, boolean][] = [
  [P('bool'), false, true],
  [P('bool'), 0, false],
  [P('u8'), 255, true],
  [P('u8'), 256, false],
  [P('u8'), 1.5, false],
  [P('s8'), -128, true],
  [P('s8'), -129, false],
  [P('u32'), 4294967295, true],
  [P('u32'), '1', false],
  [P('s64'), '-9223372036854775808', true],
  [P('s64'), -9007199254740991, true],
  [P('s64'), 2 ** 53, false],
  [P('s64'), '+1', false],
  [P('s64'), 1.5, false],
  [P('u64'), '18446744073709551615', true],
  [P('u64'), 0, true],
  [P('u64'), -1, false],
  [P('u64'), '-1', false],
  [P('u64'), null, false],
  [P('f32'), 1.25, true],
  [P('f64'), 'NaN', false],
  [P('char'), 'a', true],
  [P('char'), '😀', true],
  [P('char'), '', false],
  [P('char'), 5, false],
  [P('string'), '', true],
  [P('string'), [], false],
  [list(P('u8')), [0, 255], true],
  [list(P('u8')), [256], false],
  [list(P('u8')), 'AAEC', false],
  [list(point), [{ x: 1, y: 2 }], true],
  [list(point), [{ x: 1 }], false],
  [list(point), [{ x: 1, y: 2, z: 3 }], false],
  [list(list(point)), [[{ x: 1, y: 'a' }]], false],
  [tuple(P('u8'), P('string')), [1, 'a'], true],
  [tuple(P('u8'), P('string')), [1], false],
  [tuple(P('u8'), P('string')), [1, 'a', 2], false],
  [tuple(P('u8'), P('string')), ['a', 1], false],
  [entity, { name: 'n', 'entity-type': 't', 'opt-val': null, big: 1 }, true],
  [entity, { name: 'n', 'entity-type': 't', big: 1 }, false],
  [entity, { name: 'n', entityType: 't', 'opt-val': null, big: 1 }, false],
  [shape, { tag: 'none-case' }, true],
  [shape, { tag: 'none-case', val: null }, false],
  [shape, { tag: 'circle', val: 1 }, true],
  [shape, { tag: 'circle' }, false],
  [shape, { tag: 'circle', val: 'x' }, false],
  [shape, { tag: 'hexagon', val: 1 }, false],
  [shape, { tag: 'named-thing', val: { name: 'n', 'entity-type': 't', 'opt-val': 1, big: '1' } }, true],
  [color, 'red', true],
  [color, 'purple', false],
  [perms, [], true],
  [perms, ['read', 'exec-me'], true],
  [perms, ['read', 'read'], false],
  [perms, ['admin'], false],
  [perms, { read: true }, false],
  [option(P('u8')), null, true],
  [option(P('u8')), 1, true],
  [option(P('u8')), 'a', false],
  [option(option(P('u8'))), { tag: 'none' }, true],
  [option(option(P('u8'))), { tag: 'some', val: null }, true],
  [option(option(P('u8'))), { tag: 'some', val: 2 }, true],
  [option(option(P('u8'))), null, false],
  [option(option(P('u8'))), 2, false],
  [option(option(P('u8'))), { tag: 'some' }, false],
  [option(option(P('u8'))), { tag: 'none', val: null }, false],
  [option(option(option(P('u8')))), null, true],
  [option(option(option(P('u8')))), { tag: 'some', val: 1 }, true],
  [result(P('u8'), P('string')), { ok: 1 }, true],
  [result(P('u8'), P('string')), { err: 'e' }, true],
  [result(P('u8'), P('string')), { ok: 1, err: 'e' }, false],
  [result(P('u8'), P('string')), {}, false],
  [result(P('u8'), P('string')), { ok: 'x' }, false],
  [result(), { ok: null }, true],
  [result(), { ok: 1 }, false],
  [result(), { result: null }, false],
];

test('generated input schemas agree with validateArguments (Ajv, JSON Schema 2020-12, strict)', () => {
  for (const [type, value, valid] of agreement) {
    const fn = echo(type);
    const schemaSays = ajv2020.compile(inputSchema(fn))({ x: value });
    const ours = validateArguments(fn, { x: value });
    const label = `${JSON.stringify(type)} ${JSON.stringify(value)}`;
    assert.equal(schemaSays, valid, `schema: ${label}`);
    assert.equal(ours.length === 0, valid, `validateArguments: ${label} ${JSON.stringify(ours)}`);
  }
  // root-level problems
  const fn: ExportedFunction = { name: 'f', params: [{ name: 'a', type: P('u8') }] };
  const validate = ajv2020.compile(inputSchema(fn));
  for (const args of [{}, { a: 1, b: 2 }, [], null, 'x']) {
    assert.equal(validate(args), false);
    assert.ok(validateArguments(fn, args).length > 0);
  }
  assert.equal(validate({ a: 1 }), true);
});

test('where the schema cannot be exact, validateArguments is the stricter one', () => {
  // JSON Schema counts code points (so maxLength 2 admits two characters), cannot tell lone
  // surrogates, and its patterns do not bound 64-bit ranges: validateArguments enforces those.
  const looser: [WitType, unknown][] = [
    [P('char'), 'ab'],
    [P('char'), '\uD800'],
    [P('u64'), '18446744073709551616'],
    [P('s64'), '9223372036854775808'],
  ];
  for (const [type, value] of looser) {
    const fn = echo(type);
    assert.equal(ajv2020.compile(inputSchema(fn))({ x: value }), true, JSON.stringify(value));
    assert.ok(validateArguments(fn, { x: value }).length > 0, JSON.stringify(value));
  }
});

test('converted results satisfy the output schema (2020-12 and the MCP SDK draft-07 validator)', () => {
  const outputs: [WitType, unknown][] = roundTrips.map(([, type, input]) => {
    const fn = echo(type);
    return [type, toGuestArguments(fn, { x: input })[0]];
  });
  outputs.push([P('f64'), NaN], [list(P('f32')), new Float32Array([Infinity, 1])], [P('u64'), 2n ** 64n - 1n], [tuple(P('f64'), P('u8')), [NaN, 1]]);
  for (const [type, guest] of outputs) {
    const fn = echo(type);
    const back = returned(type, guest);
    const structured = fromGuestResult(fn, back.value, back.outcome);
    for (const [name, ajv] of [['2020-12', ajv2020], ['sdk draft-07', ajvSdk]] as const) {
      const validate = ajv.compile(outputSchema(fn));
      assert.ok(validate(structured), `${name}: ${JSON.stringify(type)} -> ${JSON.stringify(structured)} ${JSON.stringify(validate.errors)}`);
    }
  }
  // top-level result<T, E>, both outcomes, and no result at all
  const fallible: ExportedFunction = { name: 'f', params: [], result: result(tuple(P('u64'), P('string')), entity) };
  const none: ExportedFunction = { name: 'g', params: [] };
  const cases: [ExportedFunction, unknown, 'ok' | 'err'][] = [
    [fallible, [2n ** 63n, 's'], 'ok'],
    [fallible, { name: 'n', entityType: 't', optVal: undefined, big: 0n }, 'err'],
    [none, undefined, 'ok'],
  ];
  for (const [fn, guest, outcome] of cases) {
    const structured = fromGuestResult(fn, guest, outcome);
    for (const ajv of [ajv2020, ajvSdk]) assert.ok(ajv.compile(outputSchema(fn))(structured), JSON.stringify(structured));
  }
});
