import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { ComponentDecodeError, decodeComponent } from '../../src/component/decode/index.js';
import { fixture } from './decode-fixtures.js';

function decodeError(bytes: Uint8Array): ComponentDecodeError {
  try {
    decodeComponent(bytes);
  } catch (e) {
    assert.ok(e instanceof ComponentDecodeError, `expected a ComponentDecodeError, got ${String(e)}`);
    return e;
  }
  assert.fail('decoding succeeded');
}

const MALFORMED = /^malformed component: .+ at byte offset (\d+)$/;

test('a core module is refused with instructions for making a component', async () => {
  const core = await parse('(module (memory 1) (func (export "run")))');
  const e = decodeError(core);
  assert.equal(e.code, 'core-module');
  assert.match(e.message, /^this is a core WebAssembly module, not a component: /);
  assert.match(e.message, /`wasm-tools component new module\.wasm -o component\.wasm`/);
  assert.match(e.message, /--adapt wasi_snapshot_preview1\.reactor\.wasm/);
  assert.match(e.message, /jco componentize/);
});

test('bytes that are not WebAssembly are refused as not-wasm', () => {
  const elf = decodeError(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
  assert.equal(elf.code, 'not-wasm');
  assert.equal(
    elf.message,
    'not a WebAssembly binary (expected the \\0asm magic): the file starts with 7f 45 4c 46 instead of 00 61 73 6d; pass a compiled WebAssembly component (.wasm)',
  );

  const empty = decodeError(new Uint8Array());
  assert.equal(empty.code, 'not-wasm');
  assert.match(empty.message, /^not a WebAssembly binary \(expected the \\0asm magic\): the file is empty; /);

  const wat = decodeError(new TextEncoder().encode('(component\n  (export "f" (func 0)))'));
  assert.equal(wat.code, 'not-wasm');
  assert.match(wat.message, /looks like WebAssembly text \(WAT\); compile it first with `wasm-tools parse/);
});

test('other component binary versions are refused as unsupported-version', async () => {
  const bytes = new Uint8Array(await fixture('decode-shim'));
  bytes[4] = 0x0c;
  const e = decodeError(bytes);
  assert.equal(e.code, 'unsupported-version');
  assert.match(e.message, /unsupported component binary version 0x0c \(this tapedeck reads version 0x0d\); rebuild/);
});

test('truncated components are malformed, with the byte offset', async () => {
  const bytes = await fixture('decode-all-types');
  const e = decodeError(bytes.subarray(0, 6));
  assert.equal(e.code, 'malformed');
  assert.equal(e.message, 'malformed component: the file ends inside the preamble (6 bytes) at byte offset 6');

  // Cut inside the first section: its declared size runs past the end.
  const cut = decodeError(bytes.subarray(0, 20));
  assert.equal(cut.code, 'malformed');
  assert.match(cut.message, /^malformed component: the type section of \d+ bytes extends past the end of the file \(10 bytes left\) at byte offset 10$/);

  // Every other cut either ends on a section boundary (a smaller, valid
  // component) or is reported as malformed at an offset inside the input.
  let malformed = 0;
  for (let n = 8; n < bytes.length; n++) {
    try {
      decodeComponent(bytes.subarray(0, n));
    } catch (err) {
      assert.ok(err instanceof ComponentDecodeError && err.code === 'malformed', `cut at ${n}: ${String(err)}`);
      const offset = Number(MALFORMED.exec(err.message)?.[1]);
      assert.ok(offset <= n, `cut at ${n}: ${err.message}`);
      malformed++;
    }
  }
  assert.ok(malformed > bytes.length / 2);
});

test('garbage after the preamble is malformed, never a crash', async () => {
  const bytes = await fixture('decode-all-types');
  // An unknown section id.
  const unknown = decodeError(new Uint8Array([...bytes.subarray(0, 8), 0x30, 0x01, 0x00]));
  assert.equal(unknown.message, 'malformed component: unknown section id 48 at byte offset 8');
  // A type section whose type index points nowhere.
  const badIndex = decodeError(new Uint8Array([...bytes.subarray(0, 8), 0x07, 0x03, 0x01, 0x70, 0x05]));
  assert.equal(badIndex.message, 'malformed component: type index 5 is out of range (0 types defined) at byte offset 12');

  // Random corruption: flip bytes across the component (deterministically).
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 500; i++) {
    const copy = new Uint8Array(bytes);
    for (let j = 0; j < 3; j++) copy[8 + Math.floor(random() * (copy.length - 8))] = Math.floor(random() * 256);
    try {
      decodeComponent(copy);
    } catch (err) {
      assert.ok(err instanceof ComponentDecodeError && err.code === 'malformed', String(err));
      assert.match(err.message, MALFORMED);
    }
  }
});

test('a large core module is skipped by size, never parsed', async () => {
  const shim = await fixture('decode-shim');
  // A core module section of 12 MB whose body is garbage after the preamble:
  // decoding only succeeds if the decoder skips core modules by their size.
  const size = 12 * 1024 * 1024;
  const core = new Uint8Array(size).fill(0xff);
  core.set([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const header = [0x01, 0x80 | (size & 0x7f), 0x80 | ((size >> 7) & 0x7f), 0x80 | ((size >> 14) & 0x7f), size >> 21];
  const big = new Uint8Array(shim.length + header.length + size);
  big.set(shim.subarray(0, 8));
  big.set(header, 8);
  big.set(core, 8 + header.length);
  big.set(shim.subarray(8), 8 + header.length + size);

  const info = decodeComponent(big);
  assert.deepEqual(info.functions.map((f) => f.name), ['now', 'add', 'centroid']);
});

/** Unsigned / signed LEB128. */
const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    const b = n & 0x7f;
    n >>>= 7;
    out.push(n ? b | 0x80 : b);
  } while (n);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};
const PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

test('hostile nesting is refused without exhausting the stack', () => {
  // 2000 types, each a list of the previous one, and a function taking the last.
  const depth = 2000;
  const types: number[] = [0x70, 0x7d]; // list<u8>
  for (let i = 1; i < depth; i++) types.push(0x70, ...sleb(i - 1));
  types.push(0x40, 0x01, 0x01, 0x78 /* "x" */, ...sleb(depth - 1), 0x01, 0x00);
  const bytes = new Uint8Array([
    ...PREAMBLE,
    ...section(7, [...uleb(depth + 1), ...types]),
    ...section(10, [0x01, 0x00, 0x01, 0x66, 0x01, ...uleb(depth)]), // import "f" (func (type depth))
    ...section(11, [0x01, 0x00, 0x01, 0x66, 0x01, 0x00, 0x00]), // export "f" (func 0)
  ]);
  const info = decodeComponent(bytes);
  assert.deepEqual(info.functions, []);
  assert.deepEqual(info.unsupported, [{ name: 'f', reason: 'its types are nested more than 100 levels deep (parameter "x")' }]);

  // Component types nested 500 deep.
  const nested: number[] = [];
  for (let i = 0; i < 500; i++) nested.push(0x41, 0x01, 0x01);
  nested.push(0x41, 0x00);
  const e = decodeError(new Uint8Array([...PREAMBLE, ...section(7, [0x01, ...nested])]));
  assert.equal(e.code, 'malformed');
  assert.match(e.message, /^malformed component: components and types are nested more than 100 levels deep at byte offset \d+$/);
});
