/**
 * JSON <-> jco value conversion for tool calls, driven by the WIT types of the function.
 *
 * JSON side (what MCP clients send and receive; `schema.ts` describes the same shapes):
 * see the mapping in schema.ts. Record fields and parameters use WIT (kebab-case) names.
 *
 * jco side (confirmed against jco-transpile 0.15 generated bindings and js-component-bindgen):
 * - record fields and flag names are lowerCamelCase (heck `to_lower_camel_case`:
 *   `entity-type` -> `entityType`, `HTTP-request` -> `httpRequest`); enum values and
 *   variant tags stay kebab-case.
 * - flags: an object of booleans; jco reads every flag with `Boolean(obj.flag)` and lifts
 *   an object with every flag present. We always pass every flag.
 * - option<T>: the value or `undefined` — unless T's own JS form can be `undefined` (T is an
 *   option in that plain form), in which case the option uses `{tag:'none'}` / `{tag:'some', val}`.
 *   So in `option<option<u32>>` the OUTER option is the tagged object and the inner one is
 *   `number | undefined`; deeper nesting alternates (see `optionUsesTagForm`). The JSON side
 *   uses the same rule with `null` in place of `undefined`.
 * - result<T,E> as a parameter or nested in a value: `{tag:'ok'|'err', val}`. As the function's
 *   own return type jco returns T on ok and throws the E payload on err, so the caller tells
 *   `fromGuestResult` which happened.
 * - u64/s64: BigInt. jco wraps out-of-range values silently (`BigInt.asUintN`), and 8/16/32-bit
 *   integers are wrapped with `>>> 0`/modulo too, so every range is checked here first.
 * - list of a numeric type (u8..u64, s8..s64, f32, f64): jco's bindings type them as typed
 *   arrays (Uint8Array, Int16Array, BigInt64Array, Float32Array, ...). Lowering accepts a
 *   plain array as well, but we pass the matching typed array (a straight memory copy);
 *   lifting returns typed arrays, which become plain JSON arrays here.
 * - char: a string holding one code point (jco only reads `codePointAt(0)`, so we check that the
 *   string is exactly one Unicode scalar value).
 *
 * Floats: NaN and ±Infinity returned by a guest become `null` in JSON (the output schema allows
 * null for floats); conversion goes on with the rest of the value.
 *
 * Every parameter and record field is required, option-typed ones included (pass null for none),
 * matching the `required` lists of the input schema. Strings are passed as they are (jco's UTF-8
 * encoder turns a lone surrogate into U+FFFD); a char must be exactly one scalar value.
 *
 * Nothing here trusts its input: a value that does not fit the WIT type yields issues
 * (`validateArguments`) or a `ValueError` naming the path, never an unrelated crash.
 */
import type { ExportedFunction, WitType } from './wit-types.js';
import { SMALL_INT_BOUNDS } from './schema.js';

export interface ArgumentIssue {
  /** Where the problem is, e.g. `points[2].x`; `` for the arguments object itself. */
  path: string;
  message: string;
}

/** A value that does not match its WIT type. `message` is `<path>: <detail>` (just the detail at the root). */
export class ValueError extends Error {
  readonly path: string;
  readonly detail: string;
  constructor(path: string, detail: string) {
    super(path === '' ? detail : `${path}: ${detail}`);
    this.name = 'ValueError';
    this.path = path;
    this.detail = detail;
  }
}

type OptionType = Extract<WitType, { kind: 'option' }>;

/**
 * Whether an option uses jco's object form `{tag:'none'} | {tag:'some', val}` rather than
 * "value or undefined/null": true exactly when its payload is itself an option in the plain
 * (nullable) form, since `null` would then be ambiguous. Mirrors js-component-bindgen's
 * `as_nullable`: option<u32> plain, option<option<u32>> tagged (inner plain),
 * option<option<option<u32>>> plain (middle tagged, inner plain), and so on.
 */
export function optionUsesTagForm(type: OptionType): boolean {
  return type.type.kind === 'option' && !optionUsesTagForm(type.type);
}

/** jco's JS name for a WIT identifier (record field, flag): heck lowerCamelCase of the kebab words. */
export function jsName(witName: string): string {
  const words = witName.replace(/^%/, '').split('-').filter((w) => w !== '');
  return words
    .map((word, i) => (i === 0 ? word.toLowerCase() : word.charAt(0).toUpperCase() + word.slice(1).toLowerCase()))
    .join('');
}

// ---------------------------------------------------------------------------------------------
// JSON -> guest

const INVALID: unique symbol = Symbol('invalid');
type Lowered = unknown;

interface Sink {
  /** Report a problem; returns INVALID in collecting mode, throws in strict mode. */
  fail(path: string, message: string): typeof INVALID;
}

class CollectingSink implements Sink {
  readonly issues: ArgumentIssue[] = [];
  fail(path: string, message: string): typeof INVALID {
    this.issues.push({ path, message });
    return INVALID;
  }
}

const THROWING_SINK: Sink = {
  fail(path: string, message: string): never {
    throw new ValueError(path, message);
  },
};

const BIG_BOUNDS = {
  s64: [-(2n ** 63n), 2n ** 63n - 1n],
  u64: [0n, 2n ** 64n - 1n],
} as const;

type NumericKind = keyof typeof SMALL_INT_BOUNDS | keyof typeof BIG_BOUNDS | 'f32' | 'f64';

const TYPED_ARRAYS: Record<NumericKind, { from(values: ArrayLike<never>): unknown }> = {
  u8: Uint8Array,
  s8: Int8Array,
  u16: Uint16Array,
  s16: Int16Array,
  u32: Uint32Array,
  s32: Int32Array,
  u64: BigUint64Array,
  s64: BigInt64Array,
  f32: Float32Array,
  f64: Float64Array,
};

function isNumericKind(kind: string): kind is NumericKind {
  return Object.prototype.hasOwnProperty.call(TYPED_ARRAYS, kind);
}

/**
 * Check JSON arguments against the function's parameter types. Returns every problem found
 * (empty when the arguments are valid).
 */
export function validateArguments(fn: ExportedFunction, args: unknown): ArgumentIssue[] {
  return prepareArguments(fn, args).issues;
}

/**
 * Checks and converts JSON arguments in one pass: the positional jco arguments
 * when there are no issues, otherwise every problem found (`values` is then
 * meaningless).
 */
export function prepareArguments(fn: ExportedFunction, args: unknown): { values: unknown[]; issues: ArgumentIssue[] } {
  const sink = new CollectingSink();
  const values = lowerArguments(fn, args, sink);
  return { values, issues: sink.issues };
}

/** `invalid arguments: points[2].x: expected number, got string; …` */
export function formatIssues(issues: ArgumentIssue[]): string {
  const limit = 20;
  const shown = issues.slice(0, limit).map((issue) => (issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`));
  if (issues.length > limit) shown.push(`… and ${issues.length - limit} more`);
  return shown.length === 0 ? 'invalid arguments' : `invalid arguments: ${shown.join('; ')}`;
}

/**
 * JSON arguments -> positional jco arguments. Call after `validateArguments`; still throws a
 * `ValueError` for anything invalid.
 */
export function toGuestArguments(fn: ExportedFunction, args: unknown): unknown[] {
  return lowerArguments(fn, args, THROWING_SINK);
}

/** One JSON value -> its jco form. Throws `ValueError`. */
export function toGuestValue(type: WitType, value: unknown, path = ''): unknown {
  return lower(type, value, path, THROWING_SINK);
}

function lowerArguments(fn: ExportedFunction, args: unknown, sink: Sink): unknown[] {
  if (!isPlainObject(args)) {
    sink.fail('', `arguments must be an object keyed by parameter name, got ${describeJson(args)}`);
    return [];
  }
  const names = fn.params.map((p) => p.name);
  reportUnexpected(args, names, '', sink);
  return fn.params.map((param) => {
    if (!hasOwn(args, param.name)) return sink.fail(param.name, 'missing required property');
    return lower(param.type, args[param.name], param.name, sink);
  });
}

function lower(type: WitType, value: unknown, path: string, sink: Sink): Lowered {
  switch (type.kind) {
    case 'bool':
      return typeof value === 'boolean' ? value : sink.fail(path, `expected boolean, got ${describeJson(value)}`);
    case 's8':
    case 's16':
    case 's32':
    case 'u8':
    case 'u16':
    case 'u32': {
      const [min, max] = SMALL_INT_BOUNDS[type.kind];
      if (typeof value !== 'number') return sink.fail(path, `expected integer, got ${describeJson(value)}`);
      if (!Number.isInteger(value) || value < min || value > max) {
        return sink.fail(path, `must be an integer between ${min} and ${max}`);
      }
      return value;
    }
    case 's64':
    case 'u64':
      return lowerBig(type.kind, value, path, sink);
    case 'f32':
    case 'f64':
      return typeof value === 'number' ? value : sink.fail(path, `expected number, got ${describeJson(value)}`);
    case 'char': {
      if (typeof value !== 'string') return sink.fail(path, `expected string, got ${describeJson(value)}`);
      const problem = charProblem(value);
      return problem === undefined ? value : sink.fail(path, problem);
    }
    case 'string':
      return typeof value === 'string' ? value : sink.fail(path, `expected string, got ${describeJson(value)}`);
    case 'list': {
      if (!Array.isArray(value)) return sink.fail(path, `expected array, got ${describeJson(value)}`);
      const items = value.map((item, i) => lower(type.element, item, `${path}[${i}]`, sink));
      if (items.includes(INVALID)) return INVALID;
      const element = type.element.kind;
      return isNumericKind(element) ? TYPED_ARRAYS[element].from(items as never[]) : items;
    }
    case 'tuple': {
      if (!Array.isArray(value)) return sink.fail(path, `expected array, got ${describeJson(value)}`);
      if (value.length !== type.types.length) {
        return sink.fail(path, `expected an array of exactly ${type.types.length} items, got ${value.length}`);
      }
      const items = type.types.map((t, i) => lower(t, value[i], `${path}[${i}]`, sink));
      return items.includes(INVALID) ? INVALID : items;
    }
    case 'record': {
      if (!isPlainObject(value)) return sink.fail(path, `expected object, got ${describeJson(value)}`);
      let ok = reportUnexpected(value, type.fields.map((f) => f.name), path, sink);
      const out: Record<string, unknown> = {};
      for (const field of type.fields) {
        const fieldPath = childPath(path, field.name);
        const lowered = hasOwn(value, field.name)
          ? lower(field.type, value[field.name], fieldPath, sink)
          : sink.fail(fieldPath, 'missing required property');
        if (lowered === INVALID) ok = false;
        out[jsName(field.name)] = lowered;
      }
      return ok ? out : INVALID;
    }
    case 'variant':
      return lowerTagged(type.cases, value, path, sink);
    case 'enum':
      if (typeof value !== 'string') return sink.fail(path, `expected string, got ${describeJson(value)}`);
      return type.names.includes(value) ? value : sink.fail(path, `must be one of: ${type.names.join(', ')}`);
    case 'option':
      if (optionUsesTagForm(type)) {
        return lowerTagged([{ name: 'none' }, { name: 'some', type: type.type }], value, path, sink);
      }
      return value === null || value === undefined ? undefined : lower(type.type, value, path, sink);
    case 'result': {
      if (!isPlainObject(value)) return sink.fail(path, `expected object, got ${describeJson(value)}`);
      const hasOk = hasOwn(value, 'ok');
      const hasErr = hasOwn(value, 'err');
      let ok = reportUnexpected(value, ['ok', 'err'], path, sink);
      if (hasOk === hasErr) {
        sink.fail(path, 'must have exactly one of the properties "ok" or "err"');
        return INVALID;
      }
      const tag = hasOk ? 'ok' : 'err';
      const payloadType = hasOk ? type.ok : type.err;
      const payloadPath = childPath(path, tag);
      let val: Lowered;
      if (payloadType === undefined) {
        val = value[tag] === null ? undefined : sink.fail(payloadPath, `expected null, got ${describeJson(value[tag])}`);
      } else {
        val = lower(payloadType, value[tag], payloadPath, sink);
      }
      if (val === INVALID) ok = false;
      return ok ? { tag, val } : INVALID;
    }
    case 'flags': {
      if (!Array.isArray(value)) return sink.fail(path, `expected array, got ${describeJson(value)}`);
      const set = new Set<string>();
      let ok = true;
      value.forEach((item, i) => {
        if (typeof item !== 'string' || !type.names.includes(item)) {
          ok = false;
          sink.fail(`${path}[${i}]`, type.names.length === 0 ? 'no flags are defined' : `must be one of: ${type.names.join(', ')}`);
        } else if (set.has(item)) {
          ok = false;
          sink.fail(`${path}[${i}]`, `duplicate flag "${item}"`);
        } else {
          set.add(item);
        }
      });
      if (!ok) return INVALID;
      const out: Record<string, boolean> = {};
      for (const name of type.names) out[jsName(name)] = set.has(name);
      return out;
    }
    case 'own':
    case 'borrow':
      return sink.fail(path, `resource handles (${type.kind}<${type.resource}>) cannot be passed as JSON`);
    default:
      return sink.fail(path, `unsupported WIT type ${JSON.stringify((type as { kind: unknown }).kind)}`);
  }
}

function lowerBig(kind: 's64' | 'u64', value: unknown, path: string, sink: Sink): Lowered {
  const [min, max] = BIG_BOUNDS[kind];
  const range = `must be an integer between ${min} and ${max}`;
  let big: bigint;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return sink.fail(path, range);
    if (!Number.isSafeInteger(value)) {
      return sink.fail(
        path,
        `integers beyond ±${Number.MAX_SAFE_INTEGER} lose precision as JSON numbers; pass the value as a decimal string`,
      );
    }
    big = BigInt(value);
  } else if (typeof value === 'string') {
    const pattern = kind === 's64' ? /^-?[0-9]+$/ : /^[0-9]+$/;
    if (!pattern.test(value)) {
      return sink.fail(path, kind === 's64' ? 'must be a decimal integer string (optional "-" and digits)' : 'must be a decimal integer string (digits only)');
    }
    big = BigInt(value);
  } else if (typeof value === 'bigint') {
    big = value;
  } else {
    return sink.fail(path, `expected integer or decimal string, got ${describeJson(value)}`);
  }
  return big < min || big > max ? sink.fail(path, range) : big;
}

/** Variant-shaped JSON `{tag, val}` (also the tagged option form). */
function lowerTagged(
  cases: { name: string; type?: WitType }[],
  value: unknown,
  path: string,
  sink: Sink,
): Lowered {
  if (!isPlainObject(value)) return sink.fail(path, `expected object, got ${describeJson(value)}`);
  const tagPath = childPath(path, 'tag');
  if (!hasOwn(value, 'tag')) {
    reportUnexpected(value, ['tag', 'val'], path, sink);
    return sink.fail(tagPath, 'missing required property');
  }
  const tag = value.tag;
  const chosen = typeof tag === 'string' ? cases.find((c) => c.name === tag) : undefined;
  if (chosen === undefined) {
    reportUnexpected(value, ['tag', 'val'], path, sink);
    return sink.fail(tagPath, `must be one of: ${cases.map((c) => c.name).join(', ')}`);
  }
  if (chosen.type === undefined) {
    return reportUnexpected(value, ['tag'], path, sink) ? { tag: chosen.name } : INVALID;
  }
  let ok = reportUnexpected(value, ['tag', 'val'], path, sink);
  const valPath = childPath(path, 'val');
  const val = hasOwn(value, 'val') ? lower(chosen.type, value.val, valPath, sink) : sink.fail(valPath, 'missing required property');
  if (val === INVALID) ok = false;
  return ok ? { tag: chosen.name, val } : INVALID;
}

/** Report each own key of `value` not in `allowed`; returns true when there were none. */
function reportUnexpected(value: Record<string, unknown>, allowed: string[], path: string, sink: Sink): boolean {
  let ok = true;
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      ok = false;
      sink.fail(path, `unexpected property ${JSON.stringify(key)} (allowed: ${allowed.length === 0 ? 'none' : allowed.join(', ')})`);
    }
  }
  return ok;
}

/** Why `s` is not exactly one Unicode scalar value, or undefined when it is. */
function charProblem(s: string): string | undefined {
  if (s.length === 0) return 'must be exactly one Unicode character, got an empty string';
  const cp = s.codePointAt(0)!;
  const width = cp > 0xffff ? 2 : 1;
  if (s.length !== width) return `must be exactly one Unicode character, got ${[...s].length}`;
  if (cp >= 0xd800 && cp <= 0xdfff) return 'must be a Unicode scalar value, got a lone surrogate';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// guest -> JSON

/**
 * A jco return value -> `{result: <JSON>}`. For a function whose return type is `result<T,E>`,
 * `outcome` says whether jco returned (ok: `value` is T) or threw the payload (err: `value` is E);
 * the JSON is then `{ok: …}` / `{err: …}`. Throws `ValueError` when the value does not fit the type.
 */
export function fromGuestResult(fn: ExportedFunction, value: unknown, outcome: 'ok' | 'err'): { result: unknown } {
  const type = fn.result;
  if (type !== undefined && type.kind === 'result') {
    const payloadType = outcome === 'ok' ? type.ok : type.err;
    const payload = payloadType === undefined ? null : lift(payloadType, value, `result.${outcome}`);
    return { result: { [outcome]: payload } };
  }
  if (outcome === 'err') {
    throw new ValueError('result', `the function does not return a WIT result, but the guest reported an error (${describeGuest(value)})`);
  }
  return { result: type === undefined ? null : lift(type, value, 'result') };
}

/** One jco value -> JSON. Throws `ValueError`. */
export function fromGuestValue(type: WitType, value: unknown, path = ''): unknown {
  return lift(type, value, path);
}

function lift(type: WitType, value: unknown, path: string): unknown {
  const fail = (detail: string): never => {
    throw new ValueError(path, detail);
  };
  switch (type.kind) {
    case 'bool':
      return typeof value === 'boolean' ? value : fail(`expected boolean, got ${describeGuest(value)}`);
    case 's8':
    case 's16':
    case 's32':
    case 'u8':
    case 'u16':
    case 'u32': {
      const [min, max] = SMALL_INT_BOUNDS[type.kind];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        return fail(`expected an integer between ${min} and ${max}, got ${describeGuest(value)}`);
      }
      return value;
    }
    case 's64':
    case 'u64': {
      const [min, max] = BIG_BOUNDS[type.kind];
      let big: bigint;
      if (typeof value === 'bigint') big = value;
      else if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
      else return fail(`expected a BigInt between ${min} and ${max}, got ${describeGuest(value)}`);
      if (big < min || big > max) return fail(`expected a BigInt between ${min} and ${max}, got ${big}`);
      const n = Number(big);
      return Number.isSafeInteger(n) ? n : big.toString();
    }
    case 'f32':
    case 'f64':
      if (typeof value !== 'number') return fail(`expected number, got ${describeGuest(value)}`);
      return Number.isFinite(value) ? value : null;
    case 'char': {
      if (typeof value !== 'string') return fail(`expected string, got ${describeGuest(value)}`);
      const problem = charProblem(value);
      return problem === undefined ? value : fail(problem);
    }
    case 'string':
      return typeof value === 'string' ? value : fail(`expected string, got ${describeGuest(value)}`);
    case 'list': {
      if (Array.isArray(value)) return value.map((item, i) => lift(type.element, item, `${path}[${i}]`));
      if (isTypedArray(value)) {
        const out: unknown[] = [];
        for (let i = 0; i < value.length; i++) out.push(lift(type.element, value[i], `${path}[${i}]`));
        return out;
      }
      return fail(`expected array, got ${describeGuest(value)}`);
    }
    case 'tuple': {
      if (!Array.isArray(value)) return fail(`expected array, got ${describeGuest(value)}`);
      if (value.length !== type.types.length) return fail(`expected ${type.types.length} tuple items, got ${value.length}`);
      return type.types.map((t, i) => lift(t, value[i], `${path}[${i}]`));
    }
    case 'record': {
      if (!isObject(value)) return fail(`expected object, got ${describeGuest(value)}`);
      const out: Record<string, unknown> = {};
      for (const field of type.fields) {
        out[field.name] = lift(field.type, value[jsName(field.name)], childPath(path, field.name));
      }
      return out;
    }
    case 'variant':
      return liftTagged(type.cases, value, path);
    case 'enum':
      if (typeof value !== 'string' || !type.names.includes(value)) {
        return fail(`expected one of: ${type.names.join(', ')}, got ${describeGuest(value)}`);
      }
      return value;
    case 'option':
      if (optionUsesTagForm(type)) return liftTagged([{ name: 'none' }, { name: 'some', type: type.type }], value, path);
      return value === undefined || value === null ? null : lift(type.type, value, path);
    case 'result': {
      if (!isObject(value) || (value.tag !== 'ok' && value.tag !== 'err')) {
        return fail(`expected {tag: 'ok' | 'err', val}, got ${describeGuest(value)}`);
      }
      const tag = value.tag;
      const payloadType = tag === 'ok' ? type.ok : type.err;
      return { [tag]: payloadType === undefined ? null : lift(payloadType, value.val, childPath(path, tag)) };
    }
    case 'flags': {
      if (!isObject(value)) return fail(`expected an object of flag booleans, got ${describeGuest(value)}`);
      const set: string[] = [];
      for (const name of type.names) {
        const key = jsName(name);
        const flag = value[key];
        if (flag === true) set.push(name);
        else if (flag !== false && flag !== undefined) fail(`flag ${key} must be a boolean, got ${describeGuest(flag)}`);
      }
      return set;
    }
    case 'own':
    case 'borrow':
      return fail(`resource handles (${type.kind}<${type.resource}>) cannot be returned as JSON`);
    default:
      return fail(`unsupported WIT type ${JSON.stringify((type as { kind: unknown }).kind)}`);
  }
}

function liftTagged(cases: { name: string; type?: WitType }[], value: unknown, path: string): unknown {
  const names = cases.map((c) => c.name).join(', ');
  if (!isObject(value)) throw new ValueError(path, `expected {tag, val} with tag one of: ${names}, got ${describeGuest(value)}`);
  const chosen = cases.find((c) => c.name === value.tag);
  if (chosen === undefined) throw new ValueError(path, `tag must be one of: ${names}, got ${describeGuest(value.tag)}`);
  if (chosen.type === undefined) return { tag: chosen.name };
  return { tag: chosen.name, val: lift(chosen.type, value.val, childPath(path, 'val')) };
}

// ---------------------------------------------------------------------------------------------
// helpers

function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function hasOwn(value: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, key);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

type TypedArray = ArrayLike<number | bigint>;

function isTypedArray(value: unknown): value is TypedArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/** JSON type name of a value, for messages. */
function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value === undefined) return 'undefined';
  return typeof value;
}

/** Short description of a guest value, for messages. */
function describeGuest(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'array';
  if (isTypedArray(value)) return (value as object).constructor.name;
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `string ${JSON.stringify(value.slice(0, 40))}…` : `string ${JSON.stringify(value)}`;
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'bigint':
      return `bigint ${value}`;
    default:
      return typeof value;
  }
}
