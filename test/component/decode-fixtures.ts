/** Helpers for the decoder tests: WAT fixtures compiled at test time, and custom sections. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import type { ComponentInfo, ExportedFunction, PrimitiveKind, WitType } from '../../src/component/wit-types.js';

/** Repository root: compiled tests live in dist/test/component/. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const cache = new Map<string, Promise<Uint8Array>>();

/** Component bytes built from test/fixtures/wat/<name>.wat. */
export function fixture(name: string): Promise<Uint8Array> {
  let bytes = cache.get(name);
  if (!bytes) {
    bytes = parse(readFileSync(join(repoRoot, 'test/fixtures/wat', `${name}.wat`), 'utf8'));
    cache.set(name, bytes);
  }
  return bytes;
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** Appends a custom section (id 0, size, name, payload) to a component. */
export function withCustomSection(bytes: Uint8Array, name: string, payload: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const body = [...leb(nameBytes.length), ...nameBytes, ...payload];
  return new Uint8Array([...bytes, 0, ...leb(body.length), ...body]);
}

/** A `package-docs` payload: version byte 1, then the JSON. */
export function packageDocs(json: unknown, version = 1): Uint8Array {
  return new Uint8Array([version, ...new TextEncoder().encode(typeof json === 'string' ? json : JSON.stringify(json))]);
}

export function fn(info: ComponentInfo, name: string, iface?: string): ExportedFunction {
  const found = info.functions.find((f) => f.name === name && f.interface === iface);
  if (!found) throw new Error(`no function ${iface ? `${iface}#` : ''}${name} among ${info.functions.map((f) => f.name).join(', ')}`);
  return found;
}

export const P = (kind: PrimitiveKind): WitType => ({ kind });
