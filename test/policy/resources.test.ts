import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storageGrantFor, storageKey, storageMounts } from '../../src/policy/storage.js';
import { allowedEnvironment } from '../../src/policy/environment.js';
import { GiB, KiB, MiB, TiB, formatMemory, memoryLimitBytes, parseMemory } from '../../src/policy/memory.js';
import { PolicyError } from '../../src/policy/errors.js';
import { grant } from '../../src/policy/grants.js';
import { parsePolicy } from '../../src/policy/parse.js';
import type { Policy, StoragePermission } from '../../src/policy/types.js';

function storagePolicy(...allow: StoragePermission[]): Policy {
  return { version: '1.0', permissions: { storage: { allow } } };
}

// ------------------------------------------------------------------ storage

test('absolute fs:/// URIs mount at the same path; relative ones below the component directory', () => {
  const mounts = storageMounts(
    storagePolicy(
      { uri: 'fs:///srv/data', access: ['read'] },
      { uri: 'fs://workspace/out', access: ['read', 'write'] },
    ),
    '/var/lib/tapedeck/components',
  );
  assert.deepEqual(mounts, [
    { uri: 'fs:///srv/data', guestPath: '/srv/data', hostPath: '/srv/data', access: 'read' },
    { uri: 'fs://workspace/out', guestPath: 'workspace/out', hostPath: '/var/lib/tapedeck/components/workspace/out', access: 'read-write' },
  ]);
});

test('paths are percent-decoded and normalised; "/**" means the directory', () => {
  const mounts = storageMounts(
    storagePolicy(
      { uri: 'fs:///tmp/my%20dir/', access: ['read'] },
      { uri: 'fs:///srv//a/./b/**', access: ['write'] },
      { uri: 'fs://./cache/**', access: ['read'] },
    ),
    '/base',
  );
  assert.deepEqual(mounts, [
    { uri: 'fs:///tmp/my%20dir/', guestPath: '/tmp/my dir', hostPath: '/tmp/my dir', access: 'read' },
    { uri: 'fs:///srv//a/./b/**', guestPath: '/srv/a/b', hostPath: '/srv/a/b', access: 'read-write' },
    { uri: 'fs://./cache/**', guestPath: 'cache', hostPath: '/base/cache', access: 'read' },
  ]);
  assert.deepEqual(storageMounts(storagePolicy({ uri: 'fs:///', access: ['read'] }), '/base'), [
    { uri: 'fs:///', guestPath: '/', hostPath: '/', access: 'read' },
  ]);
});

test('entries for the same path are merged (union of access)', () => {
  const mounts = storageMounts(
    storagePolicy(
      { uri: 'fs:///data', access: ['read'] },
      { uri: 'fs:///data/', access: ['read'] },
      { uri: 'fs:///data/**', access: ['write'] },
      { uri: 'fs:///other', access: ['read', 'read'] },
    ),
    '/base',
  );
  assert.deepEqual(mounts, [
    { uri: 'fs:///data', guestPath: '/data', hostPath: '/data', access: 'read-write' },
    { uri: 'fs:///other', guestPath: '/other', hostPath: '/other', access: 'read' },
  ]);
});

test('globs other than a trailing "/**" and invalid entries are skipped, never widened', () => {
  const skipped: [string, string][] = [];
  const mounts = storageMounts(
    storagePolicy(
      { uri: 'fs:///var/log/*.log', access: ['read'] },
      { uri: 'fs://reports/*', access: ['read'] },
      { uri: 'fs:///a/*/b/**', access: ['read'] },
      { uri: 'fs:///data/../etc', access: ['read'] },
      { uri: '/plain/path', access: ['read'] },
      { uri: 'fs:///ok', access: [] },
      { uri: 'fs:///fine', access: ['read'] },
    ),
    '/base',
    (uri, reason) => skipped.push([uri, reason]),
  );
  assert.deepEqual(mounts, [{ uri: 'fs:///fine', guestPath: '/fine', hostPath: '/fine', access: 'read' }]);
  const glob = 'glob patterns other than a trailing "/**" cannot be mounted; grant the directory instead (e.g. "fs:///var/log")';
  assert.deepEqual(skipped, [
    ['fs:///var/log/*.log', glob],
    ['fs://reports/*', glob],
    ['fs:///a/*/b/**', glob],
    ['fs:///data/../etc', '".." segments are not allowed (a grant must not climb out of its directory); write the full path instead (e.g. "fs:///abs/dir")'],
    ['/plain/path', '"/plain/path" is a path, but storage URIs must be fs:// URIs; write "fs:///plain/path"'],
    ['fs:///ok', 'access must list at least one of read, write (e.g. access: [read])'],
  ]);
  assert.deepEqual(storageMounts(undefined, '/base'), []);
  assert.deepEqual(storageMounts({ version: '1.0', permissions: {} }, '/base'), []);
});

test('the relative rule matches Wassette: host = component dir joined with the path', () => {
  const policy = parsePolicy(
    'version: "1.0"\npermissions:\n  storage:\n    allow:\n      - uri: "fs://work/agent/**"\n        access: [read, write]\n      - uri: "fs://configs/readonly"\n        access: [read]\n',
    'p',
  );
  assert.deepEqual(
    storageMounts(policy, '/plugins').map((m) => [m.guestPath, m.hostPath, m.access]),
    [
      ['work/agent', '/plugins/work/agent', 'read-write'],
      ['configs/readonly', '/plugins/configs/readonly', 'read'],
    ],
  );
});

test('storageKey identifies the same place', () => {
  assert.equal(storageKey('fs://workspace'), 'workspace');
  assert.equal(storageKey('fs://workspace/'), 'workspace');
  assert.equal(storageKey('fs://workspace/**'), 'workspace');
  assert.equal(storageKey('fs:///workspace'), '/workspace');
  assert.equal(storageKey('fs:///a%20b'), '/a b');
  assert.equal(storageKey('fs:///x/*.log'), '/x/*.log');
  assert.equal(storageKey('fs:///x/%2A.log'), '/x/%2A.log', 'an escaped star is a literal name, not the glob');
  assert.equal(storageKey('fs:///x/%2A%2A'), '/x/%2A%2A', 'an escaped "**" is a directory named **');
  assert.equal(storageKey('nope'), undefined);
});

test('storageGrantFor suggests a grant that mounts exactly that path', () => {
  assert.deepEqual(storageGrantFor('/data/out', true), { kind: 'storage', uri: 'fs:///data/out', access: ['read', 'write'] });
  assert.deepEqual(storageGrantFor('cache/x', false), { kind: 'storage', uri: 'fs://cache/x', access: ['read'] });
  assert.deepEqual(storageGrantFor('/data/./a/../b/', false), { kind: 'storage', uri: 'fs:///data/b', access: ['read'] });
  const odd = storageGrantFor('/tmp/my dir/100%/*?#', false);
  assert.equal(odd.uri, 'fs:///tmp/my%20dir/100%25/%2A%3F%23');
  // The suggestion is a valid grant whose mount is the path asked for.
  const policy = grant(undefined, odd);
  assert.deepEqual(storageMounts(policy, '/base').map((m) => m.guestPath), ['/tmp/my dir/100%/*?#']);
  const relative = grant(undefined, storageGrantFor('cache/x', true));
  assert.deepEqual(storageMounts(relative, '/base'), [{ uri: 'fs://cache/x', guestPath: 'cache/x', hostPath: '/base/cache/x', access: 'read-write' }]);
});

// -------------------------------------------------------------- environment

test('allowedEnvironment: only granted keys that have values', () => {
  const policy = grant(grant(grant(undefined, { kind: 'environment-variable', key: 'API_KEY' }), { kind: 'environment-variable', key: 'MISSING' }), {
    kind: 'environment-variable',
    key: 'EMPTY',
  });
  const available = { API_KEY: 'secret', EMPTY: '', OTHER: 'nope', api_key: 'lower' };
  assert.deepEqual(allowedEnvironment(policy, available), { API_KEY: 'secret', EMPTY: '' });
  assert.deepEqual(allowedEnvironment(undefined, available), {});
  assert.deepEqual(allowedEnvironment({ version: '1.0', permissions: {} }, available), {});
});

test('allowedEnvironment ignores inherited properties and odd keys', () => {
  const policy: Policy = { version: '1.0', permissions: { environment: { allow: [{ key: 'toString' }, { key: '__proto__' }, { key: 'A*' }] } } };
  assert.deepEqual(allowedEnvironment(policy, {}), {});
  const available = Object.create(null) as Record<string, string>;
  available.__proto__ = 'x';
  const env = allowedEnvironment(policy, available);
  assert.deepEqual(Object.keys(env), ['__proto__']);
  assert.equal(env.__proto__, 'x');
  assert.equal(Object.getPrototypeOf(env), Object.prototype);
});

// ------------------------------------------------------------------- memory

test('parseMemory: binary and decimal suffixes, digits are bytes, numbers are MiB', () => {
  assert.equal(parseMemory('512Mi'), 512 * MiB);
  assert.equal(parseMemory('2048Ki'), 2048 * KiB);
  assert.equal(parseMemory('1Gi'), GiB);
  assert.equal(parseMemory('1Ti'), TiB);
  assert.equal(parseMemory('1.5Gi'), 1536 * MiB);
  assert.equal(parseMemory('500M'), 500_000_000);
  assert.equal(parseMemory('1k'), 1000);
  assert.equal(parseMemory('1K'), 1000);
  assert.equal(parseMemory('2G'), 2_000_000_000);
  assert.equal(parseMemory('1048576'), 1048576);
  assert.equal(parseMemory(512), 512 * MiB);
});

test('parseMemory: errors name the value and the fix', () => {
  const reason = (v: string | number) => {
    try {
      parseMemory(v);
    } catch (error) {
      assert.ok(error instanceof PolicyError);
      return error.reason;
    }
    return 'accepted';
  };
  assert.equal(reason('512MB'), '"512MB": unknown unit "MB"; use Ki, Mi, Gi or Ti (powers of 1024) or K, M, G, T (powers of 1000), e.g. "512Mi" or "1Gi"');
  assert.equal(reason('512mi'), '"512mi": unknown unit "mi"; use Ki, Mi, Gi or Ti (powers of 1024) or K, M, G, T (powers of 1000), e.g. "512Mi" or "1Gi"');
  assert.equal(reason(' 512Mi'), '" 512Mi": unknown unit "Mi"; use Ki, Mi, Gi or Ti (powers of 1024) or K, M, G, T (powers of 1000), e.g. "512Mi" or "1Gi"');
  assert.equal(reason('-1Mi'), '"-1Mi" is not a memory size; write a number with a unit (e.g. "512Mi" or "1Gi"); digits alone mean bytes');
  assert.equal(reason('1.5'), '"1.5": a size without a unit is in bytes and must be a whole number');
  assert.equal(reason('1.1Ki'), '"1.1Ki" is not a whole number of bytes');
  assert.equal(reason('0'), '"0": the size must be greater than 0 (e.g. "512Mi" or "1Gi")');
  assert.equal(reason('99999999Ti'), '"99999999Ti" is too large');
  assert.equal(reason(1.5), 'a number here means MiB and must be a whole number greater than 0; write a size with a unit instead (e.g. "512Mi" or "1Gi")');
  assert.equal(reason(-5), 'a number here means MiB and must be a whole number greater than 0; write a size with a unit instead (e.g. "512Mi" or "1Gi")');
});

test('formatMemory: largest exact binary unit, round trips through parseMemory', () => {
  assert.equal(formatMemory(512 * MiB), '512Mi');
  assert.equal(formatMemory(1536 * MiB), '1536Mi');
  assert.equal(formatMemory(2 * GiB), '2Gi');
  assert.equal(formatMemory(3 * TiB), '3Ti');
  assert.equal(formatMemory(64 * KiB), '64Ki');
  assert.equal(formatMemory(1000), '1000');
  for (const n of [1, 1000, 1024, 65536, 512 * MiB + 1, 7 * GiB, 123456789]) assert.equal(parseMemory(formatMemory(n)), n);
});

test('memoryLimitBytes: the policy limit is the grant; the default applies only without one', () => {
  const cap = 256 * MiB;
  assert.equal(memoryLimitBytes(undefined, cap), cap);
  assert.equal(memoryLimitBytes({ version: '1.0', permissions: {} }, cap), cap);
  assert.equal(memoryLimitBytes(grant(undefined, { kind: 'memory', limit: '2Gi' }), cap), 2 * GiB);
  assert.equal(memoryLimitBytes(grant(undefined, { kind: 'memory', limit: '64Mi' }), cap), 64 * MiB);
  const legacy = parsePolicy('version: "1.0"\npermissions:\n  resources:\n    memory: 128\n', 'p');
  assert.equal(memoryLimitBytes(legacy, cap), 128 * MiB);
  const both = parsePolicy('version: "1.0"\npermissions:\n  resources:\n    limits: {memory: "1Gi"}\n    memory: 128\n', 'p');
  assert.equal(memoryLimitBytes(both, cap), GiB);
  const bare = parsePolicy('version: "1.0"\npermissions:\n  resources:\n    limits: {memory: 300}\n', 'p');
  assert.equal(memoryLimitBytes(bare, cap), 300 * MiB);
  const bytes = parsePolicy('version: "1.0"\npermissions:\n  resources:\n    limits: {memory: "3145728"}\n', 'p');
  assert.equal(memoryLimitBytes(bytes, cap), 3 * MiB);
});
