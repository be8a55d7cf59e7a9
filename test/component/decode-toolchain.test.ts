import { test } from 'node:test';
import assert from 'node:assert/strict';
import { componentEmbed, componentNew } from '@bytecodealliance/jco-transpile/wasm-tools';
import { decodeComponent } from '../../src/component/decode/index.js';
import type { WitType } from '../../src/component/wit-types.js';
import { fn, P } from './decode-fixtures.js';

// Real wit-component output: a dummy core module for this world, made into a
// component the way `wasm-tools component new` does it.
const WIT = `
package local:rich@0.2.0;

interface shapes {
  record point { x: f64, y: f64 }
  enum color { red, green, blue }
  flags perms { read, write, exec }
  variant shape { circle(f64), square(point), none }
  describe: func(s: shape, c: color, p: perms) -> tuple<u8, string>;
  resource counter {
    constructor(start: u32);
    get: func() -> u32;
  }
  bump: func(c: borrow<counter>) -> u32;
}

world rich {
  import wasi:clocks/wall-clock@0.2.3;
  record pair { left: string, right: option<s64> }
  export shapes;
  export swap: func(p: pair) -> pair;
  export stats: func(xs: list<f32>) -> result<tuple<f32, f32>, string>;
}

package wasi:clocks@0.2.3 {
  interface wall-clock {
    record datetime { seconds: u64, nanoseconds: u32 }
    now: func() -> datetime;
  }
}
`;

test('wit-component output: shim-exported interface, world types, resources and imports', async () => {
  const embedded = await componentEmbed({ dummy: true, witSource: WIT, world: 'rich' });
  const info = decodeComponent(await componentNew(embedded));

  const pair: WitType = {
    kind: 'record',
    name: 'pair',
    fields: [{ name: 'left', type: P('string') }, { name: 'right', type: { kind: 'option', type: P('s64') } }],
  };
  assert.deepEqual(fn(info, 'swap'), { name: 'swap', params: [{ name: 'p', type: pair }], result: pair });
  assert.deepEqual(fn(info, 'stats'), {
    name: 'stats',
    params: [{ name: 'xs', type: { kind: 'list', element: P('f32') } }],
    result: { kind: 'result', ok: { kind: 'tuple', types: [P('f32'), P('f32')] }, err: P('string') },
  });
  const point: WitType = { kind: 'record', name: 'point', fields: [{ name: 'x', type: P('f64') }, { name: 'y', type: P('f64') }] };
  assert.deepEqual(fn(info, 'describe', 'local:rich/shapes@0.2.0').params, [
    { name: 's', type: { kind: 'variant', name: 'shape', cases: [{ name: 'circle', type: P('f64') }, { name: 'square', type: point }, { name: 'none' }] } },
    { name: 'c', type: { kind: 'enum', name: 'color', names: ['red', 'green', 'blue'] } },
    { name: 'p', type: { kind: 'flags', name: 'perms', names: ['read', 'write', 'exec'] } },
  ]);
  assert.equal(info.functions.length, 3);
  assert.deepEqual(
    info.unsupported.map((u) => u.name),
    ['counter', '[constructor]counter', '[method]counter.get', 'bump'].map((n) => `local:rich/shapes@0.2.0#${n}`),
  );
  assert.match(info.unsupported[3].reason, /^resource types are not supported: counter/);
  // World-level types are imports of the component, next to the interfaces.
  assert.deepEqual([...info.imports].sort(), ['pair', 'wasi:clocks/wall-clock@0.2.3']);
});
