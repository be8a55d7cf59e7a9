import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { limitModuleMemory, bytesToPages } from '../../src/sandbox/memory-limit.js';

const growModule = (memory: string) => `(module
  (memory (export "mem") ${memory})
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`;

async function instantiate(bytes: Uint8Array) {
  const { instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>);
  return instance.exports as { grow: (pages: number) => number; mem: WebAssembly.Memory };
}

test('caps a memory without a declared maximum', async () => {
  const original = await parse(growModule('1'));
  const { bytes, memories } = limitModuleMemory(original, 4);
  assert.equal(memories, 1);
  const exports = await instantiate(bytes);
  assert.equal(exports.grow(3), 1, 'growing to exactly the cap succeeds and returns the old size');
  assert.equal(exports.grow(1), -1, 'growing past the cap fails');
  assert.equal(exports.mem.buffer.byteLength, 4 * 65536);
});

test('keeps a smaller declared maximum', async () => {
  const { bytes } = limitModuleMemory(await parse(growModule('1 2')), 10);
  const exports = await instantiate(bytes);
  assert.equal(exports.grow(2), -1);
  assert.equal(exports.grow(1), 1);
});

test('an initial size above the cap is reported and kept instantiable', async () => {
  const { bytes, initialExceeds } = limitModuleMemory(await parse(growModule('8')), 4);
  assert.equal(initialExceeds, true);
  const exports = await instantiate(bytes);
  assert.equal(exports.grow(1), -1);
});

test('a module without memory is returned unchanged', async () => {
  const original = await parse('(module (func (export "f")))');
  const result = limitModuleMemory(original, 4);
  assert.equal(result.memories, 0);
  assert.equal(result.bytes, original);
});

test('rejects bytes that are not a core module', () => {
  assert.throws(() => limitModuleMemory(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 4), /not a core WebAssembly module/);
});

test('bytesToPages rounds down and never returns zero', () => {
  assert.equal(bytesToPages(512 * 1024 * 1024), 8192);
  assert.equal(bytesToPages(100), 1);
  assert.equal(bytesToPages(65536 * 3 + 5), 3);
});
