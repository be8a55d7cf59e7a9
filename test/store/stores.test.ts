import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, stat, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/store/atomic-write.js';
import { SecretStore, SecretError } from '../../src/store/secret-store.js';
import { sanitiseId, assertValidId } from '../../src/store/component-id.js';

async function tempDir() {
  return mkdtemp(join(tmpdir(), 'tapedeck-store-'));
}

test('writeFileAtomic replaces content and leaves no temp files', async () => {
  const dir = await tempDir();
  const path = join(dir, 'a.yaml');
  await writeFileAtomic(path, 'one');
  await writeFileAtomic(path, 'two');
  assert.equal(await readFile(path, 'utf8'), 'two');
  assert.deepEqual(await readdir(dir), ['a.yaml']);
  await rm(dir, { recursive: true });
});

test('writeFileAtomic applies the requested mode', async () => {
  const dir = await tempDir();
  const path = join(dir, 's.yaml');
  await writeFileAtomic(path, 'x', { mode: 0o600 });
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  await rm(dir, { recursive: true });
});

test('secret store: set, read, delete, permissions', async () => {
  const dir = join(await tempDir(), 'secrets');
  const store = new SecretStore(dir);
  await store.set('weather', { API_KEY: 'k1', OTHER: 'v' });
  await store.set('weather', { API_KEY: 'k2' });
  assert.deepEqual(await store.read('weather'), { API_KEY: 'k2', OTHER: 'v' });
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.equal((await stat(join(dir, 'weather.yaml'))).mode & 0o777, 0o600);
  assert.deepEqual(await store.delete('weather', ['OTHER', 'NOPE']), ['NOPE']);
  assert.deepEqual(await store.read('weather'), { API_KEY: 'k2' });
  assert.deepEqual(await store.ids(), ['weather']);
  await store.delete('weather', ['API_KEY']);
  assert.deepEqual(await store.read('weather'), {});
  assert.deepEqual(await store.ids(), []);
});

test('secret store: bad keys and corrupt files give clear errors', async () => {
  const dir = await tempDir();
  const store = new SecretStore(dir);
  await assert.rejects(store.set('w', { 'BAD KEY': 'x' }), (e: unknown) => e instanceof SecretError && /invalid secret key 'BAD KEY'/.test((e as Error).message));
  await writeFile(join(dir, 'w.yaml'), '- a\n- b\n');
  await assert.rejects(store.read('w'), /must be a map of KEY: value/);
  await writeFile(join(dir, 'w.yaml'), 'a: [\n');
  await assert.rejects(store.read('w'), /is not valid YAML/);
});

test('component ids are sanitised file stems', () => {
  assert.equal(sanitiseId('fetch-rs'), 'fetch-rs');
  assert.equal(sanitiseId('ghcr.io/x/fetch'), 'ghcr_io_x_fetch');
  assert.equal(sanitiseId('my tool@1'), 'my_tool_1');
  assert.throws(() => assertValidId('../etc'), /invalid component id '..\/etc'/);
  assert.throws(() => assertValidId(''), /invalid component id/);
  assert.doesNotThrow(() => assertValidId('time-server'));
});
