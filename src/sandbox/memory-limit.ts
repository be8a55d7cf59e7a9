/**
 * Caps the linear memory a core WebAssembly module may grow to, by rewriting
 * the maximum of every memory it *defines* in its memory section.
 *
 * Hand-written because no library does this small binary edit: V8 enforces a
 * declared maximum (memory.grow returns -1, allocators report out-of-memory),
 * while worker heap limits do not bound WebAssembly memory at all. Memories
 * that a module imports are bounded where they are defined.
 */

const WASM_PAGE = 65536;

class Cursor {
  constructor(readonly bytes: Uint8Array, public pos = 0) {}
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.bytes[this.pos++];
      if (byte === undefined) throw new Error('unexpected end of module');
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new Error('LEB128 value too long');
    }
  }
  u64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = this.bytes[this.pos++];
      if (byte === undefined) throw new Error('unexpected end of module');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new Error('LEB128 value too long');
    }
  }
}

function leb(value: number | bigint): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

export function bytesToPages(bytes: number): number {
  return Math.max(1, Math.floor(bytes / WASM_PAGE));
}

/**
 * Returns a copy of `module` whose defined memories have a maximum of at most
 * `maxPages` pages. A memory whose initial size already exceeds the cap keeps
 * its initial size as maximum (it could not be instantiated otherwise); the
 * caller learns this through `initialExceeds`.
 */
export function limitModuleMemory(
  module: Uint8Array,
  maxPages: number,
): { bytes: Uint8Array; memories: number; initialExceeds: boolean } {
  if (module[0] !== 0 || module[1] !== 0x61 || module[2] !== 0x73 || module[3] !== 0x6d) {
    throw new Error('not a core WebAssembly module');
  }
  const cursor = new Cursor(module, 8);
  while (cursor.pos < module.length) {
    const sectionStart = cursor.pos;
    const id = module[cursor.pos++];
    const size = cursor.u32();
    const bodyStart = cursor.pos;
    const bodyEnd = bodyStart + size;
    if (id !== 5) {
      cursor.pos = bodyEnd;
      continue;
    }
    const count = cursor.u32();
    const entries: number[] = [];
    let initialExceeds = false;
    entries.push(...leb(count));
    for (let i = 0; i < count; i++) {
      const flags = cursor.u32();
      const is64 = (flags & 0x04) !== 0;
      const initial = is64 ? cursor.u64() : BigInt(cursor.u32());
      const hasMax = (flags & 0x01) !== 0;
      const declaredMax = hasMax ? (is64 ? cursor.u64() : BigInt(cursor.u32())) : undefined;
      let max = BigInt(maxPages);
      if (declaredMax !== undefined && declaredMax < max) max = declaredMax;
      if (initial > max) {
        initialExceeds = true;
        max = initial;
      }
      entries.push(...leb(flags | 0x01), ...leb(initial), ...leb(max));
    }
    if (cursor.pos !== bodyEnd) throw new Error('malformed memory section');
    const body = Uint8Array.from(entries);
    const header = Uint8Array.from([5, ...leb(body.length)]);
    const out = new Uint8Array(sectionStart + header.length + body.length + (module.length - bodyEnd));
    out.set(module.subarray(0, sectionStart), 0);
    out.set(header, sectionStart);
    out.set(body, sectionStart + header.length);
    out.set(module.subarray(bodyEnd), sectionStart + header.length + body.length);
    return { bytes: out, memories: count, initialExceeds };
  }
  return { bytes: module, memories: 0, initialExceeds: false };
}
