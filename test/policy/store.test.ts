import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyStore } from '../../src/policy/store.js';
import { PolicyError } from '../../src/policy/errors.js';
import { grant } from '../../src/policy/grants.js';
import { serializePolicy } from '../../src/policy/parse.js';
import type { Policy } from '../../src/policy/types.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tapedeck-policy-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function clock(...isoTimes: string[]): () => Date {
  let i = 0;
  return () => new Date(isoTimes[Math.min(i++, isoTimes.length - 1)]);
}

const POLICY: Policy = grant(undefined, { kind: 'network', host: 'api.weather.example' }, { componentId: 'weather' });

test('write then read: policy, text, path and metadata', async () => {
  await withDir(async (dir) => {
    const store = new PolicyStore(dir, { now: clock('2025-01-02T03:04:05.000Z') });
    assert.equal(await store.read('weather'), undefined);
    await store.write('weather', POLICY, { sourceUri: 'oci://ghcr.io/acme/weather:1' });
    const stored = await store.read('weather');
    assert.ok(stored);
    assert.deepEqual(stored.policy, POLICY);
    assert.equal(stored.yaml, serializePolicy(POLICY));
    assert.equal(stored.path, join(dir, 'weather.policy.yaml'));
    assert.deepEqual(stored.meta, {
      sourceUri: 'oci://ghcr.io/acme/weather:1',
      createdAt: '2025-01-02T03:04:05.000Z',
      updatedAt: '2025-01-02T03:04:05.000Z',
    });
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'weather.policy.meta.json'), 'utf8')), {
      source_uri: 'oci://ghcr.io/acme/weather:1',
      created_at: '2025-01-02T03:04:05.000Z',
      updated_at: '2025-01-02T03:04:05.000Z',
    });
    assert.deepEqual((await readdir(dir)).sort(), ['weather.policy.meta.json', 'weather.policy.yaml']);
  });
});

test('a later write keeps created_at and source_uri, updates updated_at', async () => {
  await withDir(async (dir) => {
    const store = new PolicyStore(dir, { now: clock('2025-01-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z') });
    await store.write('c1', POLICY, { sourceUri: 'file:///src/c1.wasm' });
    const next = grant(POLICY, { kind: 'environment-variable', key: 'API_KEY' });
    await store.write('c1', next);
    assert.deepEqual((await store.read('c1'))?.meta, {
      sourceUri: 'file:///src/c1.wasm',
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-02-01T00:00:00.000Z',
    });
    assert.deepEqual((await store.read('c1'))?.policy, next);
    await store.write('c1', next, { sourceUri: 'https://example.test/c1.wasm' });
    assert.equal((await store.read('c1'))?.meta?.sourceUri, 'https://example.test/c1.wasm');
  });
});

test('no source URI: the metadata has none', async () => {
  await withDir(async (dir) => {
    const store = new PolicyStore(dir, { now: clock('2025-05-05T05:05:05.000Z') });
    await store.write('x', POLICY);
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'x.policy.meta.json'), 'utf8')), {
      created_at: '2025-05-05T05:05:05.000Z',
      updated_at: '2025-05-05T05:05:05.000Z',
    });
    assert.equal((await store.read('x'))?.meta?.sourceUri, undefined);
  });
});

test('sequential writes: the file holds the last one and no temp files are left', async () => {
  await withDir(async (dir) => {
    const store = new PolicyStore(dir);
    let policy: Policy | undefined;
    for (let i = 0; i < 20; i++) {
      policy = grant(policy, { kind: 'environment-variable', key: `KEY_${i}` });
      await store.write('seq', policy);
    }
    assert.equal(await readFile(join(dir, 'seq.policy.yaml'), 'utf8'), serializePolicy(policy!));
    assert.equal((await store.read('seq'))?.policy.permissions.environment?.allow?.length, 20);
    assert.deepEqual((await readdir(dir)).sort(), ['seq.policy.meta.json', 'seq.policy.yaml']);
  });
});

test('concurrent writes: the result is one complete write, no temp files left', async () => {
  await withDir(async (dir) => {
    const store = new PolicyStore(dir);
    const candidates = Array.from({ length: 12 }, (_, i) => grant(undefined, { kind: 'network', host: `host${i}.example.com` }));
    await Promise.all(candidates.map((p) => store.write('race', p)));
    const text = await readFile(join(dir, 'race.policy.yaml'), 'utf8');
    assert.ok(candidates.some((p) => serializePolicy(p) === text), 'the file is exactly one of the writes');
    const stored = await store.read('race');
    assert.equal(stored?.policy.permissions.network?.allow?.length, 1);
    assert.equal(candidates.filter((p) => JSON.stringify(p) === JSON.stringify(stored?.policy)).length, 1);
    assert.deepEqual((await readdir(dir)).sort(), ['race.policy.meta.json', 'race.policy.yaml']);
  });
});

test('an invalid policy is not written and the old file stays', async () => {
  await withDir(async (dir) => {
    const store = new PolicyStore(dir);
    await store.write('keep', POLICY);
    const before = await readFile(join(dir, 'keep.policy.yaml'), 'utf8');
    const bad = { version: '1.0', permissions: { network: { allow: [{ host: 'a*b' }] } } } as Policy;
    await assert.rejects(store.write('keep', bad), (error: unknown) => error instanceof PolicyError && /permissions\.network\.allow\[0\]\.host/.test(error.message));
    assert.equal(await readFile(join(dir, 'keep.policy.yaml'), 'utf8'), before);
    assert.deepEqual((await readdir(dir)).sort(), ['keep.policy.meta.json', 'keep.policy.yaml']);
  });
});

test('a corrupt policy file is an error naming the file and line, never "no policy"', async () => {
  await withDir(async (dir) => {
    const store = new PolicyStore(dir);
    const path = join(dir, 'broken.policy.yaml');
    await writeFile(path, 'version: "1.0"\npermissions:\n  network:\n    allow:\n      - host: "x.*.com"\n');
    await assert.rejects(store.read('broken'), (error: unknown) => {
      assert.ok(error instanceof PolicyError);
      assert.equal(error.message, `${path}:5: permissions.network.allow[0].host: a wildcard is only allowed as a leading "*." (e.g. "*.example.com")`);
      return true;
    });
    await writeFile(path, 'version: "1.0"\npermissions: {network: [\n');
    await assert.rejects(store.read('broken'), (error: unknown) => error instanceof PolicyError && error.message.startsWith(`${path}:3:1: invalid YAML: `));
    await writeFile(path, '');
    await assert.rejects(
      store.read('broken'),
      (error: unknown) => error instanceof PolicyError && error.message === `${path}: the policy is empty; a minimal policy is:\nversion: "1.0"\npermissions: {}`,
    );
  });
});

test('missing, corrupt or Wassette-style metadata', async () => {
  await withDir(async (dir) => {
    const store = new PolicyStore(dir);
    await writeFile(join(dir, 'a.policy.yaml'), 'version: "1.0"\npermissions: {}\n');
    assert.equal((await store.read('a'))?.meta, undefined);
    await writeFile(join(dir, 'a.policy.meta.json'), '{not json');
    assert.deepEqual((await store.read('a'))?.policy, { version: '1.0', permissions: {} });
    assert.equal((await store.read('a'))?.meta, undefined);
    await writeFile(join(dir, 'a.policy.meta.json'), JSON.stringify({ source_uri: 'file:///p.yaml', attached_at: 1735689600 }));
    assert.deepEqual((await store.read('a'))?.meta, {
      sourceUri: 'file:///p.yaml',
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
    });
  });
});

test('remove deletes both files and is idempotent', async () => {
  await withDir(async (dir) => {
    const store = new PolicyStore(dir);
    await store.write('gone', POLICY, { sourceUri: 'file:///x.wasm' });
    await writeFile(join(dir, 'gone.wasm'), 'not really wasm');
    await store.remove('gone');
    assert.equal(await store.read('gone'), undefined);
    assert.deepEqual(await readdir(dir), ['gone.wasm']);
    await store.remove('gone');
    await store.remove('never-existed');
    assert.deepEqual(await readdir(dir), ['gone.wasm']);
  });
});

test('component ids are checked before touching the file system', async () => {
  await withDir(async (dir) => {
    const store = new PolicyStore(dir);
    for (const id of ['../escape', 'a/b', '', '.hidden']) {
      await assert.rejects(store.read(id), /invalid component id/);
      await assert.rejects(store.write(id, POLICY), /invalid component id/);
      await assert.rejects(store.remove(id), /invalid component id/);
    }
    assert.deepEqual(await readdir(dir), []);
  });
});

test('writing into a directory that does not exist yet creates it', async () => {
  await withDir(async (dir) => {
    const store = new PolicyStore(join(dir, 'nested', 'components'));
    await store.write('n', POLICY);
    assert.deepEqual((await store.read('n'))?.policy, POLICY);
  });
});

test('read errors other than "missing" are not hidden', async () => {
  await withDir(async (dir) => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'odd.policy.yaml'));
    await assert.rejects(new PolicyStore(dir).read('odd'), (error: NodeJS.ErrnoException) => error.code === 'EISDIR');
  });
});
