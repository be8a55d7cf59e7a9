/**
 * Behaviours docker-registry cannot show: blob redirects to another origin
 * (CDN-style), and a registry pointing its token realm at a plain-http host.
 * A minimal registry on loopback, written here.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { DistributionError, fetchOciComponent } from '../../src/distribution/index.js';
import { OCI_MANIFEST, WASM_CONFIG } from '../../src/distribution/media-types.js';
import { digestOf } from '../../src/distribution/transport.js';
import { fakeComponent } from '../helpers/registry.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe('fake registry on loopback', { timeout: 30_000 }, () => {
  const wasm = fakeComponent('fake');
  const config = Buffer.from('{}');
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: WASM_CONFIG, digest: digestOf(config), size: config.length },
      layers: [{ mediaType: 'application/wasm', digest: digestOf(wasm), size: wasm.length }],
    }),
  );
  const cdnSeen: (string | undefined)[] = [];
  let registryHost: string;
  let cdnHost: string;
  let realm = '';
  let cdn: Server;
  let registry: Server;

  const authorised = (req: IncomingMessage) => req.headers.authorization === `Basic ${Buffer.from('bob:pw').toString('base64')}`;

  before(async () => {
    cdn = createServer((req, res) => {
      cdnSeen.push(req.headers.authorization);
      res.writeHead(200, { 'content-length': wasm.length });
      res.end(wasm);
    });
    cdnHost = await listen(cdn);
    registry = createServer((req, res) => {
      const url = req.url ?? '';
      if (realm && url.startsWith('/v2/')) {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="fake"` });
        res.end();
        return;
      }
      if (!authorised(req)) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"', 'content-type': 'application/json' });
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
        return;
      }
      if (url === '/v2/') {
        res.writeHead(200);
        res.end('{}');
      } else if (url === '/v2/cdn/tool/manifests/1') {
        res.writeHead(200, { 'content-type': OCI_MANIFEST, 'docker-content-digest': digestOf(manifest) });
        res.end(manifest);
      } else if (url === `/v2/cdn/tool/blobs/${digestOf(wasm)}`) {
        res.writeHead(307, { location: `http://${cdnHost}/blobs/${digestOf(wasm)}?signed=1` });
        res.end();
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}');
      }
    });
    registryHost = await listen(registry);
  });
  after(async () => {
    await new Promise<void>((r) => (registry ? registry.close(() => r()) : r()));
    await new Promise<void>((r) => (cdn ? cdn.close(() => r()) : r()));
  });

  test('blob redirect to another origin is followed without the registry credentials', async () => {
    const env = { HOME: '/nonexistent', TAPEDECK_REGISTRY_USERNAME: 'bob', TAPEDECK_REGISTRY_PASSWORD: 'pw' };
    const fetched = await fetchOciComponent(`oci://${registryHost}/cdn/tool:1`, { env });
    assert.deepEqual(Buffer.from(fetched.bytes), wasm);
    assert.deepEqual(cdnSeen, [undefined]);
  });

  test('a token realm on plain http to a non-loopback host is refused before contacting it', async () => {
    realm = 'http://registry.example.com/token';
    try {
      const env = { HOME: '/nonexistent', TAPEDECK_REGISTRY_USERNAME: 'bob', TAPEDECK_REGISTRY_PASSWORD: 'pw' };
      await assert.rejects(fetchOciComponent(`oci://${registryHost}/cdn/tool:1`, { env }), (e: unknown) => {
        assert.ok(e instanceof DistributionError);
        assert.equal(e.code, 'insecure-registry');
        assert.match(e.message, /refusing plain HTTP to token service registry\.example\.com/);
        return true;
      });
    } finally {
      realm = '';
    }
  });
});
