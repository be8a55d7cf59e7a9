import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DistributionError, fetchOciComponent, pushOciComponent } from '../../src/distribution/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir, writeComponent } from './fixtures.js';

const USER = { username: 'alice', password: 's3cret-pass', identityToken: 'refresh-token-of-alice' };

function authFailed(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof DistributionError, String(error));
    assert.equal(error.code, 'auth-failed', error.message);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('registry with htpasswd (Basic) auth', { timeout: 120_000 }, () => {
  let registry: TestRegistry;
  let dir: string;
  let cleanup: () => Promise<void>;
  // An empty environment: no stray credentials from the machine running the tests.
  let env: NodeJS.ProcessEnv;

  before(async () => {
    registry = await startRegistry({ htpasswd: [USER] });
    ({ dir, cleanup } = await tempDir());
    env = { HOME: dir };
  });
  after(async () => {
    await registry?.stop();
    await cleanup?.();
  });

  test('credentials from TAPEDECK_REGISTRY_USERNAME/PASSWORD: push and pull', async () => {
    const { path, bytes } = await writeComponent(dir, 'basic.wasm');
    const credEnv = { ...env, TAPEDECK_REGISTRY_USERNAME: USER.username, TAPEDECK_REGISTRY_PASSWORD: USER.password };
    const uri = `oci://${registry.host}/private/tool:1`;
    await pushOciComponent(path, uri, { env: credEnv });
    const fetched = await fetchOciComponent(uri, { env: credEnv });
    assert.deepEqual(Buffer.from(fetched.bytes), bytes);
  });

  test('TAPEDECK_REGISTRY_HOST scopes the environment credentials', async () => {
    const uri = `oci://${registry.host}/private/tool:1`;
    const otherHost = { ...env, TAPEDECK_REGISTRY_USERNAME: USER.username, TAPEDECK_REGISTRY_PASSWORD: USER.password, TAPEDECK_REGISTRY_HOST: 'ghcr.io' };
    await assert.rejects(fetchOciComponent(uri, { env: otherHost }), authFailed(/no credentials found/));
    const sameHost = { ...otherHost, TAPEDECK_REGISTRY_HOST: registry.host };
    await fetchOciComponent(uri, { env: sameHost });
  });

  test('credentials from a docker config.json (auths.<host>.auth) and from REGISTRY_AUTH_FILE', async () => {
    const uri = `oci://${registry.host}/private/tool:1`;
    const auth = Buffer.from(`${USER.username}:${USER.password}`).toString('base64');
    const dockerConfigPath = join(dir, 'docker-config.json');
    await writeFile(dockerConfigPath, JSON.stringify({ auths: { [`http://${registry.host}/v2/`]: { auth } } }));
    await fetchOciComponent(uri, { env, dockerConfigPath });

    const authFile = join(dir, 'auth.json');
    await writeFile(authFile, JSON.stringify({ auths: { [registry.host]: { auth } } }));
    await fetchOciComponent(uri, { env: { ...env, REGISTRY_AUTH_FILE: authFile } });

    // $HOME/.docker/config.json is the default location.
    await writeFile(join(dir, 'home-docker.json'), '');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, '.docker'), { recursive: true });
    await writeFile(join(dir, '.docker', 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }));
    await fetchOciComponent(uri, { env });
    await writeFile(join(dir, '.docker', 'config.json'), '{}');
  });

  test('wrong password: 401 naming the registry and where the credentials came from', async () => {
    const uri = `oci://${registry.host}/private/tool:1`;
    const badEnv = { ...env, TAPEDECK_REGISTRY_USERNAME: USER.username, TAPEDECK_REGISTRY_PASSWORD: 'wrong' };
    await assert.rejects(
      fetchOciComponent(uri, { env: badEnv }),
      authFailed(
        new RegExp(
          `authentication to registry ${registry.host.replace(/\./g, '\\.')} failed \\(401 Unauthorized\\) for repository private/tool: the credentials from environment variables TAPEDECK_REGISTRY_USERNAME/TAPEDECK_REGISTRY_PASSWORD were rejected`,
        ),
      ),
    );
    const dockerConfigPath = join(dir, 'bad-docker-config.json');
    await writeFile(dockerConfigPath, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('alice:nope').toString('base64') } } }));
    await assert.rejects(fetchOciComponent(uri, { env, dockerConfigPath }), authFailed(/the credentials from .*bad-docker-config\.json \(auths\["127\.0\.0\.1:\d+"\]\) were rejected/));
  });

  test('no credentials: 401 listing where credentials are read from, and a credHelpers note', async () => {
    const uri = `oci://${registry.host}/private/tool:1`;
    const dockerConfigPath = join(dir, 'helper-config.json');
    await writeFile(dockerConfigPath, JSON.stringify({ credHelpers: { [registry.host]: 'secretservice' } }));
    await assert.rejects(
      fetchOciComponent(uri, { env, dockerConfigPath }),
      authFailed(
        /no credentials found for 127\.0\.0\.1:\d+ \(looked in TAPEDECK_REGISTRY_USERNAME\/TAPEDECK_REGISTRY_PASSWORD, .*helper-config\.json\); note: .*names credential helper 'docker-credential-secretservice' .*does not run credential helpers/,
      ),
    );
  });
});

describe('registry with token (Bearer) auth', { timeout: 120_000 }, () => {
  let registry: TestRegistry;
  let dir: string;
  let cleanup: () => Promise<void>;

  before(async () => {
    registry = await startRegistry({ token: [USER] });
    ({ dir, cleanup } = await tempDir());
  });
  after(async () => {
    await registry?.stop();
    await cleanup?.();
  });

  test('bearer challenge: token fetched with Basic credentials and the repository scope', async () => {
    const env = { HOME: dir, TAPEDECK_REGISTRY_USERNAME: USER.username, TAPEDECK_REGISTRY_PASSWORD: USER.password };
    const { path, bytes } = await writeComponent(dir, 'token.wasm');
    const uri = `oci://${registry.host}/team/tool:2`;
    await pushOciComponent(path, uri, { env });
    const fetched = await fetchOciComponent(uri, { env });
    assert.deepEqual(Buffer.from(fetched.bytes), bytes);
    const scopes = registry.tokenRequests.flatMap((r) => r.scope);
    assert.ok(scopes.includes('repository:team/tool:pull,push'), scopes.join(' '));
    assert.ok(scopes.includes('repository:team/tool:pull'), scopes.join(' '));
    assert.ok(registry.tokenRequests.every((r) => r.user === USER.username));
  });

  test('bearer with an identitytoken from docker config.json (OAuth2 refresh-token grant)', async () => {
    const dockerConfigPath = join(dir, 'identity-config.json');
    const auth = Buffer.from('<token>:').toString('base64');
    await writeFile(dockerConfigPath, JSON.stringify({ auths: { [registry.host]: { auth, identitytoken: USER.identityToken } } }));
    const before = registry.tokenRequests.length;
    await fetchOciComponent(`oci://${registry.host}/team/tool:2`, { env: { HOME: dir }, dockerConfigPath });
    assert.ok(registry.tokenRequests.slice(before).some((r) => r.user === USER.username));
    await writeFile(dockerConfigPath, JSON.stringify({ auths: { [registry.host]: { auth, identitytoken: 'stale' } } }));
    await assert.rejects(
      fetchOciComponent(`oci://${registry.host}/team/tool:2`, { env: { HOME: dir }, dockerConfigPath }),
      authFailed(/identity-config\.json .*were rejected; token service .*invalid refresh token/),
    );
  });

  test('bearer: wrong password is refused by the token service', async () => {
    const env = { HOME: dir, TAPEDECK_REGISTRY_USERNAME: USER.username, TAPEDECK_REGISTRY_PASSWORD: 'bad' };
    await assert.rejects(
      fetchOciComponent(`oci://${registry.host}/team/tool:2`, { env }),
      authFailed(/registry 127\.0\.0\.1:\d+ failed \(401 Unauthorized\).*were rejected; token service http:\/\/127\.0\.0\.1:\d+\/token said: UNAUTHORIZED/),
    );
  });

  test('bearer: anonymous token has no access → 401 with "no credentials found"', async () => {
    await assert.rejects(
      fetchOciComponent(`oci://${registry.host}/team/tool:2`, { env: { HOME: dir } }),
      authFailed(/failed \(401 Unauthorized\) for repository team\/tool: no credentials found/),
    );
  });
});
