import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, readdir, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { json, sandbox, show, watComponent, type Sandbox } from './helpers.js';

let box: Sandbox;
let adder: string;
before(async () => {
  box = await sandbox();
  adder = await watComponent('adder', box.dir);
});
after(async () => {
  await box.cleanup();
});

test('component load (file:// URI), list, reload, unload', async () => {
  let r = await box.run(['component', 'load', pathToFileURL(adder).href]);
  assert.equal(r.code, 0, show(r));
  assert.deepEqual(json(r), { status: 'component loaded successfully', id: 'adder', tools: ['add', 'spin'] });
  assert.ok((await readdir(box.componentDir)).includes('adder.wasm'));

  r = await box.run(['component', 'list']);
  assert.equal(r.code, 0, show(r));
  const list = json<{ components: { id: string; tools_count: number; schema: { tools: { name: string }[] }; digest: string; source_uri: string }[]; total: number }>(r);
  assert.equal(list.total, 1);
  assert.equal(list.components[0].id, 'adder');
  assert.equal(list.components[0].tools_count, 2);
  assert.deepEqual(list.components[0].schema.tools.map((t) => t.name), ['add', 'spin']);
  const digest = `sha256:${createHash('sha256').update(await readFile(adder)).digest('hex')}`;
  assert.equal(list.components[0].digest, digest);

  r = await box.run(['component', 'list', '-o', 'table']);
  assert.match(r.stdout, /^ID +\| Tools \| Source +\| Description\n/);
  assert.match(r.stdout, /\nadder \| 2 +\| file:\/\//);

  // Loading again reloads.
  r = await box.run(['component', 'load', adder, '-o', 'table']);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /^component reloaded successfully\n {2}id: {4}adder\n {2}tools: add, spin\n/);

  r = await box.run(['component', 'unload', 'adder']);
  assert.equal(r.code, 0, show(r));
  assert.deepEqual(json(r), { status: 'component unloaded successfully', id: 'adder' });
  r = await box.run(['component', 'list']);
  assert.deepEqual(json(r), { components: [], total: 0 });
});

test('component load: relative paths, file://./relative (Wassette docs), --id, and --digest', async () => {
  let r = await box.run(['component', 'load', 'file://./adder.wasm', '--id', 'calc']);
  assert.equal(r.code, 0, show(r));
  assert.equal(json(r).id, 'calc');
  r = await box.run(['component', 'unload', 'calc']);
  assert.equal(r.code, 0, show(r));

  const digest = `sha256:${createHash('sha256').update(await readFile(adder)).digest('hex')}`;
  r = await box.run(['component', 'load', './adder.wasm', '--digest', digest]);
  assert.equal(r.code, 0, show(r));
  assert.equal(json(r).id, 'adder');

  r = await box.run(['component', 'load', './adder.wasm', '--digest', `sha256:${'0'.repeat(64)}`]);
  assert.equal(r.code, 1, show(r));
  assert.match(r.stderr, /^Error: digest mismatch for file:\/\/.*adder\.wasm: expected sha256:0{64}, got sha256:[0-9a-f]{64}/);

  r = await box.run(['component', 'load', './adder.wasm', '--digest', 'md5:abc']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: invalid --digest 'md5:abc': use sha256:<64 hex digits>/);

  await box.run(['component', 'unload', 'adder']);
});

test('component load errors: bad scheme, missing file, directory, core module, not wasm, bad id', async () => {
  let r = await box.run(['component', 'load', 'invalid://path']);
  assert.equal(r.code, 2, show(r));
  assert.equal(r.stderr, "Error: Unsupported URI scheme 'invalid'. Use 'file://', 'https://' or 'oci://'\n");

  r = await box.run(['component', 'load', 'http://example.com/x.wasm']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: Unsupported URI scheme 'http'/);

  r = await box.run(['component', 'load', join(box.dir, 'missing.wasm')]);
  assert.equal(r.code, 3, show(r));
  assert.equal(r.stderr, `Error: component file not found: ${join(box.dir, 'missing.wasm')}. Check the path, or build the component first\n`);

  r = await box.run(['component', 'load', box.dir]);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /is not a file/);

  const { parse } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  await writeFile(join(box.dir, 'core.wasm'), await parse('(module (func (export "f")))'));
  r = await box.run(['component', 'load', 'core.wasm']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: this is a core WebAssembly module\b.*not a component/);

  await writeFile(join(box.dir, 'text.wasm'), 'hello');
  r = await box.run(['component', 'load', 'text.wasm']);
  assert.notEqual(r.code, 0, show(r));
  assert.match(r.stderr, /^Error: /);

  r = await box.run(['component', 'load', 'adder.wasm', '--id', '../escape']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: invalid component id '\.\.\/escape'/);

  r = await box.run(['component', 'list']);
  assert.deepEqual(json(r), { components: [], total: 0 }, 'failed loads change nothing');
});

test('component unload of an unknown component: exit 3 with Wassette\'s message', async () => {
  const r = await box.run(['component', 'unload', 'nonexistent']);
  assert.equal(r.code, 3, show(r));
  assert.equal(r.stderr, "Error: Component 'nonexistent' not found\n");
  assert.equal(r.stdout, '');
});

test('a second component exporting the same tool name is refused (exit 2)', async () => {
  await copyFile(adder, join(box.dir, 'adder2.wasm'));
  let r = await box.run(['component', 'load', 'adder.wasm']);
  assert.equal(r.code, 0, show(r));
  r = await box.run(['component', 'load', 'adder2.wasm']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: tool 'add' of component 'adder2' is already provided by component 'adder'/);
  await box.run(['component', 'unload', 'adder']);
});

test('inspect shows exports with WIT signatures, tools, imports, policy and digest', async () => {
  let r = await box.run(['component', 'load', 'adder.wasm']);
  assert.equal(r.code, 0, show(r));
  await box.run(['permission', 'grant', 'memory', 'adder', '64Mi']);
  r = await box.run(['inspect', 'adder']);
  assert.equal(r.code, 0, show(r));
  const out = json<{
    id: string;
    digest: string;
    exports: { name: string; signature: string; tool: string }[];
    imports: string[];
    tools: { name: string; inputSchema: unknown }[];
    policy: { document: { permissions: unknown } };
  }>(r);
  assert.equal(out.id, 'adder');
  assert.match(out.digest, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(out.exports.map((e) => [e.name, e.signature, e.tool]), [
    ['add', 'func(a: s32, b: s32) -> s32', 'add'],
    ['spin', 'func()', 'spin'],
  ]);
  assert.deepEqual(out.imports, []);
  assert.equal(out.tools[0].name, 'add');
  assert.deepEqual(out.policy.document.permissions, { resources: { limits: { memory: '64Mi' } } });

  r = await box.run(['inspect', 'adder', '-o', 'table']);
  assert.match(r.stdout, /^Component: adder\n/);
  assert.match(r.stdout, /\n {2}add: func\(a: s32, b: s32\) -> s32\n/);
  assert.match(r.stdout, /memory +\| 64Mi/);

  r = await box.run(['inspect', 'nope']);
  assert.equal(r.code, 3, show(r));
  assert.equal(r.stderr, "Error: Component 'nope' not found\n");
  await box.run(['component', 'unload', 'adder']);
});
