import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { json, sandbox, show, watComponent, type Sandbox } from './helpers.js';

let box: Sandbox;
let digest: string;
before(async () => {
  box = await sandbox();
  await mkdir(join(box.dir, 'deploy', 'components'), { recursive: true });
  const path = await watComponent('adder', join(box.dir, 'deploy', 'components'));
  digest = `sha256:${createHash('sha256').update(await readFile(path)).digest('hex')}`;
});
after(async () => {
  await box.cleanup();
});

interface Applied {
  status: string;
  components: { index: number; id: string; component: string; policy: string }[];
}

const manifest = (extra = '') => `version: 1
components:
  - uri: file://./components/adder.wasm   # relative to this file
    name: calc
    permissions:
      network:
        allow:
          - host: api.example.com
      storage:
        allow:
          - uri: fs:///tmp/calc
            access: [read]
      environment:
        allow:
          - key: API_KEY
            value_from: CALC_KEY
      resources:
        limits: {memory: 128Mi}
${extra}`;

test('manifest apply loads components and writes policies; applying again changes nothing', async () => {
  await writeFile(join(box.dir, 'deploy', 'tapedeck.yaml'), manifest());
  let r = await box.run(['manifest', 'apply', 'deploy/tapedeck.yaml']);
  assert.equal(r.code, 0, show(r));
  assert.deepEqual(json<Applied>(r).components, [{ index: 0, id: 'calc', uri: 'file://./components/adder.wasm', component: 'loaded', policy: 'written' }]);

  const policyPath = join(box.componentDir, 'calc.policy.yaml');
  const wasmPath = join(box.componentDir, 'calc.wasm');
  const policyText = await readFile(policyPath, 'utf8');
  assert.match(policyText, /host: api\.example\.com/);
  assert.match(policyText, /memory: 128Mi/);
  assert.doesNotMatch(policyText, /value_from/);
  const before = { policy: (await stat(policyPath)).mtimeMs, wasm: (await stat(wasmPath)).mtimeMs };

  r = await box.run(['manifest', 'apply', 'deploy/tapedeck.yaml']);
  assert.equal(r.code, 0, show(r));
  assert.deepEqual(json<Applied>(r).components, [{ index: 0, id: 'calc', uri: 'file://./components/adder.wasm', component: 'unchanged', policy: 'unchanged' }]);
  assert.equal((await stat(policyPath)).mtimeMs, before.policy, 'policy file not rewritten');
  assert.equal((await stat(wasmPath)).mtimeMs, before.wasm, 'component not rewritten');

  r = await box.run(['component', 'list']);
  const list = json<{ components: { id: string; digest: string }[] }>(r);
  assert.deepEqual(list.components.map((c) => [c.id, c.digest]), [['calc', digest]]);
});

test('the manifest owns the policy: CLI grants are replaced on the next apply', async () => {
  let r = await box.run(['permission', 'grant', 'network', 'calc', 'other.example.com']);
  assert.equal(r.code, 0, show(r));
  r = await box.run(['manifest', 'apply', 'deploy/tapedeck.yaml']);
  assert.equal(r.code, 0, show(r));
  assert.equal(json<Applied>(r).components[0].policy, 'written');
  assert.doesNotMatch(await readFile(join(box.componentDir, 'calc.policy.yaml'), 'utf8'), /other\.example\.com/);
});

test('a pinned digest: matching pin skips the load; a wrong pin fails and changes nothing', async () => {
  const pinned = (pin: string) => `version: 1\ncomponents:\n  - uri: file://./components/adder.wasm\n    name: calc\n    digest: ${pin}\n`;
  await writeFile(join(box.dir, 'deploy', 'pinned.yaml'), pinned(digest));
  let r = await box.run(['manifest', 'apply', 'deploy/pinned.yaml']);
  assert.equal(r.code, 0, show(r));
  // No permissions listed: the component ends up with none.
  assert.deepEqual(json<Applied>(r).components.map((c) => [c.component, c.policy]), [['unchanged', 'removed']]);
  await assert.rejects(access(join(box.componentDir, 'calc.policy.yaml')));

  await writeFile(join(box.dir, 'deploy', 'wrong.yaml'), pinned(`sha256:${'a'.repeat(64)}`) + '  - uri: file://./components/other.wasm\n    name: second\n');
  r = await box.run(['manifest', 'apply', 'deploy/wrong.yaml']);
  assert.equal(r.code, 1, show(r));
  assert.match(r.stderr, /Error: manifest deploy\/wrong\.yaml: 2 of 2 component\(s\) failed:\n {2}components\[0\] \(calc\): digest mismatch: the manifest pins sha256:a{64} but file:\/\/\.\/components\/adder\.wasm has sha256:[0-9a-f]{64}; nothing was changed\n {2}components\[1\] \(second\): component file not found/);
  r = await box.run(['component', 'list']);
  assert.deepEqual(json<{ components: { id: string }[] }>(r).components.map((c) => c.id), ['calc']);
});

test('a missing component file fails the apply (exit 1, naming the component)', async () => {
  await writeFile(join(box.dir, 'deploy', 'missing.yaml'), 'version: 1\ncomponents:\n  - uri: file://./components/nope.wasm\n');
  const r = await box.run(['manifest', 'apply', 'deploy/missing.yaml']);
  assert.equal(r.code, 1, show(r));
  assert.match(r.stderr, /components\[0\] \(file:\/\/\.\/components\/nope\.wasm\): component file not found: .*nope\.wasm/);
});
