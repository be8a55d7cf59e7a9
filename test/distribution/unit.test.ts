import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DistributionError,
  assertTransportAllowed,
  componentIdFromRepository,
  findCredentials,
  formatOciReference,
  isPlainHttpAllowed,
  parseOciReference,
} from '../../src/distribution/index.js';
import { parseChallenges } from '../../src/distribution/auth.js';
import { choosePlatform, normaliseDigest } from '../../src/distribution/pull.js';
import { componentIdFromUrl, parseHttpsUri } from '../../src/distribution/https-fetch.js';
import { simpleSigningPayload } from '../../src/distribution/signature.js';
import { tempDir } from './fixtures.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('OCI references', () => {
  test('parses registry, repository, tag and digest', () => {
    assert.deepEqual(parseOciReference('oci://ghcr.io/microsoft/fetch-rs:latest'), {
      registry: 'ghcr.io',
      repository: 'microsoft/fetch-rs',
      tag: 'latest',
    });
    assert.deepEqual(parseOciReference(`oci://127.0.0.1:5000/a/b/c@${D}`), { registry: '127.0.0.1:5000', repository: 'a/b/c', digest: D });
    assert.deepEqual(parseOciReference(`oci://localhost:5000/x:1.0@${D}`), { registry: 'localhost:5000', repository: 'x', tag: '1.0', digest: D });
    assert.deepEqual(parseOciReference('oci://[::1]:5000/x/y'), { registry: '[::1]:5000', repository: 'x/y' });
    assert.deepEqual(parseOciReference('oci://localhost/x'), { registry: 'localhost', repository: 'x' });
    assert.deepEqual(parseOciReference('oci://alpine'), { registry: 'docker.io', repository: 'library/alpine' });
    assert.deepEqual(parseOciReference('oci://user/tool:v2'), { registry: 'docker.io', repository: 'user/tool', tag: 'v2' });
    assert.deepEqual(parseOciReference('oci://GHCR.IO/x/y'), { registry: 'ghcr.io', repository: 'x/y' });
  });

  test('invalid references say why', () => {
    const cases: [string, RegExp][] = [
      ['ghcr.io/x/y', /must start with 'oci:\/\/'/],
      ['oci://', /it is empty/],
      ['oci://ghcr.io/X/Y:1', /repository component 'X' is invalid/],
      ['oci://ghcr.io/x/y@sha256:1234', /'sha256:1234' is not a digest/],
      ['oci://ghcr.io/x/y:bad tag', /whitespace/],
      ['oci://ghcr.io/x/y:-bad', /'-bad' is not a valid tag/],
      ['oci://ghcr.io/', /repository name is missing/],
      ['oci://bad_host.io:99999/x', /not a valid registry/],
    ];
    for (const [input, pattern] of cases) {
      assert.throws(
        () => parseOciReference(input),
        (e: unknown) =>
          e instanceof DistributionError &&
          e.code === 'invalid-reference' &&
          e.message.startsWith(`invalid OCI reference '${input}': `) &&
          pattern.test(e.message),
        input,
      );
    }
  });

  test('format is canonical', () => {
    assert.equal(formatOciReference(parseOciReference('oci://ghcr.io/x/y')), 'oci://ghcr.io/x/y:latest');
    assert.equal(formatOciReference(parseOciReference(`oci://ghcr.io/x/y@${D}`)), `oci://ghcr.io/x/y@${D}`);
  });

  test('component id as Wassette derives it: repository with every / → _', () => {
    assert.equal(componentIdFromRepository('microsoft/fetch-rs'), 'microsoft_fetch-rs');
    assert.equal(componentIdFromRepository('fetch-rs'), 'fetch-rs');
    assert.equal(componentIdFromRepository('a/b.c/d__e'), 'a_b_c_d__e');
    assert.equal(componentIdFromRepository(parseOciReference('oci://ghcr.io/yoshuawuyts/time:latest').repository), 'yoshuawuyts_time');
  });

  test('digests normalise; https pins parse', () => {
    assert.equal(normaliseDigest(`SHA256:${'AB'.repeat(32)}`.replace('SHA256', 'sha256')), D);
    assert.equal(normaliseDigest('ab'.repeat(32)), D);
    assert.throws(() => normaliseDigest('md5:abc'), DistributionError);
    assert.deepEqual(parseHttpsUri(`https://h/x.wasm#sha256=${'AB'.repeat(32)}`).pinnedDigest, D);
    assert.equal(componentIdFromUrl(new URL('https://h/releases/My%20Tool.wasm')), 'My_Tool');
  });
});

describe('plain HTTP is only for loopback or insecureRegistries', () => {
  test('loopback hosts are allowed', () => {
    for (const host of ['127.0.0.1:5000', '127.1.2.3', 'localhost:5000', 'localhost', '[::1]:5000', 'registry.localhost:80']) {
      assert.ok(isPlainHttpAllowed(host), host);
    }
  });
  test('other hosts are refused unless listed', () => {
    for (const host of ['ghcr.io', '10.0.0.5:5000', '128.0.0.1', 'example.com:5000', '[2001:db8::1]:5000', 'localhost.evil.com']) {
      assert.equal(isPlainHttpAllowed(host), false, host);
    }
    assert.ok(isPlainHttpAllowed('10.0.0.5:5000', ['10.0.0.5:5000']));
    assert.ok(isPlainHttpAllowed('10.0.0.5:5000', ['10.0.0.5']));
    assert.ok(isPlainHttpAllowed('registry.internal', ['http://registry.internal/']));
    assert.equal(isPlainHttpAllowed('10.0.0.5:5000', ['10.0.0.5:6000']), false);
  });
  test('assertTransportAllowed refuses http to a non-loopback registry with advice', () => {
    assert.throws(
      () => assertTransportAllowed(new URL('http://registry.example.com:5000/v2/')),
      (e: unknown) => e instanceof DistributionError && e.code === 'insecure-registry' && /add 'registry\.example\.com:5000' to insecureRegistries/.test(e.message),
    );
    assertTransportAllowed(new URL('http://registry.example.com:5000/v2/'), ['registry.example.com:5000']);
    assertTransportAllowed(new URL('https://registry.example.com/v2/'));
    assertTransportAllowed(new URL('http://127.0.0.1:5000/v2/'));
  });
});

describe('WWW-Authenticate challenges', () => {
  test('bearer with quoted params, basic, several challenges', () => {
    assert.deepEqual(
      parseChallenges('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:x/y:pull"'),
      [{ scheme: 'bearer', params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:x/y:pull' } }],
    );
    assert.deepEqual(parseChallenges('Basic realm="Registry Realm"'), [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
    assert.deepEqual(parseChallenges('Bearer realm=https://a/token, service=a, error="insufficient_scope", Basic realm="b"'), [
      { scheme: 'bearer', params: { realm: 'https://a/token', service: 'a', error: 'insufficient_scope' } },
      { scheme: 'basic', params: { realm: 'b' } },
    ]);
    assert.deepEqual(parseChallenges(null), []);
  });
});

describe('credential lookup', () => {
  test('env, REGISTRY_AUTH_FILE, docker config (auth, identitytoken), credHelpers note', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const empty = { HOME: dir };
      assert.equal(findCredentials('ghcr.io', { env: empty }).credentials, undefined);
      const env = { HOME: dir, TAPEDECK_REGISTRY_USERNAME: 'u', TAPEDECK_REGISTRY_PASSWORD: 'p' };
      assert.deepEqual(findCredentials('ghcr.io', { env }).credentials?.username, 'u');
      assert.equal(findCredentials('ghcr.io', { env: { ...env, TAPEDECK_REGISTRY_HOST: 'quay.io' } }).credentials, undefined);

      const config = join(dir, 'config.json');
      await writeFile(
        config,
        JSON.stringify({
          auths: {
            'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw').toString('base64') },
            'ghcr.io': { auth: Buffer.from('gh:tok:with:colons').toString('base64') },
            'myregistry.azurecr.io': { auth: Buffer.from('00000000-0000-0000-0000-000000000000:').toString('base64'), identitytoken: 'refresh-me' },
          },
          credHelpers: { 'gcr.io': 'gcloud' },
        }),
      );
      const gh = findCredentials('ghcr.io', { env: empty, dockerConfigPath: config }).credentials;
      assert.deepEqual([gh?.username, gh?.password], ['gh', 'tok:with:colons']);
      assert.equal(findCredentials('docker.io', { env: empty, dockerConfigPath: config }).credentials?.username, 'hub');
      assert.equal(findCredentials('myregistry.azurecr.io', { env: empty, dockerConfigPath: config }).credentials?.identityToken, 'refresh-me');
      const gcr = findCredentials('gcr.io', { env: empty, dockerConfigPath: config });
      assert.equal(gcr.credentials, undefined);
      assert.match(gcr.notes.join(), /credential helper 'docker-credential-gcloud'/);

      const authFile = join(dir, 'auth.json');
      await writeFile(authFile, JSON.stringify({ auths: { 'ghcr.io': { username: 'podman', password: 'pw' } } }));
      const viaAuthFile = findCredentials('ghcr.io', { env: { ...empty, REGISTRY_AUTH_FILE: authFile }, dockerConfigPath: config });
      assert.equal(viaAuthFile.credentials?.username, 'podman');
      assert.match(viaAuthFile.credentials?.source ?? '', /^REGISTRY_AUTH_FILE /);
    } finally {
      await cleanup();
    }
  });
});

describe('index platform choice', () => {
  const d = (platform?: object) => ({ mediaType: 'x', digest: D, size: 1, ...(platform ? { platform } : {}) });
  test('prefers wasip2, then wasi, then arch wasm, else the only entry', () => {
    const linux = d({ os: 'linux', architecture: 'amd64' });
    const wasi = d({ os: 'wasi', architecture: 'wasm32' });
    const p2 = d({ os: 'wasip2', architecture: 'wasm' });
    assert.equal(choosePlatform([linux, wasi, p2], 'x'), p2);
    assert.equal(choosePlatform([linux, wasi], 'x'), wasi);
    assert.equal(choosePlatform([linux, d({ os: 'unknown-os', architecture: 'wasm' })], 'x').platform?.architecture, 'wasm');
    assert.equal(choosePlatform([linux], 'x'), linux);
    assert.throws(
      () => choosePlatform([linux, d({ os: 'linux', architecture: 'arm64' })], 'oci://x'),
      (e: unknown) => e instanceof DistributionError && e.code === 'no-matching-platform' && /linux\/amd64, linux\/arm64/.test(e.message),
    );
  });
});

test('simple signing payload matches cosign byte for byte', () => {
  assert.equal(
    Buffer.from(simpleSigningPayload('ghcr.io/x/y', D)).toString(),
    `{"critical":{"identity":{"docker-reference":"ghcr.io/x/y"},"image":{"docker-manifest-digest":"${D}"},"type":"cosign container image signature"},"optional":null}`,
  );
});
