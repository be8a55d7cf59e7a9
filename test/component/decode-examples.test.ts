import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeComponent } from '../../src/component/decode/index.js';
import type { WitType } from '../../src/component/wit-types.js';
import { repoRoot } from './decode-fixtures.js';

const dir = join(repoRoot, 'examples/build/components');

/** Checks a decoded type is well formed all the way down. */
function checkType(t: WitType, where: string): void {
  switch (t.kind) {
    case 'list':
      return checkType(t.element, `${where}<list>`);
    case 'option':
      return checkType(t.type, `${where}<option>`);
    case 'tuple':
      assert.ok(t.types.length > 0, where);
      return t.types.forEach((x, i) => checkType(x, `${where}.${i}`));
    case 'result':
      if (t.ok) checkType(t.ok, `${where}.ok`);
      if (t.err) checkType(t.err, `${where}.err`);
      return;
    case 'record':
      assert.ok(t.fields.length > 0 && t.fields.every((f) => f.name), where);
      return t.fields.forEach((f) => checkType(f.type, `${where}.${f.name}`));
    case 'variant':
      assert.ok(t.cases.length > 0 && t.cases.every((c) => c.name), where);
      return t.cases.forEach((c) => c.type && checkType(c.type, `${where}.${c.name}`));
    case 'enum':
    case 'flags':
      assert.ok(t.names.length > 0 && t.names.every((n) => n), where);
      return;
    case 'own':
    case 'borrow':
      return assert.fail(`${where}: a resource handle among supported functions`);
    default:
      assert.match(t.kind, /^(bool|[su](8|16|32|64)|f32|f64|char|string)$/, where);
  }
}

// `npm ci` builds the examples (prepare script), so a missing folder is a failure, not a skip.
test('every built example component decodes to well-formed functions', () => {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.wasm'));
  } catch {
    assert.fail(`${dir} is missing: run npm run build:examples (npm ci does it)`);
  }
  assert.ok(files.includes('calculator.wasm'), `calculator.wasm not among ${files.join(', ')}`);
  for (const file of files) {
    const bytes = readFileSync(join(dir, file));
    const info = decodeComponent(bytes);
    assert.ok(info.functions.length > 0, `${file}: no functions (unsupported: ${JSON.stringify(info.unsupported)})`);
    for (const f of info.functions) {
      assert.match(f.name, /^[a-z][a-z0-9-]*$/, `${file}: function name ${f.name}`);
      for (const p of f.params) {
        assert.ok(p.name, `${file}: ${f.name} has an unnamed parameter`);
        checkType(p.type, `${file}: ${f.name}(${p.name})`);
      }
      if (f.result) checkType(f.result, `${file}: ${f.name} -> result`);
    }
  }
});

test('the calculator example: an interface of functions with named types and docs', () => {
  const info = decodeComponent(readFileSync(join(dir, 'calculator.wasm')));
  const iface = info.functions.find((f) => f.name === 'add')?.interface;
  assert.match(iface ?? '', /^local:calculator\/calculator@/);
  const add = info.functions.find((f) => f.name === 'add' && f.interface === iface);
  assert.deepEqual(
    { params: add?.params, result: add?.result },
    { params: [{ name: 'a', type: { kind: 's32' } }, { name: 'b', type: { kind: 's32' } }], result: { kind: 's32' } },
  );
  const centroid = info.functions.find((f) => f.name === 'centroid' && f.interface === iface);
  const points = centroid?.params[0]?.type;
  assert.equal(points?.kind, 'list');
  assert.deepEqual(points?.kind === 'list' ? points.element : undefined, {
    kind: 'record',
    name: 'point',
    fields: [{ name: 'x', type: { kind: 'f64' } }, { name: 'y', type: { kind: 'f64' } }],
  });
  assert.ok(add?.docs, 'add is documented in the package-docs section');
  assert.deepEqual(info.unsupported, []);
});
