import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parsePolicy, serializePolicy } from '../../src/policy/parse.js';
import { PolicyError } from '../../src/policy/errors.js';
import { validatePolicy } from '../../src/policy/validate.js';
import type { Policy } from '../../src/policy/types.js';

// dist/test/policy → repository root
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/policies/', import.meta.url));

function parseError(text: string, source = 'policy.yaml'): PolicyError {
  try {
    parsePolicy(text, source);
  } catch (error) {
    assert.ok(error instanceof PolicyError, `expected a PolicyError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the policy to be rejected');
}

/** A policy whose line 4 onwards is `body` (lines 1-3: version, permissions, section). */
function withNetwork(entries: string): string {
  return `version: "1.0"\npermissions:\n  network:\n    allow:\n${entries}`;
}

// ------------------------------------------------------------ happy paths

test('parses a full policy into plain values', () => {
  const policy = parsePolicy(
    `$schema: https://example.test/schema.json
version: "1.0"
description: "Weather tool permissions"
permissions:
  storage:
    allow:
      - uri: "fs://workspace/**"
        access: ["read", "write"]
  network:
    allow:
      - host: "api.weather.com"
      - cidr: "10.0.0.0/8"
  environment:
    allow:
      - key: "API_KEY"
  resources:
    limits: {memory: "512Mi", cpu: "500m", timeout: "30s"}
`,
    'weather.policy.yaml',
  );
  assert.deepEqual(policy, {
    $schema: 'https://example.test/schema.json',
    version: '1.0',
    description: 'Weather tool permissions',
    permissions: {
      storage: { allow: [{ uri: 'fs://workspace/**', access: ['read', 'write'] }] },
      network: { allow: [{ host: 'api.weather.com' }, { cidr: '10.0.0.0/8' }] },
      environment: { allow: [{ key: 'API_KEY' }] },
      resources: { limits: { memory: '512Mi', cpu: '500m', timeout: '30s' } },
    },
  });
});

test('null sections and lists (as Wassette accepts them) are dropped', () => {
  const policy = parsePolicy('version: "1.0"\ndescription:\npermissions:\n  storage:\n  environment:\n    allow:\n', 'p.yaml');
  assert.deepEqual(policy, { version: '1.0', permissions: { environment: {} } });
  assert.deepEqual(parsePolicy('version: "1.0"\npermissions:\n', 'p.yaml'), { version: '1.0', permissions: {} });
  assert.deepEqual(parsePolicy('version: "1.0"\n', 'p.yaml'), { version: '1.0', permissions: {} });
});

test('runtime and ipc are accepted and preserved as written', () => {
  const policy = parsePolicy(
    'version: "1.0"\npermissions:\n  runtime:\n    docker: {security: {privileged: false, extra: [1, 2]}}\n    hyperlight:\n  ipc:\n    allow: [{uri: "pipe://svc"}]\n',
    'p.yaml',
  );
  assert.deepEqual(policy.permissions.runtime, { docker: { security: { privileged: false, extra: [1, 2] } }, hyperlight: null });
  assert.deepEqual(policy.permissions.ipc, { allow: [{ uri: 'pipe://svc' }] });
});

test('a leading byte-order mark and comments are fine', () => {
  assert.equal(parsePolicy('\uFEFF# comment\nversion: "1.5" # minor versions are 1.x\npermissions: {}\n', 'p.yaml').version, '1.5');
});

// ------------------------------------------------------------- YAML level

test('invalid YAML reports line and column', () => {
  const error = parseError('version: "1.0"\npermissions:\n  network: [1,\n');
  assert.equal(error.line, 4);
  assert.equal(error.column, 1);
  assert.match(error.message, /^policy\.yaml:4:1: invalid YAML: /);
});

test('duplicate keys and multiple documents are YAML errors with a fix', () => {
  assert.equal(
    parseError('version: "1.0"\nversion: "1.1"\npermissions: {}\n').message,
    'policy.yaml:2:1: invalid YAML: a key appears twice in the same mapping; keep one (merge their entries)',
  );
  assert.equal(
    parseError('version: "1.0"\n---\nversion: "1.0"\n').message,
    'policy.yaml:2:1: invalid YAML: the file holds more than one YAML document ("---"); a policy is a single document',
  );
});

test('an empty file says what a minimal policy looks like', () => {
  const expected = 'policy.yaml: the policy is empty; a minimal policy is:\nversion: "1.0"\npermissions: {}';
  assert.equal(parseError('').message, expected);
  assert.equal(parseError('# only a comment\n\n').message, expected);
  assert.equal(parseError('   \n').message, expected);
});

test('a document that is not a mapping is rejected with the minimal policy', () => {
  assert.equal(
    parseError('- version: "1.0"\n').message,
    'policy.yaml:1: a policy must be a mapping with "version" and "permissions", found a list; a minimal policy is:\nversion: "1.0"\npermissions: {}',
  );
});

// ---------------------------------------------------------------- version

test('version: required, a quoted string starting with "1."', () => {
  assert.equal(parseError('permissions: {}\n').message, 'policy.yaml:1: version: is required; add version: "1.0" at the top of the policy');
  assert.equal(
    parseError('description: x\nversion: 1.0\npermissions: {}\n').message,
    'policy.yaml:2: version: must be a quoted string such as "1.0": unquoted, YAML reads it as the number 1; write version: "1.0"',
  );
  assert.equal(
    parseError('version: "2.0"\npermissions: {}\n').message,
    'policy.yaml:1: version: unsupported policy version "2.0": tapedeck reads policy format 1.x; write version: "1.0"',
  );
  assert.equal(parseError('version: "10.0"\n').reason, 'unsupported policy version "10.0": tapedeck reads policy format 1.x; write version: "1.0"');
  assert.equal(parseError('version: [1]\n').reason, 'must be a string such as "1.0", found a list');
});

// ------------------------------------------------------------ unknown keys

test('unknown keys are named, located and get a suggestion', () => {
  assert.equal(
    parseError('version: "1.0"\npermisions: {}\n').message,
    'policy.yaml:2: permisions: unknown key "permisions" (did you mean "permissions"?); allowed here: $schema, version, description, permissions',
  );
  assert.equal(
    parseError('version: "1.0"\npermissions:\n  storage:\n    allow:\n      - uri: fs:///data\n        acess: [read]\n').message,
    'policy.yaml:6: permissions.storage.allow[0].acess: unknown key "acess" (did you mean "access"?); allowed here: uri, access',
  );
  assert.equal(
    parseError('version: "1.0"\npermissions:\n  netwrok: {}\n').message,
    'policy.yaml:3: permissions.netwrok: unknown key "netwrok" (did you mean "network"?); allowed here: storage, network, environment, resources, runtime, ipc',
  );
  assert.equal(
    parseError('version: "1.0"\npermissions:\n  resources:\n    limits:\n      memroy: 512Mi\n').message,
    'policy.yaml:5: permissions.resources.limits.memroy: unknown key "memroy" (did you mean "memory"?); allowed here: cpu, memory, timeout',
  );
  assert.equal(
    parseError('version: "1.0"\npermissions:\n  network:\n    allow:\n      - host: a.com\n        port: 80\n').message,
    'policy.yaml:6: permissions.network.allow[0].port: unknown key "port"; allowed here: host, cidr',
  );
  assert.equal(
    parseError('version: "1.0"\npermissions:\n  env: {}\n').reason,
    'unknown key "env"; environment variables go under "environment" (e.g. environment: {allow: [{key: API_KEY}]})',
  );
  assert.equal(
    parseError('version: "1.0"\npermissions:\n  environment:\n    deny: [{key: A}]\n').message,
    'policy.yaml:4: permissions.environment.deny: environment has no deny list: variables are allow-only (nothing is visible unless allowed); remove it',
  );
});

test('wrong shapes say what was expected', () => {
  assert.equal(
    parseError('version: "1.0"\npermissions:\n  network:\n    allow:\n      host: a.com\n').message,
    'policy.yaml:5: permissions.network.allow: must be a list, found a mapping; write e.g.\n  allow:\n    - host: "api.example.com"',
  );
  assert.equal(
    parseError('version: "1.0"\npermissions:\n  network:\n    allow:\n      - a.com\n').message,
    'policy.yaml:5: permissions.network.allow[0]: each entry must be a mapping such as {host: "api.example.com"} or {cidr: "10.0.0.0/8"}, found the text "a.com"',
  );
  assert.equal(
    parseError('version: "1.0"\npermissions: [storage]\n').message,
    'policy.yaml:2: permissions: must be a mapping (of storage, network, environment, resources, runtime, ipc; use {} for none), found a list',
  );
  assert.equal(
    parseError('version: "1.0"\ndescription: 5\n').message,
    'policy.yaml:2: description: must be text, found the number 5; quote it',
  );
});

// ----------------------------------------------------------------- network

test('host wildcard: only a leading "*." (or a bare "*")', () => {
  assert.equal(
    parseError(withNetwork('      - host: "api.example.com"\n      - host: "api.*.example.com"\n')).message,
    'policy.yaml:6: permissions.network.allow[1].host: a wildcard is only allowed as a leading "*." (e.g. "*.example.com")',
  );
  assert.equal(
    parseError(withNetwork('      - host: "*.*.example.com"\n')).reason,
    'only one wildcard is allowed, as a leading "*." (e.g. "*.example.com")',
  );
  assert.equal(parseError(withNetwork('      - host: "example*.com"\n')).reason, 'a wildcard is only allowed as a leading "*." (e.g. "*.example.com")');
  assert.equal(parseError(withNetwork('      - host: "**example.com"\n')).reason, 'only one wildcard is allowed, as a leading "*." (e.g. "*.example.com")');
  assert.equal(parseError(withNetwork('      - host: "https://*.example.com"\n')).reason, 'a wildcard is only allowed as a leading "*." (e.g. "*.example.com")');
  assert.equal(parseError(withNetwork('      - host: "*."\n')).reason, 'needs a domain name after "*." (e.g. "*.example.com")');
  assert.equal(parseError(withNetwork('      - host: "*.example."\n')).reason, 'needs a domain name after "*." (e.g. "*.example.com")');
  assert.equal(
    parseError(withNetwork('      - host: "*.10.0.0.1"\n')).reason,
    'a wildcard needs a domain name after "*." (e.g. "*.example.com"), not an IP address; use cidr: for address ranges',
  );
  const ok = parsePolicy(withNetwork('      - host: "*"\n      - host: "*.example.com"\n      - host: "*.example.com:8443"\n'), 'p.yaml');
  assert.equal(ok.permissions.network?.allow?.length, 3);
});

test('host: other problems name the host and the fix', () => {
  const reason = (host: string) => parseError(withNetwork(`      - host: ${JSON.stringify(host)}\n`)).reason;
  assert.equal(reason(''), 'must not be empty (e.g. "api.example.com")');
  assert.equal(reason('user@api.example.com'), 'must not contain user info ("user@"); write just the host (e.g. "api.example.com")');
  assert.equal(reason('api example.com'), 'must not contain whitespace or control characters');
  assert.equal(reason('api.example.com:99999'), 'the port "99999" must be a number from 1 to 65535 (e.g. "api.example.com:8443")');
  assert.equal(reason('api.example.com/v1'), 'a host without a scheme cannot have a path; write just the host (e.g. "api.example.com") or a URL (e.g. "https://api.example.com/")');
  assert.equal(reason('10.0.0.0/8'), '"10.0.0.0/8" is an address range; write it as a CIDR entry: cidr: "10.0.0.0/8"');
  assert.equal(reason('fe80::1:8080x'), 'an IPv6 address with a port must be in brackets (e.g. "[::1]:8080")');
  assert.equal(reason('a..b.com'), 'the host "a..b.com" has an empty label (a leading dot, ".." or more than one trailing dot)');
  assert.equal(reason(`${'a'.repeat(64)}.com`), `the host "${'a'.repeat(64)}.com" has a label longer than 63 characters`);
  assert.equal(reason(':://x'), '":://x" has an invalid scheme; write e.g. "https://api.example.com"');
  assert.equal(parseError(withNetwork('      - host: 42\n')).reason, 'must be text such as "api.example.com", found the number 42; quote it');
  // Accepted forms.
  const ok = parsePolicy(
    withNetwork('      - host: "https://api.x.com/"\n      - host: "HTTPS://API.X.COM:8443/v1/path"\n      - host: "[::1]:8080"\n      - host: "::1"\n      - host: "localhost:8080"\n      - host: "api.x.com."\n'),
    'p.yaml',
  );
  assert.equal(ok.permissions.network?.allow?.length, 6);
});

test('cidr: needs "/" and a valid IPv4/IPv6 range', () => {
  const reason = (cidr: string) => parseError(withNetwork(`      - cidr: ${JSON.stringify(cidr)}\n`)).reason;
  assert.equal(reason('10.0.0.0'), '"10.0.0.0" needs a prefix length after "/" (e.g. "10.0.0.0/8"); for a single address use host: "10.0.0.0"');
  assert.equal(reason('10.0.0/8'), '"10.0.0" is not an IPv4 or IPv6 address (e.g. "10.0.0.0/8" or "fd00::/8")');
  assert.equal(reason('10.0.0.0/33'), 'the prefix length after "/" must be a number from 0 to 32 for an IPv4 range (e.g. "10.0.0.0/8")');
  assert.equal(reason('fd00::/129'), 'the prefix length after "/" must be a number from 0 to 128 for an IPv6 range (e.g. "fd00::/8")');
  assert.equal(reason('example.com/8'), '"example.com" is not an IPv4 or IPv6 address (e.g. "10.0.0.0/8" or "fd00::/8")');
  assert.equal(reason(''), 'must not be empty (e.g. "10.0.0.0/8")');
  const error = parseError(withNetwork('      - cidr: "10.0.0.0/8"\n      - cidr: "300.0.0.0/8"\n'));
  assert.equal(error.line, 6);
  assert.equal(error.path, 'permissions.network.allow[1].cidr');
  assert.deepEqual(parsePolicy(withNetwork('      - cidr: "fd00::/8"\n      - cidr: "0.0.0.0/0"\n'), 'p').permissions.network?.allow, [
    { cidr: 'fd00::/8' },
    { cidr: '0.0.0.0/0' },
  ]);
});

test('a network entry has exactly one of host and cidr', () => {
  assert.equal(
    parseError(withNetwork('      - host: a.com\n        cidr: 10.0.0.0/8\n')).message,
    'policy.yaml:6: permissions.network.allow[0].cidr: an entry has either host or cidr, not both; split it into two entries',
  );
  assert.equal(
    parseError(withNetwork('      - {}\n')).message,
    'policy.yaml:5: permissions.network.allow[0]: each entry needs host (e.g. host: "api.example.com") or cidr (e.g. cidr: "10.0.0.0/8")',
  );
  assert.equal(
    parseError(withNetwork('      - defaults: true\n')).message,
    'policy.yaml:5: permissions.network.allow[0].defaults: "defaults" network entries are not supported by tapedeck; list the hosts the component needs (e.g. host: "registry.npmjs.org")',
  );
});

test('deny lists are validated with the same rules', () => {
  assert.equal(
    parseError('version: "1.0"\npermissions:\n  network:\n    deny:\n      - host: "a*b"\n').message,
    'policy.yaml:5: permissions.network.deny[0].host: a wildcard is only allowed as a leading "*." (e.g. "*.example.com")',
  );
});

// ----------------------------------------------------------------- storage

function withStorage(entries: string): string {
  return `version: "1.0"\npermissions:\n  storage:\n    allow:\n${entries}`;
}

test('storage URIs must be fs:// URIs', () => {
  const reason = (uri: string) => parseError(withStorage(`      - uri: ${JSON.stringify(uri)}\n        access: [read]\n`)).reason;
  assert.equal(reason('/data'), '"/data" is a path, but storage URIs must be fs:// URIs; write "fs:///data"');
  assert.equal(reason('file:///data'), 'storage URIs must be fs:// URIs, not file://; write "fs:///data"');
  assert.equal(reason('data'), 'storage URIs must be fs:// URIs (e.g. "fs:///abs/dir" or "fs://relative/dir")');
  assert.equal(reason('fs://'), 'the path after fs:// is empty (e.g. "fs:///abs/dir" or "fs://relative/dir")');
  assert.equal(
    parseError(withStorage('      - uri: "fs:///ok"\n        access: [read]\n      - uri: "/data"\n        access: [read]\n')).message,
    'policy.yaml:7: permissions.storage.allow[1].uri: "/data" is a path, but storage URIs must be fs:// URIs; write "fs:///data"',
  );
});

test('storage URIs: "**" must be a whole segment, no "***", one "*" per segment', () => {
  const reason = (uri: string) => parseError(withStorage(`      - uri: ${JSON.stringify(uri)}\n        access: [read]\n`)).reason;
  assert.equal(reason('fs://work/agent/**file'), '"**" must be a whole path segment (e.g. "fs://workspace/**")');
  assert.equal(reason('fs://work/agent/file**.txt'), '"**" must be a whole path segment (e.g. "fs://workspace/**")');
  assert.equal(reason('fs://work/agent/**/**.txt'), '"**" must be a whole path segment (e.g. "fs://workspace/**")');
  assert.equal(reason('fs://work/agent/***'), 'has too many wildcards ("***"); use "**" as a whole segment (e.g. "fs://workspace/**")');
  assert.equal(reason('fs://work/*a*b'), 'the segment "*a*b" has more than one "*"; use at most one "*" per segment, or "**" as a whole segment');
  // Wassette's valid examples.
  for (const uri of ['fs://work/agent/**', 'fs://work/*/data', 'fs://work/agent/*', 'fs://work/agent/*/subdir/**', 'fs:///var/log/*.log']) {
    assert.equal(parsePolicy(withStorage(`      - uri: "${uri}"\n        access: [read]\n`), 'p').permissions.storage?.allow?.[0].uri, uri);
  }
});

test('storage URIs: no "..", no encoded "/", valid percent-escapes, not the component directory itself', () => {
  const reason = (uri: string) => parseError(withStorage(`      - uri: ${JSON.stringify(uri)}\n        access: [read]\n`)).reason;
  const climb = '".." segments are not allowed (a grant must not climb out of its directory); write the full path instead (e.g. "fs:///abs/dir")';
  assert.equal(reason('fs://workspace/../etc'), climb);
  assert.equal(reason('fs:///data/%2e%2e/etc'), climb);
  assert.equal(reason('fs://../x'), climb);
  assert.equal(reason('fs:///data/a%2Fb'), '"a%2Fb" encodes "/" (%2F) inside a segment; write the path with plain "/" separators');
  assert.equal(reason('fs:///data/100%'), '"100%" has an invalid percent-escape; write "%" as "%25"');
  assert.equal(reason('fs:///data/%00'), 'contains a NUL character');
  assert.equal(
    reason('fs://**'),
    '"fs://**" would mount the component directory itself (where policies are stored); grant a subdirectory (e.g. "fs://workspace") or an absolute path (e.g. "fs:///data")',
  );
  assert.match(reason('fs://./'), /would mount the component directory itself/);
});

test('storage access: a non-empty list of read/write', () => {
  const reason = (access: string) => parseError(withStorage(`      - uri: "fs:///data"\n        access: ${access}\n`)).reason;
  assert.equal(reason('[]'), 'must list at least one of read, write (e.g. access: [read])');
  assert.equal(reason('read'), 'must be a list, e.g. access: [read]');
  assert.equal(reason('write'), 'must be a list, e.g. access: [read, write]');
  assert.equal(reason('[read, execute]'), 'item 1 ("execute") is not an access type; use read and/or write');
  assert.equal(reason('[READ]'), 'item 0 ("READ") is not an access type; use read and/or write');
  const error = parseError(withStorage('      - uri: "fs:///data"\n        access: []\n'));
  assert.equal(error.message, 'policy.yaml:6: permissions.storage.allow[0].access: must list at least one of read, write (e.g. access: [read])');
  assert.equal(
    parseError(withStorage('      - uri: "fs:///data"\n')).message,
    'policy.yaml:5: permissions.storage.allow[0].access: is required (e.g. access: [read] or access: [read, write])',
  );
  assert.equal(parseError(withStorage('      - access: [read]\n')).message, 'policy.yaml:5: permissions.storage.allow[0].uri: is required (e.g. uri: "fs:///data")');
});

// ------------------------------------------------------------- environment

test('environment keys: non-empty, no "*", no "="', () => {
  const env = (key: string) => `version: "1.0"\npermissions:\n  environment:\n    allow:\n      - key: PATH\n      - key: ${key}\n`;
  assert.equal(
    parseError(env('"API_*"')).message,
    'policy.yaml:6: permissions.environment.allow[1].key: wildcards are not allowed in environment variable names; list each variable (e.g. key: "API_KEY")',
  );
  assert.equal(
    parseError(env('"API_KEY=secret"')).reason,
    'must not contain "="; give only the name (e.g. "API_KEY"): the value comes from the server environment or the component secrets',
  );
  assert.equal(parseError(env('""')).reason, 'must not be empty (e.g. "API_KEY")');
  assert.equal(parseError(env('"A B"')).reason, 'must not contain whitespace or control characters');
  assert.equal(parseError(env('')).message, 'policy.yaml:6: permissions.environment.allow[1].key: is required (e.g. key: API_KEY)');
});

// --------------------------------------------------------------- resources

test('resources: memory sizes, cpu, legacy fields', () => {
  const res = (body: string) => `version: "1.0"\npermissions:\n  resources:\n${body}`;
  assert.equal(
    parseError(res('    limits:\n      memory: "512MB"\n')).message,
    'policy.yaml:5: permissions.resources.limits.memory: "512MB": unknown unit "MB"; use Ki, Mi, Gi or Ti (powers of 1024) or K, M, G, T (powers of 1000), e.g. "512Mi" or "1Gi"',
  );
  assert.equal(parseError(res('    limits:\n      memory: "lots"\n')).reason, '"lots" is not a memory size; write a number with a unit (e.g. "512Mi" or "1Gi"); digits alone mean bytes');
  assert.equal(parseError(res('    limits:\n      memory: 0\n')).reason, 'a number here means MiB and must be a whole number greater than 0; write a size with a unit instead (e.g. "512Mi" or "1Gi")');
  assert.equal(parseError(res('    limits:\n      memory: "0Mi"\n')).reason, '"0Mi": the size must be greater than 0 (e.g. "512Mi" or "1Gi")');
  assert.equal(
    parseError(res('    limits:\n      cpu: "half"\n')).message,
    'policy.yaml:5: permissions.resources.limits.cpu: must be cores as a number (e.g. 0.5) or millicores as text (e.g. "500m")',
  );
  assert.equal(
    parseError(res('    limits:\n      timeout: "1h"\n')).reason,
    'must be seconds as a number (e.g. 30) or text with a unit (e.g. "30s", "500ms", "2m")',
  );
  assert.equal(
    parseError(res('    memory: 1.5\n')).message,
    'policy.yaml:4: permissions.resources.memory: must be a whole number of MiB greater than 0 (legacy field); prefer limits: {memory: "512Mi"}',
  );
  const ok = parsePolicy(res('    limits: {memory: 512, cpu: 1.5}\n    cpu: 50.0\n    memory: 128\n    io: 100\n'), 'p');
  assert.deepEqual(ok.permissions.resources, { limits: { memory: 512, cpu: 1.5 }, cpu: 50, memory: 128, io: 100 });
});

// ------------------------------------------------------------ the sources

test('the error names the source it was given', () => {
  const error = parseError('version: "2"\n', '/srv/components/weather.policy.yaml');
  assert.equal(error.message, '/srv/components/weather.policy.yaml:1: version: unsupported policy version "2": tapedeck reads policy format 1.x; write version: "1.0"');
  assert.equal(error.source, '/srv/components/weather.policy.yaml');
  assert.equal(error.line, 1);
  assert.equal(error.path, 'version');
});

test('validatePolicy (no text) names the field without a line', () => {
  assert.throws(
    () => validatePolicy({ version: '1.0', permissions: { network: { allow: [{ host: 'a*.b' }] } } }, 'manifest.json'),
    (error: unknown) =>
      error instanceof PolicyError &&
      error.message === 'manifest.json: permissions.network.allow[0].host: a wildcard is only allowed as a leading "*." (e.g. "*.example.com")' &&
      error.line === undefined,
  );
});

// -------------------------------------------------------------- round trip

test('serialize → parse gives back an equal policy, in canonical form', () => {
  const policy: Policy = {
    version: '1.0',
    description: 'Round trip',
    permissions: {
      storage: { allow: [{ uri: 'fs:///data', access: ['read', 'write'] }], deny: [{ uri: 'fs:///data/secret', access: ['read'] }] },
      network: { allow: [{ host: '*.example.com' }, { cidr: '10.0.0.0/8' }, { host: '*' }] },
      environment: { allow: [{ key: 'API_KEY' }] },
      resources: { limits: { memory: '512Mi', cpu: '500m' }, memory: 64 },
      runtime: { docker: { security: { privileged: false } } },
    },
  };
  const yaml = serializePolicy(policy);
  assert.equal(
    yaml,
    `version: "1.0"
description: Round trip
permissions:
  storage:
    allow:
      - uri: fs:///data
        access: [read, write]
    deny:
      - uri: fs:///data/secret
        access: [read]
  network:
    allow:
      - host: "*.example.com"
      - cidr: 10.0.0.0/8
      - host: "*"
  environment:
    allow:
      - key: API_KEY
  resources:
    limits:
      cpu: 500m
      memory: 512Mi
    memory: 64
  runtime:
    docker:
      security:
        privileged: false
`,
  );
  assert.deepEqual(parsePolicy(yaml, 'p.yaml'), policy);
});

test('serialize refuses an invalid policy', () => {
  assert.throws(
    () => serializePolicy({ version: '1.0', permissions: { environment: { allow: [{ key: 'A*' }] } } }),
    (error: unknown) => error instanceof PolicyError && error.message.startsWith('policy to write: permissions.environment.allow[0].key: wildcards'),
  );
});

// ---------------------------------------------------------------- fixtures

const SAMPLES = [
  'comprehensive',
  'development',
  'docker',
  'docker-privileged',
  'environment-only',
  'k8s-resources',
  'minimal',
  'network-only',
  'restricted',
  'storage-only',
  'web-service',
];

test('the 11 kinds of Wassette sample policies parse and round-trip', () => {
  assert.deepEqual(
    readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort(),
    SAMPLES,
  );
  for (const name of SAMPLES) {
    const text = readFileSync(join(FIXTURES, `${name}.yaml`), 'utf8');
    const policy = parsePolicy(text, `${name}.yaml`);
    const again = parsePolicy(serializePolicy(policy), `${name} (serialized)`);
    assert.deepEqual(again, policy, name);
    assert.equal(serializePolicy(again), serializePolicy(policy), name);
  }
});

test('sample policies keep their content', () => {
  const load = (name: string) => parsePolicy(readFileSync(join(FIXTURES, `${name}.yaml`), 'utf8'), name);
  assert.deepEqual(load('minimal'), { version: '1.0', description: 'Minimal valid policy', permissions: {} });
  const comprehensive = load('comprehensive');
  assert.equal(comprehensive.$schema, 'https://raw.githubusercontent.com/microsoft/policy-mcp/main/schema/policy-v1.0.schema.json');
  assert.deepEqual(comprehensive.permissions.resources, { limits: { cpu: '50', memory: '1Gi' }, io: 1000 });
  assert.deepEqual(comprehensive.permissions.network?.deny, [{ host: '*.malicious.example' }, { cidr: '0.0.0.0/0' }]);
  assert.deepEqual(comprehensive.permissions.ipc?.allow, [{ uri: 'pipe://app-service' }, { uri: 'socket://unix:/tmp/app.sock' }]);
  assert.deepEqual((comprehensive.permissions.runtime as any).docker.security.capabilities, { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'SYS_TIME'] });
  assert.equal(load('storage-only').version, '1.1');
  assert.equal(load('storage-only').permissions.storage?.allow?.[1].uri, 'fs:///var/log/*.log');
  assert.equal(load('environment-only').permissions.environment?.allow?.length, 8);
  assert.deepEqual(load('restricted').permissions.resources, { cpu: 10, memory: 128, io: 100 });
  assert.deepEqual(load('restricted').permissions.storage?.allow?.[1], { uri: 'fs://sandbox/temp/**', access: ['write'] });
  assert.deepEqual(load('k8s-resources').permissions.resources, { limits: { cpu: '500m', memory: '512Mi' } });
  assert.equal(load('development').permissions.network?.allow?.length, 8);
  assert.equal(load('web-service').permissions.environment?.allow?.length, 6);
  assert.deepEqual((load('docker-privileged').permissions.runtime as any).docker.security.capabilities.drop, []);
  assert.equal(load('network-only').permissions.network?.deny?.length, 3);
});

test('alias bombs are refused instead of expanded', () => {
  const bomb = ['version: "1.0"', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g'].entries()) {
    const prev = ['a', 'b', 'c', 'd', 'e', 'f'][i];
    bomb.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
  }
  const error = parseError(`${bomb.join('\n')}\n`);
  assert.match(error.message, /^policy\.yaml: invalid YAML: Excessive alias count/);
});
