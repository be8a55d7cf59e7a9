/**
 * A cursor over the component bytes: LEB128 integers, names and bounded
 * sub-ranges. Offsets are always absolute positions in the whole binary so
 * error messages point at the right byte. Nothing is ever copied.
 */
import { malformed } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
    /** Exclusive end of the range this reader may read. */
    readonly end: number,
  ) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  fail(what: string, at = this.pos): never {
    throw malformed(what, at);
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) this.fail(`unexpected end of data while reading ${what}`);
  }

  u8(what = 'a byte'): number {
    this.need(1, what);
    return this.bytes[this.pos++];
  }

  peek(what = 'a byte'): number {
    this.need(1, what);
    return this.bytes[this.pos];
  }

  /** Unsigned LEB128, at most 32 bits. */
  u32(what = 'an integer'): number {
    const start = this.pos;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.u8(what);
      if (shift === 28 && byte > 0x0f) this.fail(`${what} does not fit in 32 bits`, start);
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
    }
    return this.fail(`${what} is longer than 5 bytes`, start);
  }

  /** Unsigned LEB128 of up to 64 bits; only skipped (core limits), so precision does not matter. */
  u64(what = 'an integer'): number {
    const start = this.pos;
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const byte = this.u8(what);
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
    }
    return this.fail(`${what} is longer than 10 bytes`, start);
  }

  /** Signed LEB128 of up to 33 bits, used for type indices in value-type position. */
  s33(what = 'a type index'): number {
    const start = this.pos;
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      if (shift >= 35) this.fail(`${what} is longer than 5 bytes`, start);
      byte = this.u8(what);
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    if (byte & 0x40) result -= 2 ** shift;
    return result;
  }

  /** A length-prefixed UTF-8 string. */
  name(what = 'a name'): string {
    const start = this.pos;
    const len = this.u32(`the length of ${what}`);
    this.need(len, what);
    const from = this.pos;
    this.pos += len;
    try {
      return utf8.decode(this.bytes.subarray(from, this.pos));
    } catch {
      return this.fail(`${what} is not valid UTF-8`, start);
    }
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }

  /** A vector: u32 count, then `count` items read by `item`. */
  vec<T>(what: string, item: (i: number) => T): T[] {
    const count = this.u32(`the number of ${what}`);
    // Every item takes at least one byte, so a count beyond the remaining
    // bytes is garbage; refuse it before allocating anything.
    if (count > this.end - this.pos) this.fail(`${count} ${what} declared but only ${this.end - this.pos} bytes remain`);
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(item(i));
    return out;
  }

  /** A reader over the next `size` bytes; this reader moves past them. */
  sub(size: number, what: string): Reader {
    if (this.pos + size > this.end) {
      const limit = this.end === this.bytes.length ? 'the end of the file' : 'the end of its enclosing section';
      this.fail(`${what} of ${size} bytes extends past ${limit} (${this.end - this.pos} bytes left)`);
    }
    const r = new Reader(this.bytes, this.pos, this.pos + size);
    this.pos += size;
    return r;
  }
}
