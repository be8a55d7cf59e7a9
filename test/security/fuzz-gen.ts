/**
 * Generator of malformed and hostile MCP messages for the fuzz suite.
 * Deterministic for a seed (mulberry32), so a failure can be replayed with
 * TAPEDECK_FUZZ_SEED=<seed>.
 *
 * Every message says whether the server owes an answer: a request whose id
 * is a string or an integer must get exactly one response with that id
 * (result, JSON-RPC error, or a tool error); anything else must get a
 * JSON-RPC error (usually with `id: null`), except notifications and
 * responses (`silent`), which may get nothing; never a crash.
 */

export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzTool {
  name: string;
  inputSchema: Record<string, unknown>;
}

export interface FuzzMessage {
  kind: string;
  /** The bytes to send (one line: no raw newline inside). */
  body: Buffer;
  /** The id the server must answer, when it owes an answer under that id. */
  id?: string | number;
  /** A notification or a response: the server may answer nothing (or an error). */
  silent?: true;
}

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)];
const int = (rng: Rng, max: number) => Math.floor(rng() * max);

const UNICODE = [
  '\u0000', '\ud800', '\udfff', '\ud83d\ude00', '\u202e', '\ufeff', '\uffff', '\ufffe', '\u0301\u0301\u0301', '\u200b', '\u2028', '\u2029',
  'ａｄｄ', 'аdd', 'e\u0301', '\u{10ffff}', '𝕏', '\\', '"', '\u007f', '\u0085', 'ß', 'İ', '\u00a0', '\t', '\r',
];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
const METHODS = [
  'tools/call', 'tools/list', 'initialize', 'ping', 'resources/list', 'resources/read', 'resources/templates/list', 'prompts/list', 'prompts/get',
  'completion/complete', 'logging/setLevel', 'notifications/initialized', 'notifications/cancelled', 'server/discover', 'tasks/get',
];

function unicodeString(rng: Rng, length = 1 + int(rng, 12)): string {
  let out = '';
  for (let i = 0; i < length; i++) out += rng() < 0.6 ? pick(rng, UNICODE) : String.fromCharCode(32 + int(rng, 95));
  return out;
}

function junkValue(rng: Rng, depth = 0): unknown {
  switch (int(rng, depth > 3 ? 8 : 11)) {
    case 0: return null;
    case 1: return rng() < 0.5;
    case 2: return pick(rng, [0, -1, 1.5, -0, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 63), 1e308, -1e-308, 4294967295, 4294967296, 65536, 256]);
    case 3: return unicodeString(rng);
    case 4: return '';
    case 5: return String(int(rng, 1000));
    case 6: return pick(rng, ['NaN', 'Infinity', '-1', '1e3', '0x10', 'true', 'null', '[]', '{}']);
    case 7: return 'x'.repeat(int(rng, 300));
    case 8: return Array.from({ length: int(rng, 4) }, () => junkValue(rng, depth + 1));
    case 9: {
      const o: Record<string, unknown> = {};
      for (let i = int(rng, 4); i > 0; i--) o[rng() < 0.3 ? pick(rng, PROTO_KEYS) : unicodeString(rng, 3)] = junkValue(rng, depth + 1);
      return o;
    }
    default: return { [pick(rng, PROTO_KEYS)]: { polluted: true } };
  }
}

/** A value for a JSON Schema: valid most of the time, else a nearby invalid one. */
function valueFor(rng: Rng, schema: Record<string, unknown> | undefined, depth = 0): unknown {
  if (!schema || depth > 6) return junkValue(rng, 3);
  if (rng() < 0.15) return junkValue(rng, 2);
  const type = schema.type;
  if (Array.isArray(schema.enum)) return rng() < 0.85 ? pick(rng, schema.enum) : unicodeString(rng);
  if (Array.isArray(schema.oneOf) || Array.isArray(schema.anyOf)) {
    const options = (schema.oneOf ?? schema.anyOf) as Record<string, unknown>[];
    return valueFor(rng, pick(rng, options), depth + 1);
  }
  switch (type) {
    case 'integer': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -(2 ** 31);
      const max = typeof schema.maximum === 'number' ? schema.maximum : 2 ** 31;
      return pick(rng, [min, max, min - 1, max + 1, 0, Math.floor(min + rng() * Math.min(1e6, max - min)), 1.5, -1]);
    }
    case 'number':
      return pick(rng, [0, -0, 1.5, -2.25, 1e308, -1e308, 5e-324, 3.4028235e38, 3.5e38]);
    case 'string': {
      if (typeof schema.maxLength === 'number' && schema.maxLength <= 2) return rng() < 0.7 ? pick(rng, ['a', 'é', '😀', '\ud800', '']) : 'ab';
      return rng() < 0.5 ? unicodeString(rng) : pick(rng, ['add 1 2', 'negate 3', 'noop', 'rw-', '', 'x'.repeat(int(rng, 2000))]);
    }
    case 'boolean':
      return rng() < 0.8 ? rng() < 0.5 : 'true';
    case 'null':
      return null;
    case 'array': {
      const items = schema.items as Record<string, unknown> | Record<string, unknown>[] | undefined;
      if (Array.isArray(items)) return items.map((s) => valueFor(rng, s, depth + 1));
      return Array.from({ length: int(rng, 6) }, () => valueFor(rng, items, depth + 1));
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      for (const [key, sub] of Object.entries(properties)) if (rng() < 0.9) out[key] = valueFor(rng, sub, depth + 1);
      if (rng() < 0.1) out[rng() < 0.5 ? pick(rng, PROTO_KEYS) : unicodeString(rng, 4)] = junkValue(rng, 2);
      return out;
    }
    default:
      return junkValue(rng, 2);
  }
}

function nested(depth: number, open: string, close: string, inner = '1'): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

function toBody(text: string): Buffer {
  // One message per line: stdio frames by newline. JSON.stringify never emits raw newlines.
  return Buffer.from(text.replace(/[\r\n]/g, ' '), 'utf8');
}

let counter = 0;

/** One fuzz message. `tools` are the server's real tools (from tools/list). */
export function fuzzMessage(rng: Rng, tools: FuzzTool[], options: { hugeBytes: number }): FuzzMessage {
  const id = 500_000 + counter++;
  const request = (method: string, params?: unknown, extra: Record<string, unknown> = {}) =>
    toBody(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }), ...extra }));
  const roll = rng();

  // ---------------------------------------------------------------- broken JSON (15%)
  if (roll < 0.15) {
    const valid = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: pick(rng, tools).name, arguments: {} } });
    const variants: (() => Buffer)[] = [
      () => toBody(valid.slice(0, 1 + int(rng, valid.length - 1))),
      () => toBody(`${valid}${pick(rng, ['}', ']', ',', 'x', '{}', ' garbage'])}`),
      () => toBody(valid.replace(/"/g, "'")),
      () => toBody(valid.replace('}', ',}')),
      () => toBody(`// comment\n${valid}`),
      () => toBody(valid.replace(`"id":${id}`, '"id":NaN')),
      () => toBody(pick(rng, ['{', '[', '}', ']', '"', 'nul', 'tru', '{"jsonrpc":"2.0",', '{"a":}', '{,}', '[1,]', '01', '1e', '-', '\u0000'])),
      () => Buffer.from(Array.from({ length: 1 + int(rng, 200) }, () => (32 + int(rng, 224)) % 256).filter((b) => b !== 10 && b !== 13)),
      () => Buffer.concat([Buffer.from(`{"jsonrpc":"2.0","id":${id},"method":"`), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0xbc]), Buffer.from('"}')]),
      () => toBody(nested(5000 + int(rng, 5000), '[', '')),
      () => toBody(`\ufeff${valid}`),
    ];
    return { kind: 'broken-json', body: pick(rng, variants)() };
  }

  // ---------------------------------------------------------------- wrong JSON-RPC shapes (20%)
  if (roll < 0.35) {
    const method = pick(rng, METHODS);
    const variants: (() => FuzzMessage)[] = [
      () => ({ kind: 'shape:no-jsonrpc', body: toBody(JSON.stringify({ id, method })) }),
      () => ({ kind: 'shape:jsonrpc-version', body: toBody(JSON.stringify({ jsonrpc: pick(rng, ['1.0', '2', 2, null, '2.0 ', '3.0']), id, method })) }),
      () => ({ kind: 'shape:id-type', body: toBody(JSON.stringify({ jsonrpc: '2.0', id: pick(rng, [{ a: 1 }, [1], true, 1.5, null, -0.5, { __proto__: 1 }]), method: 'ping' })) }),
      () => ({ kind: 'shape:long-id', body: request('ping', undefined, { id: `i${id}-${'x'.repeat(int(rng, 100_000))}` }), id: undefined }),
      () => ({ kind: 'shape:method-type', body: toBody(JSON.stringify({ jsonrpc: '2.0', id, method: junkValue(rng, 4) ?? 7 })) }),
      () => ({ kind: 'shape:params-type', body: toBody(JSON.stringify({ jsonrpc: '2.0', id, method, params: pick(rng, ['x', 7, true, [1, 2], []]) })) }),
      () => ({ kind: 'shape:batch', body: toBody(JSON.stringify(pick(rng, [[], [{ jsonrpc: '2.0', id, method: 'ping' }], [1, 2], [{}], [[]]]))) }),
      () => ({ kind: 'shape:scalar', body: toBody(JSON.stringify(pick(rng, ['str', 42, true, null, 1e999]))) }),
      () => ({ kind: 'shape:response', body: toBody(JSON.stringify({ jsonrpc: '2.0', id, result: junkValue(rng, 2) ?? {} })), silent: true }),
      () => ({ kind: 'shape:error-response', body: toBody(JSON.stringify({ jsonrpc: '2.0', id, error: pick(rng, [{}, { code: 'x' }, { code: -32000, message: 'boom' }, null]) })), silent: true }),
      () => ({ kind: 'shape:both', body: toBody(JSON.stringify({ jsonrpc: '2.0', id, method: 'ping', result: {}, error: {} })) }),
      () => ({ kind: 'shape:notification-junk', body: toBody(JSON.stringify({ jsonrpc: '2.0', method: pick(rng, ['notifications/cancelled', 'notifications/progress', 'notifications/initialized', 'notifications/roots/list_changed']), params: junkValue(rng, 2) })), silent: true }),
      () => ({ kind: 'shape:empty-object', body: toBody('{}') }),
      () => ({ kind: 'shape:proto', body: toBody(`{"jsonrpc":"2.0","id":${id},"method":"ping","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`), id }),
      () => ({ kind: 'shape:params-null', body: toBody(JSON.stringify({ jsonrpc: '2.0', id, method, params: null })) }),
    ];
    const message = pick(rng, variants)();
    return message;
  }

  // ---------------------------------------------------------------- tool arguments (35%)
  if (roll < 0.7) {
    const tool = pick(rng, tools);
    const variants: (() => unknown)[] = [
      () => ({ name: tool.name, arguments: valueFor(rng, tool.inputSchema) }),
      () => ({ name: tool.name, arguments: valueFor(rng, tool.inputSchema) }),
      () => ({ name: tool.name, arguments: valueFor(rng, tool.inputSchema) }),
      () => ({ name: tool.name }),
      () => ({ name: tool.name, arguments: junkValue(rng, 1) }),
      () => ({ name: tool.name, arguments: pick(rng, [[], 'x', 1, null, true]) }),
      () => ({ arguments: valueFor(rng, tool.inputSchema) }),
      () => ({ name: junkValue(rng, 2), arguments: {} }),
      () => ({ name: tool.name, arguments: valueFor(rng, tool.inputSchema), _meta: junkValue(rng, 1) }),
      () => ({ name: tool.name, arguments: { ...(valueFor(rng, tool.inputSchema) as object), [pick(rng, PROTO_KEYS)]: { polluted: true } } }),
      () => ({ name: `${tool.name}${pick(rng, [' ', '\u0000', '\u200b', 'x', '/', '.'])}`, arguments: {} }),
      () => ({ name: tool.name.toUpperCase(), arguments: {} }),
    ];
    return { kind: 'tool-arguments', body: request('tools/call', pick(rng, variants)()), id };
  }

  // ---------------------------------------------------------------- huge and deeply nested (10%)
  if (roll < 0.8) {
    const echo = tools.find((t) => t.name === 'echo');
    const variants: (() => FuzzMessage)[] = [
      () => ({ kind: 'huge:string-arg', body: request('tools/call', { name: echo?.name ?? 'echo', arguments: { text: 'y'.repeat(Math.floor(options.hugeBytes * (0.2 + rng() * 0.6))) } }), id }),
      () => ({ kind: 'huge:over-limit', body: request('tools/call', { name: 'echo', arguments: { text: 'z'.repeat(options.hugeBytes + 1024) } }) }),
      () => ({ kind: 'huge:deep-args', body: toBody(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"text":${nested(1000 + int(rng, 50_000), '[', ']')}}}}`), id }),
      () => ({ kind: 'huge:deep-params', body: toBody(`{"jsonrpc":"2.0","id":${id},"method":"tools/list","params":{"cursor":${nested(1000 + int(rng, 50_000), '{"a":', '}')}}}`), id }),
      () => ({ kind: 'huge:deep-meta', body: toBody(`{"jsonrpc":"2.0","id":${id},"method":"ping","params":{"_meta":${nested(1000 + int(rng, 20_000), '{"a":', '}')}}}`), id }),
      () => {
        const args: Record<string, number> = {};
        for (let i = 0; i < 20_000 + int(rng, 50_000); i++) args[`k${i}`] = i;
        return { kind: 'huge:many-keys', body: request('tools/call', { name: pick(rng, tools).name, arguments: args }), id };
      },
      () => ({ kind: 'huge:long-method', body: request(`m${'x'.repeat(100_000 + int(rng, 500_000))}`), id }),
      () => ({ kind: 'huge:long-tool-name', body: request('tools/call', { name: 'n'.repeat(100_000), arguments: {} }), id }),
      () => ({ kind: 'huge:long-array', body: request('tools/call', { name: 'local_calculator_calculator_sum_u64', arguments: { values: Array.from({ length: 50_000 + int(rng, 100_000) }, (_, i) => i) } }), id }),
    ];
    return pick(rng, variants)();
  }

  // ---------------------------------------------------------------- unicode (10%)
  if (roll < 0.9) {
    const variants: (() => FuzzMessage)[] = [
      () => ({ kind: 'unicode:echo', body: request('tools/call', { name: 'echo', arguments: { text: unicodeString(rng, 1 + int(rng, 200)) } }), id }),
      () => ({ kind: 'unicode:escaped-surrogates', body: toBody(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"text":"a\\ud800b\\udc00\\udfff\\u0000"}}}`), id }),
      () => ({ kind: 'unicode:tool-name', body: request('tools/call', { name: unicodeString(rng, 5), arguments: {} }), id }),
      () => ({ kind: 'unicode:method', body: request(unicodeString(rng, 6)), id }),
      () => ({ kind: 'unicode:keys', body: request('tools/call', { name: 'echo', arguments: { [unicodeString(rng, 3)]: 'v', text: 'ok' } }), id }),
      () => ({ kind: 'unicode:char-arg', body: request('tools/call', { name: 'local_calculator_calculator_char_code', arguments: { c: pick(rng, ['😀', '\ud800', 'ab', '', 'e\u0301', '\u0000', '\udfff']) } }), id }),
      () => ({ kind: 'unicode:raw-invalid-utf8', body: Buffer.concat([Buffer.from(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"text":"`), Buffer.from([0xc3, 0x28, 0xe2, 0x82, 0xf0, 0x9f, 0x98, 0xed, 0xa0, 0x80, 0xff]), Buffer.from('"}}}')]), id }),
    ];
    return pick(rng, variants)();
  }

  // ---------------------------------------------------------------- unknown tools and methods (10%)
  const variants: (() => FuzzMessage)[] = [
    () => ({ kind: 'unknown:tool', body: request('tools/call', { name: pick(rng, ['nope', 'load-component-x', 'ADD', '', '_', 'a'.repeat(129), 'grant_storage_permission', '../echo']), arguments: {} }), id }),
    () => ({ kind: 'unknown:method', body: request(pick(rng, ['nope', 'rpc.discover', '', '/', 'tools/', 'tools/call/x', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'sampling/createMessage', 'roots/list', 'elicitation/create'])), id }),
    () => ({ kind: 'unknown:resource', body: request('resources/read', { uri: pick(rng, ['file:///etc/passwd', 'x', '', 'http://127.0.0.1/', '../../etc/passwd']) }), id }),
    () => ({ kind: 'unknown:prompt', body: request('prompts/get', { name: unicodeString(rng, 4), arguments: junkValue(rng, 2) }), id }),
    () => ({ kind: 'known:method-junk-params', body: request(pick(rng, METHODS), junkValue(rng, 1) ?? {}), id }),
    () => ({ kind: 'known:builtin-junk', body: request('tools/call', { name: pick(rng, ['get-policy', 'list-components']), arguments: junkValue(rng, 1) }), id }),
  ];
  return pick(rng, variants)();
}

/** Whether `id` may be answered under that id (JSON-RPC/MCP request ids are strings or integers). */
export function answerableId(id: unknown): id is string | number {
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id));
}
