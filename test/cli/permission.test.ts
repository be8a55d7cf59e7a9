import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { json, sandboxWithAdder, show, type Sandbox } from './helpers.js';

let box: Sandbox;
before(async () => {
  box = await sandboxWithAdder();
});
after(async () => {
  await box.cleanup();
});

test('policy get without a policy', async () => {
  const r = await box.run(['policy', 'get', 'adder']);
  assert.equal(r.code, 0, show(r));
  assert.equal(json(r).status, 'no policy found');
});

test('grant storage, network, environment-variable, memory; policy get shows them (json, yaml, table)', async () => {
  const grants: [string[], Record<string, unknown>][] = [
    [['storage', 'adder', 'fs:///tmp/data', '--access', 'read,write'], { permission_type: 'storage', details: { uri: 'fs:///tmp/data', access: ['read', 'write'] } }],
    [['storage', 'adder', 'fs://workspace', '--access', 'read'], { permission_type: 'storage', details: { uri: 'fs://workspace', access: ['read'] } }],
    [['network', 'adder', 'api.example.com'], { permission_type: 'network', details: { host: 'api.example.com' } }],
    [['environment-variable', 'adder', 'API_KEY'], { permission_type: 'environment variable', details: { key: 'API_KEY' } }],
    [['memory', 'adder', '256Mi'], { permission_type: 'memory', details: { memory: '256Mi' } }],
  ];
  for (const [args, expected] of grants) {
    const r = await box.run(['permission', 'grant', ...args]);
    assert.equal(r.code, 0, show(r));
    assert.deepEqual(json(r), { status: 'permission granted successfully', component_id: 'adder', ...expected });
  }
  let r = await box.run(['policy', 'get', 'adder']);
  assert.equal(r.code, 0, show(r));
  const out = json<{ status: string; component_id: string; policy_info: { local_path: string }; policy: { permissions: Record<string, unknown> } }>(r);
  assert.equal(out.status, 'policy found');
  assert.equal(out.policy_info.local_path, join(box.componentDir, 'adder.policy.yaml'));
  assert.deepEqual(out.policy.permissions, {
    storage: {
      allow: [
        { uri: 'fs:///tmp/data', access: ['read', 'write'] },
        { uri: 'fs://workspace', access: ['read'] },
      ],
    },
    network: { allow: [{ host: 'api.example.com' }] },
    environment: { allow: [{ key: 'API_KEY' }] },
    resources: { limits: { memory: '256Mi' } },
  });
  // The file on disk is Wassette's policy format.
  const yaml = await readFile(join(box.componentDir, 'adder.policy.yaml'), 'utf8');
  assert.match(yaml, /^version: "1\.0"/m);
  assert.match(yaml, /- uri: fs:\/\/\/tmp\/data\n\s+access: \[read, write\]/);

  r = await box.run(['policy', 'get', 'adder', '-o', 'yaml']);
  assert.match(r.stdout, /^status: policy found\n/);
  r = await box.run(['policy', 'get', 'adder', '-o', 'table']);
  assert.match(r.stdout, /storage +\| fs:\/\/\/tmp\/data +\| read, write/);
  assert.match(r.stdout, /network +\| api\.example\.com +\| allow/);
  assert.match(r.stdout, /environment \| API_KEY +\| allow/);
  assert.match(r.stdout, /memory +\| 256Mi +\| limit/);
});

test('granting twice changes nothing (merged, no duplicates)', async () => {
  const before = await readFile(join(box.componentDir, 'adder.policy.yaml'), 'utf8');
  const r = await box.run(['permission', 'grant', 'network', 'adder', 'api.example.com']);
  assert.equal(r.code, 0, show(r));
  const after = await readFile(join(box.componentDir, 'adder.policy.yaml'), 'utf8');
  assert.equal(after, before);
});

test('revoke each kind, then reset', async () => {
  const revokes: [string[], Record<string, unknown>][] = [
    [['storage', 'adder', 'fs://workspace'], { permission_type: 'storage', details: { uri: 'fs://workspace' } }],
    [['network', 'adder', 'api.example.com'], { permission_type: 'network', details: { host: 'api.example.com' } }],
    [['environment-variable', 'adder', 'API_KEY'], { permission_type: 'environment variable', details: { key: 'API_KEY' } }],
    [['memory', 'adder'], { permission_type: 'memory', details: {} }],
  ];
  for (const [args, expected] of revokes) {
    const r = await box.run(['permission', 'revoke', ...args]);
    assert.equal(r.code, 0, show(r));
    assert.deepEqual(json(r), { status: 'permission revoked successfully', component_id: 'adder', ...expected });
  }
  let r = await box.run(['policy', 'get', 'adder']);
  assert.deepEqual(json<{ policy: { permissions: unknown } }>(r).policy.permissions, {
    storage: { allow: [{ uri: 'fs:///tmp/data', access: ['read', 'write'] }] },
  });
  r = await box.run(['permission', 'reset', 'adder']);
  assert.equal(r.code, 0, show(r));
  assert.deepEqual(json(r), { status: 'permissions reset successfully', component_id: 'adder' });
  await assert.rejects(access(join(box.componentDir, 'adder.policy.yaml')));
  r = await box.run(['policy', 'get', 'adder']);
  assert.equal(json(r).status, 'no policy found');
});

test('invalid permission arguments: exit 2 with a message saying how to fix them', async () => {
  const cases: [string[], RegExp][] = [
    [['grant', 'storage', 'adder', 'fs:///x'], /^Error: storage grants need --access: read, write or read,write/],
    [['grant', 'storage', 'adder', 'fs:///x', '--access', 'exec'], /^Error: invalid access 'exec' in --access exec: use read, write or read,write/],
    [['grant', 'storage', 'adder', '/not/a/uri', '--access', 'read'], /^Error: cannot grant storage "\/not\/a\/uri": /],
    [['grant', 'network', 'adder', '*.*.example.com'], /^Error: cannot grant network access to "\*\.\*\.example\.com": /],
    [['grant', 'network', 'adder', '10.0.0.0/33'], /^Error: cannot grant network access to "10\.0\.0\.0\/33": /],
    [['grant', 'environment-variable', 'adder', 'A*'], /^Error: cannot grant environment variable "A\*": /],
    [['grant', 'memory', 'adder', '512'], /^Error: cannot grant memory "512": 512 is 512 bytes, below the minimum of 1Mi; .*did you mean "512Mi"\?/],
    [['grant', 'memory', 'adder', 'lots'], /^Error: cannot grant memory "lots": /],
    [['grant', 'gpu', 'adder', 'x'], /^Error: unknown command 'gpu'/],
    [['grant', 'network', 'adder'], /^Error: missing required argument 'host'/],
  ];
  for (const [args, pattern] of cases) {
    const r = await box.run(['permission', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}\n${show(r)}`);
    assert.match(r.stderr, pattern, args.join(' '));
  }
  const r = await box.run(['policy', 'get', 'adder']);
  assert.equal(json(r).status, 'no policy found', 'invalid grants change nothing');
});

test('permission commands on an unknown component: exit 3', async () => {
  for (const args of [
    ['permission', 'grant', 'network', 'nope', 'api.example.com'],
    ['permission', 'revoke', 'network', 'nope', 'api.example.com'],
    ['permission', 'reset', 'nope'],
    ['policy', 'get', 'nope'],
  ]) {
    const r = await box.run(args);
    assert.equal(r.code, 3, `${args.join(' ')}\n${show(r)}`);
    assert.equal(r.stderr, "Error: Component 'nope' not found\n");
  }
});
