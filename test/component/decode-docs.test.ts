import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeComponent } from '../../src/component/decode/index.js';
import { fixture, fn, packageDocs, withCustomSection } from './decode-fixtures.js';

const IFACE = 'local:calc/calculator@0.1.0';

test('package-docs gives world docs, world function docs and interface function docs', async () => {
  const docs = packageDocs({
    package: 'local:calc@0.1.0',
    docs: 'The calc package.',
    worlds: {
      calc: {
        docs: 'A small calculator.',
        // v1 object form
        func_exports: { now: { docs: 'Return the current time.', stability: { unknown: null } } },
      },
    },
    interfaces: {
      calculator: {
        docs: 'Arithmetic.',
        funcs: {
          add: 'Add two numbers.', // v0 string form
          centroid: { docs: 'The centre of `points`.' },
        },
        types: { point: { docs: 'A point.', items: { x: 'Horizontal.' } } },
      },
    },
  });
  const info = decodeComponent(withCustomSection(await fixture('decode-shim'), 'package-docs', docs));
  assert.equal(info.docs, 'A small calculator.');
  assert.equal(fn(info, 'now').docs, 'Return the current time.');
  assert.equal(fn(info, 'add', IFACE).docs, 'Add two numbers.');
  assert.equal(fn(info, 'centroid', IFACE).docs, 'The centre of `points`.');
  // Docs do not change the decoded types.
  assert.deepEqual(fn(info, 'add', IFACE).params.map((p) => p.name), ['a', 'b']);
});

test('package-docs inside a nested component is read, unknown keys ignored', async () => {
  const info = decodeComponent(await fixture('decode-docs'));
  assert.deepEqual(info.functions, [
    {
      name: 'greet',
      params: [{ name: 'name', type: { kind: 'string' } }],
      result: { kind: 'string' },
      docs: 'Say hello to `name`.',
    },
  ]);
  assert.equal(info.docs, 'Greets people politely.');
});

test('world functions documented in the v0 `funcs` map are found too', async () => {
  const docs = packageDocs({ worlds: { calc: { funcs: { now: 'Now, as text.' } } } }, 0);
  const info = decodeComponent(withCustomSection(await fixture('decode-shim'), 'package-docs', docs));
  assert.equal(fn(info, 'now').docs, 'Now, as text.');
  assert.equal(fn(info, 'add', IFACE).docs, undefined);
  assert.equal(info.docs, undefined);
});

test('a malformed package-docs section does not fail decoding; it just gives no docs', async () => {
  const base = await fixture('decode-shim');
  const bad = [
    packageDocs('{"worlds": {"calc": '), // truncated JSON
    packageDocs('[1, 2, 3]'), // not an object
    packageDocs({ worlds: { calc: { docs: 42, func_exports: { now: { docs: ['x'] } } } }, interfaces: { calculator: { funcs: 'nope' } } }),
    packageDocs({ worlds: { calc: { docs: 'From the future.' } } }, 7), // unknown version
    new Uint8Array([1, 0xff, 0xfe]), // not UTF-8
    new Uint8Array(),
  ];
  for (const payload of bad) {
    const info = decodeComponent(withCustomSection(base, 'package-docs', payload));
    assert.equal(info.functions.length, 3);
    assert.equal(info.docs, undefined);
    assert.ok(info.functions.every((f) => f.docs === undefined));
  }
});
