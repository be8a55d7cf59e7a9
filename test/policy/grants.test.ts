import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPolicy, grant, reset, revoke } from '../../src/policy/grants.js';
import { PolicyError } from '../../src/policy/errors.js';
import { parsePolicy, serializePolicy } from '../../src/policy/parse.js';
import { checkNetworkAccess } from '../../src/policy/network.js';
import { memoryLimitBytes } from '../../src/policy/memory.js';
import type { PermissionDetails } from '../../src/app/types.js';
import type { Policy } from '../../src/policy/types.js';

function grantError(details: unknown, policy?: Policy): string {
  try {
    grant(policy, details as PermissionDetails);
  } catch (error) {
    assert.ok(error instanceof PolicyError, String(error));
    return error.message;
  }
  assert.fail('expected the grant to be refused');
}

test('a first grant creates a policy with version "1.0" and a description', () => {
  assert.deepEqual(grant(undefined, { kind: 'network', host: 'api.example.com' }, { componentId: 'weather' }), {
    version: '1.0',
    description: 'Auto-generated policy for component: weather',
    permissions: { network: { allow: [{ host: 'api.example.com' }] } },
  });
  assert.deepEqual(createPolicy(), { version: '1.0', description: 'Permissions granted with tapedeck', permissions: {} });
});

test('grant never modifies its input', () => {
  const original: Policy = { version: '1.0', permissions: { storage: { allow: [{ uri: 'fs:///data', access: ['read'] }] } } };
  const copy = structuredClone(original);
  const next = grant(original, { kind: 'storage', uri: 'fs:///data', access: ['write'] });
  assert.deepEqual(original, copy);
  assert.deepEqual(next.permissions.storage?.allow, [{ uri: 'fs:///data', access: ['read', 'write'] }]);
  revoke(next, { kind: 'storage', uri: 'fs:///data' } as PermissionDetails);
  assert.deepEqual(next.permissions.storage?.allow, [{ uri: 'fs:///data', access: ['read', 'write'] }]);
});

test('storage: same place → union of access; different places → separate entries', () => {
  let policy = grant(undefined, { kind: 'storage', uri: 'fs://workspace/', access: ['write'] });
  policy = grant(policy, { kind: 'storage', uri: 'fs://workspace/**', access: ['read'] });
  policy = grant(policy, { kind: 'storage', uri: 'fs://workspace', access: ['read', 'read'] });
  policy = grant(policy, { kind: 'storage', uri: 'fs:///workspace', access: ['read'] });
  assert.deepEqual(policy.permissions.storage?.allow, [
    { uri: 'fs://workspace/', access: ['read', 'write'] },
    { uri: 'fs:///workspace', access: ['read'] },
  ]);
});

test('storage: revoke removes the place entirely, whatever its access or spelling', () => {
  let policy = grant(undefined, { kind: 'storage', uri: 'fs://workspace/**', access: ['read', 'write'] });
  policy = grant(policy, { kind: 'storage', uri: 'fs:///tmp/cache', access: ['read'] });
  policy = revoke(policy, { kind: 'storage', uri: 'fs://workspace', access: [] });
  assert.deepEqual(policy.permissions.storage?.allow, [{ uri: 'fs:///tmp/cache', access: ['read'] }]);
  policy = revoke(policy, { kind: 'storage', uri: 'fs:///tmp/cache/', access: ['read'] });
  assert.deepEqual(policy.permissions, {});
});

test('storage: deny lists survive grants and revokes', () => {
  const policy = parsePolicy('version: "1.0"\npermissions:\n  storage:\n    deny:\n      - {uri: "fs:///etc", access: [read]}\n', 'p');
  const granted = grant(policy, { kind: 'storage', uri: 'fs:///data', access: ['read'] });
  const revoked = revoke(granted, { kind: 'storage', uri: 'fs:///data', access: [] });
  assert.deepEqual(revoked.permissions.storage, { deny: [{ uri: 'fs:///etc', access: ['read'] }] });
});

test('storage: bad details say how to fix them', () => {
  assert.equal(
    grantError({ kind: 'storage', uri: '/data', access: ['read'] }),
    'cannot grant storage "/data": "/data" is a path, but storage URIs must be fs:// URIs; write "fs:///data"',
  );
  assert.equal(
    grantError({ kind: 'storage', uri: 'fs:///data/../etc', access: ['read'] }),
    'cannot grant storage "fs:///data/../etc": ".." segments are not allowed (a grant must not climb out of its directory); write the full path instead (e.g. "fs:///abs/dir")',
  );
  assert.equal(
    grantError({ kind: 'storage', uri: 'fs:///data', access: [] }),
    'cannot grant storage "fs:///data": access must list at least one of read, write (e.g. access: [read])',
  );
  assert.equal(
    grantError({ kind: 'storage', uri: 'fs:///data', access: ['rw'] }),
    'cannot grant storage "fs:///data": access item 0 ("rw") is not an access type; use read and/or write',
  );
  assert.equal(grantError({ kind: 'storage', uri: 'fs:///data' }), 'cannot grant storage "fs:///data": access must be a list of read and/or write (e.g. access: [read])');
  assert.equal(grantError({ kind: 'storage', access: ['read'] }), 'cannot grant storage null: give the URI as text, e.g. "fs:///data" or "fs://workspace"');
});

test('network: canonical, de-duplicated, scheme and port kept', () => {
  let policy = grant(undefined, { kind: 'network', host: 'API.Example.com.' });
  policy = grant(policy, { kind: 'network', host: 'api.example.com' });
  policy = grant(policy, { kind: 'network', host: 'HTTPS://API.example.com/v1/' });
  policy = grant(policy, { kind: 'network', host: 'https://api.example.com:443' });
  policy = grant(policy, { kind: 'network', host: 'api.example.com:8443' });
  policy = grant(policy, { kind: 'network', host: ' api.example.com.:8443 ' });
  policy = grant(policy, { kind: 'network', host: '*.CDN.example' });
  policy = grant(policy, { kind: 'network', host: '::1' });
  policy = grant(policy, { kind: 'network', host: '[::1]' });
  policy = grant(policy, { kind: 'network', host: '10.1.2.3/8' });
  policy = grant(policy, { kind: 'network', host: '10.0.0.0/8' });
  assert.deepEqual(policy.permissions.network?.allow, [
    { host: 'api.example.com' },
    { host: 'https://api.example.com' },
    { host: 'api.example.com:8443' },
    { host: '*.cdn.example' },
    { host: '[::1]' },
    { cidr: '10.0.0.0/8' },
  ]);
});

test('network: an existing equivalent entry written differently is not duplicated', () => {
  const policy = parsePolicy('version: "1.0"\npermissions:\n  network:\n    allow:\n      - host: "API.example.com."\n      - cidr: "10.9.9.9/8"\n', 'p');
  const next = grant(grant(policy, { kind: 'network', host: 'api.example.com' }), { kind: 'network', host: '10.0.0.0/8' });
  assert.deepEqual(next.permissions.network?.allow, [{ host: 'API.example.com.' }, { cidr: '10.9.9.9/8' }]);
});

test('network: a bare host revokes it under every scheme and port; a specific one only itself', () => {
  let policy: Policy | undefined;
  for (const host of ['api.example.com', 'https://api.example.com', 'api.example.com:8443', 'other.example.com', '*.example.com', '*.example.com:8443']) {
    policy = grant(policy, { kind: 'network', host });
  }
  const specific = revoke(policy, { kind: 'network', host: 'api.example.com:8443' });
  assert.deepEqual(specific.permissions.network?.allow, [
    { host: 'api.example.com' },
    { host: 'https://api.example.com' },
    { host: 'other.example.com' },
    { host: '*.example.com' },
    { host: '*.example.com:8443' },
  ]);
  const bare = revoke(policy, { kind: 'network', host: 'API.EXAMPLE.COM.' });
  assert.deepEqual(bare.permissions.network?.allow, [{ host: 'other.example.com' }, { host: '*.example.com' }, { host: '*.example.com:8443' }]);
  const wildcard = revoke(bare, { kind: 'network', host: '*.example.com' });
  assert.deepEqual(wildcard.permissions.network?.allow, [{ host: 'other.example.com' }]);
  assert.equal(checkNetworkAccess(bare, { scheme: 'https', host: 'api.example.com' }).allowed, true, 'still allowed through *.example.com');
  assert.equal(checkNetworkAccess(wildcard, { scheme: 'https', host: 'api.example.com' }).allowed, false);
  const cidr = revoke(grant(undefined, { kind: 'network', host: '10.0.0.0/8' }), { kind: 'network', host: '10.0.0.0/8' });
  assert.deepEqual(cidr.permissions, {});
});

test('network: bad hosts say how to fix them', () => {
  assert.equal(
    grantError({ kind: 'network', host: 'api.*.example.com' }),
    'cannot grant network access to "api.*.example.com": a wildcard is only allowed as a leading "*." (e.g. "*.example.com")',
  );
  assert.equal(
    grantError({ kind: 'network', host: 'user@api.example.com' }),
    'cannot grant network access to "user@api.example.com": must not contain user info ("user@"); write just the host (e.g. "api.example.com")',
  );
  assert.equal(grantError({ kind: 'network', host: '' }), 'cannot grant network access to "": must not be empty (e.g. "api.example.com")');
  assert.equal(
    grantError({ kind: 'network', host: '10.0.0.0/40' }),
    'cannot grant network access to "10.0.0.0/40": the prefix length after "/" must be a number from 0 to 32 for an IPv4 range (e.g. "10.0.0.0/8")',
  );
  assert.equal(
    grantError({ kind: 'network', host: 'api.example.com:http' }),
    'cannot grant network access to "api.example.com:http": the port "http" must be a number from 1 to 65535 (e.g. "api.example.com:8443")',
  );
  assert.equal(grantError({ kind: 'network', host: 5 }), 'cannot grant network access to 5: give the host as text, e.g. "api.example.com"');
});

test('environment: each key once; revoke removes it; bad keys explained', () => {
  let policy = grant(undefined, { kind: 'environment-variable', key: 'API_KEY' });
  policy = grant(policy, { kind: 'environment-variable', key: 'API_KEY' });
  policy = grant(policy, { kind: 'environment-variable', key: 'api_key' });
  assert.deepEqual(policy.permissions.environment?.allow, [{ key: 'API_KEY' }, { key: 'api_key' }]);
  policy = revoke(policy, { kind: 'environment-variable', key: 'API_KEY' });
  assert.deepEqual(policy.permissions.environment?.allow, [{ key: 'api_key' }]);
  assert.equal(
    grantError({ kind: 'environment-variable', key: 'AWS_*' }),
    'cannot grant environment variable "AWS_*": the name wildcards are not allowed in environment variable names; list each variable (e.g. key: "API_KEY")',
  );
  assert.equal(
    grantError({ kind: 'environment-variable', key: 'TOKEN=abc' }),
    'cannot grant environment variable "TOKEN=abc": the name must not contain "="; give only the name (e.g. "API_KEY"): the value comes from the server environment or the component secrets',
  );
  assert.equal(grantError({ kind: 'environment-variable', key: '' }), 'cannot grant environment variable "": the name must not be empty (e.g. "API_KEY")');
});

test('memory: grant sets resources.limits.memory, revoke removes every limit', () => {
  let policy = grant(undefined, { kind: 'memory', limit: '512Mi' });
  assert.deepEqual(policy.permissions.resources, { limits: { memory: '512Mi' } });
  assert.equal(memoryLimitBytes(policy, 64 * 1024 * 1024), 512 * 1024 * 1024);
  policy = grant(policy, { kind: 'memory', limit: ' 2Gi ' });
  assert.deepEqual(policy.permissions.resources, { limits: { memory: '2Gi' } });
  const legacy = parsePolicy('version: "1.0"\npermissions:\n  resources:\n    limits: {cpu: "500m", memory: "1Gi"}\n    memory: 256\n    io: 5\n', 'p');
  const revoked = revoke(legacy, { kind: 'memory', limit: '' });
  assert.deepEqual(revoked.permissions.resources, { limits: { cpu: '500m' }, io: 5 });
  assert.equal(memoryLimitBytes(revoked, 123), 123);
  assert.deepEqual(revoke(policy, { kind: 'memory', limit: 'ignored' }).permissions, {});
});

test('memory: bad limits explained, including a unitless number (bytes)', () => {
  assert.equal(
    grantError({ kind: 'memory', limit: '512' }),
    'cannot grant memory "512": 512 is 512 bytes, below the minimum of 1Mi; a number without a unit is bytes; did you mean "512Mi"?',
  );
  assert.equal(grantError({ kind: 'memory', limit: '64Ki' }), 'cannot grant memory "64Ki": 64Ki is 65536 bytes, below the minimum of 1Mi; components need far more to run');
  assert.equal(
    grantError({ kind: 'memory', limit: '1GB' }),
    'cannot grant memory "1GB": "1GB": unknown unit "GB"; use Ki, Mi, Gi or Ti (powers of 1024) or K, M, G, T (powers of 1000), e.g. "512Mi" or "1Gi"',
  );
  assert.equal(grantError({ kind: 'memory', limit: 512 }), 'cannot grant memory 512: give the limit as text with a unit, e.g. "512Mi" or "1Gi"');
});

test('unknown kinds and missing details are refused', () => {
  assert.equal(grantError({ kind: 'cpu', limit: '1' }), 'cannot grant a permission of kind "cpu"; use storage, network, environment-variable or memory');
  assert.equal(grantError(undefined), 'cannot grant: the permission details are missing; give e.g. {kind: "network", host: "api.example.com"}');
});

test('grant and revoke are idempotent', () => {
  const all: PermissionDetails[] = [
    { kind: 'storage', uri: 'fs:///data', access: ['read', 'write'] },
    { kind: 'network', host: 'https://api.example.com:8443' },
    { kind: 'environment-variable', key: 'API_KEY' },
    { kind: 'memory', limit: '256Mi' },
  ];
  let once: Policy | undefined;
  for (const d of all) once = grant(once, d);
  let twice = once!;
  for (const d of all) twice = grant(twice, d);
  assert.deepEqual(twice, once);
  let revokedOnce = once!;
  for (const d of all) revokedOnce = revoke(revokedOnce, d);
  let revokedTwice = revokedOnce;
  for (const d of all) revokedTwice = revoke(revokedTwice, d);
  assert.deepEqual(revokedOnce, { version: '1.0', description: 'Permissions granted with tapedeck', permissions: {} });
  assert.deepEqual(revokedTwice, revokedOnce);
});

test('revoking without a policy gives an empty one; reset means no policy', () => {
  assert.deepEqual(revoke(undefined, { kind: 'network', host: 'a.com' }, { componentId: 'x' }), {
    version: '1.0',
    description: 'Auto-generated policy for component: x',
    permissions: {},
  });
  assert.equal(reset(), undefined);
});

test('granted policies serialize and parse back', () => {
  let policy: Policy | undefined;
  policy = grant(policy, { kind: 'storage', uri: 'fs:///tmp/my%20dir', access: ['read'] });
  policy = grant(policy, { kind: 'network', host: '*.example.com' });
  policy = grant(policy, { kind: 'network', host: '[::1]:8080' });
  policy = grant(policy, { kind: 'network', host: 'fd00::/8' });
  policy = grant(policy, { kind: 'memory', limit: '1024' + 'Mi' });
  assert.deepEqual(parsePolicy(serializePolicy(policy), 'p'), policy);
});
