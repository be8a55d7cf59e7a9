import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DistributionError,
  fetchOciComponent,
  pushOciComponent,
} from '../../src/distribution/index.js';
import { OciClient } from '../../src/distribution/oci-client.js';
import { Transport, digestOf } from '../../src/distribution/transport.js';
import { DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, WASM_CONFIG } from '../../src/distribution/media-types.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir, writeComponent } from './fixtures.js';

function isCode(code: string, pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof DistributionError, `expected DistributionError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

describe('OCI pull/push against docker-registry (no auth)', { timeout: 120_000 }, () => {
  let registry: TestRegistry;
  let dir: string;
  let cleanup: () => Promise<void>;

  before(async () => {
    registry = await startRegistry();
    ({ dir, cleanup } = await tempDir());
  });
  after(async () => {
    await registry?.stop();
    await cleanup?.();
  });

  /** Pushes raw blobs and a manifest (for shapes push() never writes). */
  async function pushRaw(repository: string, tag: string, manifest: object, blobs: Uint8Array[], mediaType = OCI_MANIFEST) {
    const transport = new Transport();
    try {
      const client = new OciClient({ registry: registry.host, repository }, transport);
      for (const blob of blobs) await client.pushBlob(blob, digestOf(blob), 'test blob');
      const bytes = Buffer.from(JSON.stringify(manifest));
      return await client.putManifest(tag, bytes, mediaType);
    } finally {
      await transport.close();
    }
  }

  test('push then pull round trip, with policy and annotations', async () => {
    const { path, bytes } = await writeComponent(dir, 'fetch.wasm');
    const policyPath = join(dir, 'policy.yaml');
    const policy = 'version: "1.0"\npermissions:\n  network:\n    allow:\n      - host: example.com\n';
    await writeFile(policyPath, policy);
    const uri = `oci://${registry.host}/microsoft/fetch-rs:1.0.0`;
    const pushed = await pushOciComponent(path, uri, {
      policyPath,
      annotations: { source: 'https://example.com/fetch', version: '1.0.0' },
    });
    assert.match(pushed.manifestDigest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(pushed.uri, `oci://${registry.host}/microsoft/fetch-rs:1.0.0@${pushed.manifestDigest}`);

    const progress: [number, number | undefined][] = [];
    const fetched = await fetchOciComponent(uri, { onProgress: (d, t) => progress.push([d, t]) });
    assert.deepEqual(Buffer.from(fetched.bytes), bytes);
    assert.equal(fetched.digest, digestOf(bytes));
    assert.equal(fetched.id, 'microsoft_fetch-rs');
    assert.equal(fetched.sourceUri, uri);
    assert.equal(fetched.policyYaml, policy);
    assert.equal(fetched.manifestDigest, pushed.manifestDigest);
    assert.equal(fetched.annotations?.['org.opencontainers.image.source'], 'https://example.com/fetch');
    assert.equal(fetched.annotations?.['org.opencontainers.image.version'], '1.0.0');
    assert.match(fetched.annotations?.['org.opencontainers.image.created'] ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.equal(fetched.annotations?.['org.opencontainers.image.title'], 'fetch-rs');
    assert.deepEqual(progress[0], [0, bytes.length]);
    assert.deepEqual(progress.at(-1), [bytes.length, bytes.length]);
  });

  test('pushed artifact has the CNCF wasm layout (wasm config, one application/wasm layer)', async () => {
    const { path, bytes } = await writeComponent(dir, 'layout.wasm');
    const { manifestDigest } = await pushOciComponent(path, `oci://${registry.host}/layout/tool:v1`);
    const res = await fetch(`${registry.url}/v2/layout/tool/manifests/${manifestDigest}`, {
      headers: { accept: OCI_MANIFEST },
    });
    const manifest = (await res.json()) as {
      mediaType: string;
      config: { mediaType: string; digest: string };
      layers: { mediaType: string; digest: string; size: number }[];
    };
    assert.equal(manifest.mediaType, OCI_MANIFEST);
    assert.equal(manifest.config.mediaType, WASM_CONFIG);
    assert.deepEqual(
      manifest.layers.map((l) => [l.mediaType, l.digest, l.size]),
      [['application/wasm', digestOf(bytes), bytes.length]],
    );
    const config = (await (await fetch(`${registry.url}/v2/layout/tool/blobs/${manifest.config.digest}`)).json()) as Record<string, unknown>;
    assert.equal(config.architecture, 'wasm');
    assert.equal(config.os, 'wasip2');
    assert.deepEqual(config.layerDigests, [digestOf(bytes)]);
  });

  test('pull by @sha256 digest, and a tag defaulting to latest', async () => {
    const { path, bytes } = await writeComponent(dir, 'pinned.wasm');
    const { manifestDigest } = await pushOciComponent(path, `oci://${registry.host}/pinned/tool`);
    const byDigest = await fetchOciComponent(`oci://${registry.host}/pinned/tool@${manifestDigest}`);
    assert.deepEqual(Buffer.from(byDigest.bytes), bytes);
    assert.equal(byDigest.sourceUri, `oci://${registry.host}/pinned/tool@${manifestDigest}`);
    const latest = await fetchOciComponent(`oci://${registry.host}/pinned/tool:latest`);
    assert.equal(latest.manifestDigest, manifestDigest);
    // expectedDigest: the component digest or the manifest digest is accepted.
    await fetchOciComponent(`oci://${registry.host}/pinned/tool`, { expectedDigest: digestOf(bytes) });
    await fetchOciComponent(`oci://${registry.host}/pinned/tool`, { expectedDigest: manifestDigest });
  });

  test('digest pin mismatch: unknown @sha256 manifest and wrong expectedDigest', async () => {
    const { path } = await writeComponent(dir, 'mismatch.wasm');
    await pushOciComponent(path, `oci://${registry.host}/mismatch/tool:1`);
    const wrong = `sha256:${'0'.repeat(64)}`;
    await assert.rejects(fetchOciComponent(`oci://${registry.host}/mismatch/tool@${wrong}`), isCode('not-found', /manifest sha256:0+ not found/));
    await assert.rejects(
      fetchOciComponent(`oci://${registry.host}/mismatch/tool:1`, { expectedDigest: wrong }),
      isCode('digest-mismatch', /expected sha256:0+, but the component is sha256:/),
    );
  });

  test('a tampered blob in registry storage is rejected with a digest mismatch', async () => {
    const { path, bytes } = await writeComponent(dir, 'tamper.wasm');
    await pushOciComponent(path, `oci://${registry.host}/tamper/tool:1`);
    const blobPath = registry.blobPath(digestOf(bytes));
    const stored = await readFile(blobPath);
    assert.deepEqual(stored, bytes);
    const evil = Buffer.from(stored);
    evil[evil.length - 1] ^= 0xff; // same size, different content
    await writeFile(blobPath, evil);
    await assert.rejects(
      fetchOciComponent(`oci://${registry.host}/tamper/tool:1`),
      isCode('digest-mismatch', /digest mismatch for component layer sha256:[0-9a-f]+ .*expected sha256:[0-9a-f]{64}, received content with digest sha256:/),
    );
  });

  test('404: unknown repository and unknown tag', async () => {
    await assert.rejects(
      fetchOciComponent(`oci://${registry.host}/does/not-exist:1`),
      isCode('not-found', /repository 'does\/not-exist' not found in registry 127\.0\.0\.1:\d+/),
    );
    const { path } = await writeComponent(dir, 'tags.wasm');
    await pushOciComponent(path, `oci://${registry.host}/tags/tool:1`);
    await assert.rejects(
      fetchOciComponent(`oci://${registry.host}/tags/tool:2`),
      isCode('not-found', /tag '2' not found in 127\.0\.0\.1:\d+\/tags\/tool \(available tags: 1\)/),
    );
  });

  test('a manifest without a wasm layer (a container image) is refused', async () => {
    const layer = Buffer.from('not wasm, a tarball');
    const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
    await pushRaw('image/nginx', 'latest', {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digestOf(layer), size: layer.length }],
    }, [layer, config]);
    await assert.rejects(
      fetchOciComponent(`oci://${registry.host}/image/nginx:latest`),
      isCode('no-wasm-layer', /has no WebAssembly layer .*found application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip/),
    );
  });

  test('oversize component is refused before download (descriptor size > maxBytes)', async () => {
    const { path } = await writeComponent(dir, 'big.wasm', 4096);
    await pushOciComponent(path, `oci://${registry.host}/big/tool:1`);
    await assert.rejects(
      fetchOciComponent(`oci://${registry.host}/big/tool:1`, { maxBytes: 1024 }),
      isCode('too-large', /too large: \d+ bytes, the limit is 1024 bytes/),
    );
  });

  test('a layer whose descriptor lies about its size is refused', async () => {
    const wasm = Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]), Buffer.alloc(5000, 1)]);
    const config = Buffer.from('{}');
    await pushRaw('liar/tool', '1', {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: WASM_CONFIG, digest: digestOf(config), size: config.length },
      layers: [{ mediaType: 'application/wasm', digest: digestOf(wasm), size: 100 }],
    }, [wasm, config]);
    await assert.rejects(
      fetchOciComponent(`oci://${registry.host}/liar/tool:1`),
      isCode('digest-mismatch', /sends 5008 bytes but its descriptor declares 100/),
    );
  });

  test('Docker v2 manifest media type and application/vnd.wasm.component.v1 layer', async () => {
    const wasm = Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]), Buffer.from('docker-shaped')]);
    const config = Buffer.from('{"architecture":"wasm","os":"wasip2"}');
    await pushRaw('docker/shaped', 'v1', {
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: digestOf(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.wasm.component.v1', digest: digestOf(wasm), size: wasm.length }],
    }, [wasm, config], DOCKER_MANIFEST);
    const fetched = await fetchOciComponent(`oci://${registry.host}/docker/shaped:v1`);
    assert.deepEqual(Buffer.from(fetched.bytes), wasm);
  });

  test('an index is resolved by platform (wasip2 preferred over linux/amd64)', async () => {
    const { path, bytes } = await writeComponent(dir, 'multi.wasm');
    const wasmPush = await pushOciComponent(path, `oci://${registry.host}/multi/tool:wasm-only`);
    const other = Buffer.from('{"other":true}');
    const otherManifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(other), size: other.length },
      layers: [],
    };
    const { digest: otherDigest } = await pushRaw('multi/tool', 'linux', otherManifest, [other]);
    const wasmManifestRes = await fetch(`${registry.url}/v2/multi/tool/manifests/${wasmPush.manifestDigest}`, { headers: { accept: OCI_MANIFEST } });
    const wasmManifestSize = (await wasmManifestRes.arrayBuffer()).byteLength;
    await pushRaw('multi/tool', 'index', {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, digest: otherDigest, size: Buffer.byteLength(JSON.stringify(otherManifest)), platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: OCI_MANIFEST, digest: wasmPush.manifestDigest, size: wasmManifestSize, platform: { os: 'wasip2', architecture: 'wasm' } },
      ],
    }, [], OCI_INDEX);
    const fetched = await fetchOciComponent(`oci://${registry.host}/multi/tool:index`);
    assert.deepEqual(Buffer.from(fetched.bytes), bytes);
    assert.equal(fetched.manifestDigest, wasmPush.manifestDigest);
  });

  test('push refuses a file that is not wasm and a digest-only target', async () => {
    const notWasm = join(dir, 'readme.wasm');
    await writeFile(notWasm, 'hello');
    await assert.rejects(pushOciComponent(notWasm, `oci://${registry.host}/x/y:1`), isCode('not-wasm'));
    const { path } = await writeComponent(dir, 'd.wasm');
    await assert.rejects(pushOciComponent(path, `oci://${registry.host}/x/y@sha256:${'a'.repeat(64)}`), isCode('invalid-reference'));
  });

  test('connection refused names the registry', async () => {
    await registry.stop().catch(() => undefined);
    await assert.rejects(fetchOciComponent(`oci://${registry.host}/gone/tool:1`, { timeoutMs: 2000 }), isCode('network-error', /connection refused/));
    registry = await startRegistry();
  });
});
