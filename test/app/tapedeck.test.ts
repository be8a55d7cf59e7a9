import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile, copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { openDeck, watComponent, tempDir, type TestDeck } from '../helpers/deck.js';
import { ToolNotFoundError } from '../../src/app/tapedeck.js';

const decks: TestDeck[] = [];
after(async () => {
  for (const d of decks) await d.close();
});

async function deckWith(...fixtures: string[]) {
  const t = await openDeck();
  decks.push(t);
  const paths = [];
  for (const f of fixtures) paths.push(await watComponent(f, t.dir));
  return { ...t, paths };
}

test('loads a component from a path and a file:// URI, exposing its functions as tools', async () => {
  const { deck, paths, componentDir } = await deckWith('hostile-core');
  let changes = 0;
  deck.on('tools-changed', () => changes++);
  const first = await deck.loadComponent(paths[0]);
  assert.equal(first.id, 'hostile-core');
  assert.equal(first.status, 'loaded');
  assert.deepEqual([...first.tools].sort(), ['add', 'count', 'grow', 'recurse', 'spin', 'trap']);
  const second = await deck.loadComponent(pathToFileURL(paths[0]).href);
  assert.equal(second.status, 'reloaded');
  assert.equal(changes, 2);
  const files = await readdir(componentDir);
  assert.ok(files.includes('hostile-core.wasm'));
  assert.ok(files.includes('hostile-core.meta.json'));
  const add = deck.listTools().find((t) => t.name === 'add')!;
  assert.deepEqual(add.inputSchema.required, ['a', 'b']);
  assert.equal(add.inputSchema.additionalProperties, false);
});

test('a call returns the {result} envelope; bad arguments never reach the guest', async () => {
  const { deck, paths } = await deckWith('hostile-core');
  await deck.loadComponent(paths[0]);
  const ok = await deck.callTool('add', { a: 40, b: 2 });
  assert.deepEqual(ok.structured, { result: 42 });
  assert.equal(ok.text, '42');
  assert.equal(ok.isError, false);
  assert.equal(ok.componentId, 'hostile-core');

  const bad = await deck.callTool('add', { a: -1, b: 'x' });
  assert.equal(bad.isError, true);
  assert.equal(bad.failure, 'invalid-arguments');
  assert.match(bad.text, /\ba\b.*0.*4294967295/);
  assert.match(bad.text, /\bb\b.*expected/);

  const extra = await deck.callTool('add', { a: 1, b: 2, c: 3 });
  assert.equal(extra.failure, 'invalid-arguments');
  assert.match(extra.text, /c/);

  await assert.rejects(deck.callTool('nope', {}), (e: unknown) => e instanceof ToolNotFoundError && /Tool 'nope' not found/.test((e as Error).message));
});

test('traps and timeouts are tool errors naming the component; the server keeps serving', async () => {
  const { deck, paths } = await deckWith('hostile-core');
  await deck.loadComponent(paths[0]);
  await deck.grantPermission('hostile-core', { kind: 'memory', limit: '1Mi' });
  const trap = await deck.callTool('trap', {});
  assert.equal(trap.isError, true);
  assert.equal(trap.failure, 'trap');
  assert.match(trap.text, /component 'hostile-core' trapped in tool 'trap': .*unreachable/);
  assert.deepEqual((await deck.callTool('add', { a: 1, b: 2 })).structured, { result: 3 });
});

test('policy changes apply to the next call without reloading: memory limit and timeout', async () => {
  const { deck, paths, componentDir } = await deckWith('hostile-core');
  await deck.loadComponent(paths[0]);
  await deck.grantPermission('hostile-core', { kind: 'memory', limit: '1Mi' });
  // 1Mi is 16 pages of 64 KiB; the module starts with 1.
  assert.deepEqual((await deck.callTool('grow', { pages: 15 })).structured, { result: 1 });
  assert.deepEqual((await deck.callTool('grow', { pages: 1 })).structured, { result: -1 });
  await deck.grantPermission('hostile-core', { kind: 'memory', limit: '2Mi' });
  // A new cap means a new instance: memory starts at 1 page again and may now reach 32.
  assert.deepEqual((await deck.callTool('grow', { pages: 31 })).structured, { result: 1 });
  assert.deepEqual((await deck.callTool('grow', { pages: 1 })).structured, { result: -1 });

  const policyPath = join(componentDir, 'hostile-core.policy.yaml');
  const yaml = await readFile(policyPath, 'utf8');
  assert.match(yaml, /memory: 2Mi/);
  await writeFile(policyPath, yaml.replace('memory: 2Mi', 'memory: 2Mi\n      timeout: 300ms'));
  await deck.refresh();
  const spin = await deck.callTool('spin', {});
  assert.equal(spin.failure, 'timeout');
  assert.match(spin.text, /did not finish tool 'spin' within 300 ms/);
  assert.deepEqual((await deck.callTool('add', { a: 2, b: 2 })).structured, { result: 4 });
});

test('two components exporting the same tool name: the second load fails naming both', async () => {
  const { deck, paths, dir, componentDir } = await deckWith('hostile-core');
  await deck.loadComponent(paths[0]);
  const twin = join(dir, 'twin.wasm');
  await copyFile(paths[0], twin);
  await assert.rejects(deck.loadComponent(twin), /tool 'add' of component 'twin' is already provided by component 'hostile-core'/);
  assert.ok(!(await readdir(componentDir)).includes('twin.wasm'), 'nothing of the refused component is stored');
  assert.deepEqual(deck.listComponents().map((c) => c.id), ['hostile-core']);
});

test('unload removes the component, its tools and its files', async () => {
  const { deck, paths, componentDir } = await deckWith('hostile-core');
  await deck.loadComponent(paths[0]);
  await deck.grantPermission('hostile-core', { kind: 'network', host: 'api.example.com' });
  await deck.unloadComponent('hostile-core');
  assert.deepEqual(deck.listTools(), []);
  assert.deepEqual((await readdir(componentDir)).filter((f) => !f.startsWith('.')), []);
  await assert.rejects(deck.unloadComponent('hostile-core'), /Component 'hostile-core' not found/);
});

test('reload keeps the policy', async () => {
  const { deck, paths } = await deckWith('hostile-core');
  await deck.loadComponent(paths[0]);
  await deck.grantPermission('hostile-core', { kind: 'network', host: 'api.example.com' });
  const again = await deck.loadComponent(paths[0]);
  assert.equal(again.status, 'reloaded');
  const policy = await deck.getPolicy('hostile-core');
  assert.match(policy.yaml ?? '', /api\.example\.com/);
});

test('reloading identical bytes keeps the stored file (same inode, same mtime); changed bytes replace it atomically', async () => {
  const { deck, dir, paths, componentDir } = await deckWith('hostile-core');
  const wasmPath = join(componentDir, 'hostile-core.wasm');
  const metaPath = join(componentDir, 'hostile-core.meta.json');
  await deck.loadComponent(paths[0]);
  const first = await stat(wasmPath);
  const firstMeta = await stat(metaPath);
  const tools = deck.listTools();

  // The same bytes from the same file: neither the binary nor its metadata is rewritten.
  assert.equal((await deck.loadComponent(paths[0])).status, 'reloaded');
  let now = await stat(wasmPath);
  assert.equal(now.ino, first.ino, 'the binary was not replaced');
  assert.equal(now.mtimeMs, first.mtimeMs, 'the binary was not rewritten');
  assert.equal((await stat(metaPath)).mtimeMs, firstMeta.mtimeMs, 'the metadata was not rewritten');
  assert.deepEqual(deck.listTools(), tools);

  // The same bytes from another file: the binary stays, the metadata records the new source.
  const copy = join(dir, 'copy.wasm');
  await copyFile(paths[0], copy);
  await deck.loadComponent(copy, { id: 'hostile-core' });
  now = await stat(wasmPath);
  assert.equal(now.ino, first.ino);
  assert.equal(now.mtimeMs, first.mtimeMs);
  const meta = JSON.parse(await readFile(metaPath, 'utf8')) as { sourceUri: string; mtimeMs: number; size: number };
  assert.equal(meta.sourceUri, `file://${copy}`);
  assert.equal(meta.mtimeMs, first.mtimeMs, 'the metadata still describes the kept file');

  // A stored binary changed behind the runtime's back (its metadata is stale) is replaced, not trusted.
  await writeFile(wasmPath, 'garbage');
  await deck.loadComponent(paths[0]);
  assert.deepEqual(await readFile(wasmPath), await readFile(paths[0]));

  // Different bytes under the same id: written to a temp file and renamed over the old one.
  const replaced = await stat(wasmPath);
  const other = await watComponent('adder', await tempDir(), 'hostile-core.wasm');
  await deck.loadComponent(other);
  now = await stat(wasmPath);
  assert.notEqual(now.ino, replaced.ino, 'a new file was renamed into place');
  assert.deepEqual(await readFile(wasmPath), await readFile(other));
  assert.notDeepEqual(deck.listTools(), tools);
  assert.deepEqual((await readdir(componentDir)).filter((f) => f.endsWith('.tmp')), [], 'no temp files left');
});

test('a restart lists tools from cached metadata without decoding or transpiling', async () => {
  const t = await openDeck();
  decks.push(t);
  const path = await watComponent('hostile-core', t.dir);
  await t.deck.loadComponent(path);
  const before = t.deck.listTools();
  const metaPath = join(t.componentDir, 'hostile-core.meta.json');
  const metaMtime = (await stat(metaPath)).mtimeMs;
  await t.deck.close();
  const { Tapedeck } = await import('../../src/app/tapedeck.js');
  const reopened = await Tapedeck.open({ componentDir: t.componentDir, secretsDir: join(t.dir, 'secrets'), logger: (await import('pino')).pino({ level: 'silent' }) });
  assert.deepEqual(reopened.listTools(), before);
  assert.equal((await stat(metaPath)).mtimeMs, metaMtime, 'metadata was reused, not rewritten');
  await reopened.close();
});

test('load errors are specific: missing file, not wasm, core module, unsupported scheme', async () => {
  const { deck, dir } = await deckWith();
  await assert.rejects(deck.loadComponent(join(dir, 'missing.wasm')), /component file not found: .*missing\.wasm/);
  const text = join(dir, 'text.wasm');
  await writeFile(text, 'hello world');
  await assert.rejects(deck.loadComponent(text), /not a WebAssembly binary/);
  const core = join(dir, 'core.wasm');
  await writeFile(core, await parse('(module (func (export "f")))'));
  await assert.rejects(deck.loadComponent(core), /core WebAssembly module.*wasm-tools component new/s);
  await assert.rejects(deck.loadComponent('invalid://x'), /Unsupported URI scheme 'invalid'\. Use 'file:\/\/', 'https:\/\/' or 'oci:\/\/'/);
  const truncated = join(dir, 'truncated.wasm');
  const good = await parse('(component)');
  await writeFile(truncated, Buffer.concat([Buffer.from(good), Buffer.from([0x07, 0xff, 0xff])]));
  await assert.rejects(deck.loadComponent(truncated), /malformed component/);
  assert.deepEqual(deck.listComponents(), []);
});

test('a directory changed by another process is picked up by a watching deck', async () => {
  const t = await openDeck({ watch: true });
  decks.push(t);
  const other = await openDeck();
  decks.push(other);
  const path = await watComponent('hostile-core', await tempDir());
  let changed = 0;
  t.deck.on('tools-changed', () => changed++);
  // The "CLI" writes into the same component directory through its own deck.
  const { Tapedeck } = await import('../../src/app/tapedeck.js');
  const cli = await Tapedeck.open({ componentDir: t.componentDir, secretsDir: join(t.dir, 'secrets'), logger: (await import('pino')).pino({ level: 'silent' }) });
  await cli.loadComponent(path);
  for (let i = 0; i < 200 && !t.deck.getComponent('hostile-core'); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(t.deck.getComponent('hostile-core'), 'the watching deck registered the component');
  assert.ok(changed >= 1);
  await cli.unloadComponent('hostile-core');
  for (let i = 0; i < 200 && t.deck.getComponent('hostile-core'); i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(t.deck.getComponent('hostile-core'), undefined);
  await cli.close();
  await rm(path, { force: true });
});
