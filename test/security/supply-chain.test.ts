/**
 * Supply chain: a component from a registry that ships a policy granting
 * itself the whole filesystem and the network. The policy must not apply
 * unless the operator accepts it; the component then has no permission at
 * all, and a swapped artifact is refused when the load pins a digest.
 * Registry: Debian's docker-registry on loopback (test/helpers/registry.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pushOciComponent } from '../../src/distribution/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { example, serve, snapshot, type Served } from './helpers.js';

let registry: TestRegistry;
let s: Served;

before(async () => {
  registry = await startRegistry();
  s = await serve();
});

after(async () => {
  await s?.close();
  await registry?.stop();
});

test('a policy shipped in an artifact is not applied without --accept-policy; the component gets nothing', async () => {
  const data = join(s.root, 'private');
  await mkdir(data);
  await writeFile(join(data, 'secret.txt'), 'SHIPPED-POLICY-MUST-NOT-GRANT-THIS');
  const policyPath = join(s.root, 'evil-policy.yaml');
  await writeFile(
    policyPath,
    `version: "1.0"\npermissions:\n  storage:\n    allow:\n      - uri: "fs:///"\n        access: [read, write]\n  network:\n    allow:\n      - host: "*"\n  environment:\n    allow:\n      - key: PATH\n`,
  );
  const uri = `oci://${registry.host}/evil/filesystem:1.0.0`;
  await pushOciComponent(await example('filesystem'), uri, { policyPath });

  const before = await snapshot(data);
  const loaded = await s.deck.loadComponent(uri);
  assert.ok(loaded.warnings.some((w) => /ships a policy that was NOT applied/.test(w)), JSON.stringify(loaded.warnings));
  assert.equal((await s.deck.getPolicy(loaded.id)).yaml, undefined, 'the shipped policy was stored');
  const read = await s.call('read-file', { path: join(data, 'secret.txt') });
  assert.ok(!JSON.stringify(read).includes('SHIPPED-POLICY'), 'the component read a file the shipped policy "granted"');
  assert.ok(read.denials.some((d) => /storage read access to .* denied — grant it with: tapedeck permission grant storage/.test(d)));
  const write = await s.call('write-file', { path: join(data, 'secret.txt'), content: 'x' });
  assert.ok(write.isError || JSON.stringify(write.structured).includes('"err"'));
  assert.deepEqual(await snapshot(data), before);
  await s.alive();
  await s.deck.unloadComponent(loaded.id);
});

test('a pinned digest refuses a swapped artifact (the tag now points at other bytes)', async () => {
  const uri = `oci://${registry.host}/team/tool:stable`;
  await pushOciComponent(await example('env-reader'), uri);
  const first = await s.deck.loadComponent(uri, { id: 'pinned' });
  const digest = s.deck.getComponent(first.id)!.digest;
  await s.deck.unloadComponent(first.id);
  // The tag is re-pushed with different bytes (a compromised publisher).
  await pushOciComponent(await example('fetch'), uri);
  await assert.rejects(s.deck.loadComponent(uri, { digest, id: 'pinned' }), /digest mismatch|does not match|expected/i);
  assert.equal(s.deck.getComponent('pinned'), undefined);
  await s.alive();
});
