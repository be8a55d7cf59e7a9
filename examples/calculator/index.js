export const calculator = {
  add(a, b) {
    return (a + b) | 0;
  },
  divide(a, b) {
    if (b === 0) throw 'division by zero';
    return a / b;
  },
  sumU64(values) {
    let total = 0n;
    for (const v of values) total += BigInt(v);
    return BigInt.asUintN(64, total);
  },
  centroid(points) {
    if (points.length === 0) return undefined;
    let x = 0;
    let y = 0;
    for (const p of points) {
      x += p.x;
      y += p.y;
    }
    return { x: x / points.length, y: y / points.length };
  },
  classify(n) {
    // componentize-js 0.23 hands s64 arguments over as their unsigned value
    // (-5 arrives as 2^64 - 5): reinterpret them as signed.
    const v = BigInt.asIntN(64, BigInt(n));
    return v < 0n ? 'negative' : v === 0n ? 'zero' : 'positive';
  },
  parseOp(text) {
    const parts = text.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) throw { tag: 'empty' };
    switch (parts[0]) {
      case 'add':
        return { tag: 'add', val: [Number(parts[1] ?? 0), Number(parts[2] ?? 0)] };
      case 'negate':
        return { tag: 'negate', val: Number(parts[1] ?? 0) };
      case 'noop':
        return { tag: 'noop' };
      default:
        throw { tag: 'unknown-operator', val: parts[0] };
    }
  },
  describe(p) {
    return `${p.read ? 'r' : '-'}${p.write ? 'w' : '-'}${p.execute ? 'x' : '-'}`;
  },
  charCode(c) {
    return c.codePointAt(0);
  },
  clampU8(v) {
    return Math.min(255, v);
  },
  bits(x, y, z) {
    return [x + y, z * 2];
  },
  scale(v, k) {
    return Math.fround(v * k);
  },
  isEven(n) {
    return n % 2 === 0;
  },
  maximum(values) {
    return values.length === 0 ? undefined : Math.max(...values);
  },
  permissionsOf(mode) {
    return { read: mode.includes('r'), write: mode.includes('w'), execute: mode.includes('x') };
  },
  charAt(text, index) {
    const chars = [...text];
    if (index >= chars.length) throw `index ${index} is past the end (${chars.length} characters)`;
    return chars[index];
  },
  negateAll(values) {
    return values.map((v) => BigInt.asIntN(64, -BigInt(v)));
  },
  narrow(n) {
    const v = BigInt(n);
    return {
      asS8: Number(BigInt.asIntN(8, v)),
      asS16: Number(BigInt.asIntN(16, v)),
      asS32: Number(BigInt.asIntN(32, v)),
      asU8: Number(BigInt.asUintN(8, v)),
      asU16: Number(BigInt.asUintN(16, v)),
      asU32: Number(BigInt.asUintN(32, v)),
      fitsU8: v >= 0n && v <= 255n,
    };
  },
  toHex(b, upper) {
    const hex = b.toString(16).padStart(2, '0');
    return upper ? hex.toUpperCase() : hex;
  },
  apply(op) {
    switch (op.tag) {
      case 'add':
        return op.val[0] + op.val[1];
      case 'negate':
        return -op.val;
      default:
        return 0;
    }
  },
  opposite(s) {
    return s === 'negative' ? 'positive' : s === 'positive' ? 'negative' : 'zero';
  },
  orDefault(value, fallback) {
    return value === undefined ? fallback : value;
  },
  unwrapOr(r, fallback) {
    return r.tag === 'ok' ? r.val : fallback;
  },
  swap(pair) {
    return [pair[1], pair[0]];
  },
  midpoint(a, b) {
    return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  },
};

export function version() {
  return '0.1.0';
}
