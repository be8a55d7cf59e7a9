import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import {
  DistributionError,
  fetchOciComponent,
  pushOciComponent,
  signOciComponent,
} from '../../src/distribution/index.js';
import { OciClient } from '../../src/distribution/oci-client.js';
import { attachSigstoreBundle, signatureTag } from '../../src/distribution/signature.js';
import { COSIGN_SIGNATURE_ANNOTATION, COSIGN_SIMPLESIGNING, OCI_MANIFEST } from '../../src/distribution/media-types.js';
import { Transport } from '../../src/distribution/transport.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeSigstoreSetup, p256KeyPair, tempDir, writeComponent, type SigstoreTestSetup } from './fixtures.js';

function sigFailed(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof DistributionError, String(error));
    assert.equal(error.code, 'signature-verification-failed', error.message);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('signatures', { timeout: 180_000 }, () => {
  let registry: TestRegistry;
  let dir: string;
  let cleanup: () => Promise<void>;
  let sigstore: SigstoreTestSetup;
  const signer = p256KeyPair();
  const stranger = p256KeyPair();

  before(async () => {
    registry = await startRegistry();
    ({ dir, cleanup } = await tempDir());
    sigstore = await makeSigstoreSetup(dir);
  });
  after(async () => {
    await registry?.stop();
    await cleanup?.();
  });

  async function publish(name: string) {
    const { path, bytes } = await writeComponent(dir, `${name}.wasm`);
    const uri = `oci://${registry.host}/signed/${name}:1`;
    const pushed = await pushOciComponent(path, uri);
    return { uri, bytes, manifestDigest: pushed.manifestDigest };
  }

  async function withClient<T>(repository: string, fn: (client: OciClient) => Promise<T>): Promise<T> {
    const transport = new Transport();
    try {
      return await fn(new OciClient({ registry: registry.host, repository }, transport));
    } finally {
      await transport.close();
    }
  }

  test('key-based: signed artifact verifies, stored the cosign way', async () => {
    const { uri, bytes, manifestDigest } = await publish('good');
    const { signatureTag: tag } = await signOciComponent(uri, { privateKeyPem: signer.privateKeyPem });
    assert.equal(tag, `sha256-${manifestDigest.slice(7)}.sig`);
    assert.equal(tag, signatureTag(manifestDigest));

    // The layout cosign verify --key expects.
    const res = await fetch(`${registry.url}/v2/signed/good/manifests/${tag}`, { headers: { accept: OCI_MANIFEST } });
    const sigManifest = (await res.json()) as { layers: { mediaType: string; digest: string; annotations: Record<string, string> }[] };
    assert.equal(sigManifest.layers.length, 1);
    const layer = sigManifest.layers[0];
    assert.equal(layer.mediaType, COSIGN_SIMPLESIGNING);
    const payload = Buffer.from(await (await fetch(`${registry.url}/v2/signed/good/blobs/${layer.digest}`)).arrayBuffer());
    const parsed = JSON.parse(payload.toString());
    assert.deepEqual(parsed, {
      critical: {
        identity: { 'docker-reference': `${registry.host}/signed/good` },
        image: { 'docker-manifest-digest': manifestDigest },
        type: 'cosign container image signature',
      },
      optional: null,
    });
    const sig = Buffer.from(layer.annotations[COSIGN_SIGNATURE_ANNOTATION], 'base64');
    assert.ok(verify('sha256', payload, createPublicKey(signer.publicKeyPem), sig));

    const fetched = await fetchOciComponent(uri, { verify: { publicKeysPem: [stranger.publicKeyPem, signer.publicKeyPem] } });
    assert.deepEqual(Buffer.from(fetched.bytes), bytes);
  });

  test('key-based: signing twice appends, and an encrypted PKCS#8 key with its password works', async () => {
    const { uri } = await publish('twice');
    await signOciComponent(uri, { privateKeyPem: stranger.privateKeyPem });
    const { generateKeyPairSync } = await import('node:crypto');
    const enc = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const encryptedPem = enc.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string;
    await assert.rejects(signOciComponent(uri, { privateKeyPem: encryptedPem }), (e: unknown) => e instanceof DistributionError && e.code === 'invalid-key');
    const { signatureTag: tag } = await signOciComponent(uri, { privateKeyPem: encryptedPem, password: 'pw' });
    const res = await fetch(`${registry.url}/v2/signed/twice/manifests/${tag}`, { headers: { accept: OCI_MANIFEST } });
    const sigManifest = (await res.json()) as { layers: unknown[] };
    assert.equal(sigManifest.layers.length, 2);
    const publicKeyPem = enc.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    await fetchOciComponent(uri, { verify: { publicKeysPem: [publicKeyPem] } });
  });

  test('missing signature: refused, saying where it looked and how to sign', async () => {
    const { uri, manifestDigest } = await publish('unsigned');
    const hex = manifestDigest.slice(7);
    await assert.rejects(
      fetchOciComponent(uri, { verify: { publicKeysPem: [signer.publicKeyPem] } }),
      sigFailed(
        new RegExp(
          `^signature verification failed for oci://127\\.0\\.0\\.1:\\d+/signed/unsigned:1: no signature found \\(looked for tag sha256-${hex}\\.sig, OCI referrers of sha256:${hex}\\); sign it with: tapedeck component sign oci://`,
        ),
      ),
    );
  });

  test('wrong key: refused, saying the signature does not match the trusted keys', async () => {
    const { uri } = await publish('wrongkey');
    await signOciComponent(uri, { privateKeyPem: stranger.privateKeyPem });
    await assert.rejects(
      fetchOciComponent(uri, { verify: { publicKeysPem: [signer.publicKeyPem] } }),
      sigFailed(/1 signature\(s\) found, none verified: tag sha256-[0-9a-f]+\.sig signature 1: signature does not match any of the trusted public key\(s\)/),
    );
  });

  test('a signature for another artifact copied over is refused (payload names another digest)', async () => {
    const a = await publish('copy-a');
    const b = await publish('copy-b');
    await signOciComponent(a.uri, { privateKeyPem: signer.privateKeyPem });
    // Copy a's signature manifest to b's signature tag (the replay an attacker could do).
    const tagA = signatureTag(a.manifestDigest);
    const manifest = Buffer.from(await (await fetch(`${registry.url}/v2/signed/copy-a/manifests/${tagA}`, { headers: { accept: OCI_MANIFEST } })).arrayBuffer());
    await withClient('signed/copy-b', async (client) => {
      const parsed = JSON.parse(manifest.toString()) as { config: { digest: string; size: number; mediaType: string }; layers: { digest: string }[] };
      for (const d of [parsed.config.digest, ...parsed.layers.map((l) => l.digest)]) {
        const blob = Buffer.from(await (await fetch(`${registry.url}/v2/signed/copy-a/blobs/${d}`)).arrayBuffer());
        await client.pushBlob(blob, d, 'copied');
      }
      await client.putManifest(signatureTag(b.manifestDigest), manifest, OCI_MANIFEST);
    });
    await assert.rejects(
      fetchOciComponent(b.uri, { verify: { publicKeysPem: [signer.publicKeyPem] } }),
      sigFailed(new RegExp(`payload names ${a.manifestDigest}, not ${b.manifestDigest}`)),
    );
  });

  test('tampered artifact: re-pushing the tag after signing is refused (the signature is for the old digest)', async () => {
    const { uri } = await publish('retag');
    await signOciComponent(uri, { privateKeyPem: signer.privateKeyPem });
    const { path } = await writeComponent(dir, 'evil.wasm');
    await pushOciComponent(path, uri);
    await assert.rejects(fetchOciComponent(uri, { verify: { publicKeysPem: [signer.publicKeyPem] } }), sigFailed(/no signature found/));
  });

  test('signing refuses non-P-256 keys and cosign-encrypted keys with a clear message', async () => {
    const { uri } = await publish('badkey');
    const { generateKeyPairSync } = await import('node:crypto');
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await assert.rejects(signOciComponent(uri, { privateKeyPem: ed }), (e: unknown) => e instanceof DistributionError && e.code === 'invalid-key' && /ECDSA P-256/.test(e.message));
    const cosignKey = '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nabc\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n';
    await assert.rejects(signOciComponent(uri, { privateKeyPem: cosignKey }), (e: unknown) => e instanceof DistributionError && e.code === 'invalid-key' && /not supported/.test(e.message));
  });

  test('empty requirement is an error, not a pass', async () => {
    const { uri } = await publish('emptyreq');
    await assert.rejects(fetchOciComponent(uri, { verify: { publicKeysPem: [] } }), sigFailed(/no trusted public keys or keyless identities are configured/));
  });

  describe('keyless: Sigstore bundle as an OCI 1.1 referrer, checked against a local trusted root', () => {
    const identity = 'release@tapedeck.test';
    const issuer = 'https://issuer.tapedeck.test';

    async function publishWithBundle(name: string, bundleOptions: Parameters<SigstoreTestSetup['bundleFor']>[1] = {}) {
      const published = await publish(name);
      const bundle = await sigstore.bundleFor(published.manifestDigest, bundleOptions);
      const manifestBytes = Buffer.from(
        await (await fetch(`${registry.url}/v2/signed/${name}/manifests/${published.manifestDigest}`, { headers: { accept: OCI_MANIFEST } })).arrayBuffer(),
      );
      await withClient(`signed/${name}`, (client) =>
        attachSigstoreBundle(client, { digest: published.manifestDigest, size: manifestBytes.length, mediaType: OCI_MANIFEST }, bundle),
      );
      return published;
    }

    test('matching identity and issuer: accepted', async () => {
      const { uri, bytes } = await publishWithBundle('keyless-good');
      const fetched = await fetchOciComponent(uri, {
        verify: { keyless: [{ identity, issuer, trustedRootPath: sigstore.trustedRootPath }] },
      });
      assert.deepEqual(Buffer.from(fetched.bytes), bytes);
    });

    test('other identity or issuer: refused, naming the mismatch', async () => {
      const { uri } = await publishWithBundle('keyless-identity', { identity: 'mallory@evil.test' });
      await assert.rejects(
        fetchOciComponent(uri, { verify: { keyless: [{ identity, issuer, trustedRootPath: sigstore.trustedRootPath }] } }),
        sigFailed(/referrer sha256:[0-9a-f]+: certificate identity is 'mallory@evil\.test', required 'release@tapedeck\.test'/),
      );
      const second = await publishWithBundle('keyless-issuer', { issuer: 'https://accounts.evil.test' });
      await assert.rejects(
        fetchOciComponent(second.uri, { verify: { keyless: [{ identity, issuer, trustedRootPath: sigstore.trustedRootPath }] } }),
        sigFailed(/certificate issuer is 'https:\/\/accounts\.evil\.test', required 'https:\/\/issuer\.tapedeck\.test'/),
      );
    });

    test('certificate from a CA outside the trusted root: refused', async () => {
      const { uri } = await publishWithBundle('keyless-rogue', { untrustedCa: true });
      await assert.rejects(
        fetchOciComponent(uri, { verify: { keyless: [{ identity, issuer, trustedRootPath: sigstore.trustedRootPath }] } }),
        sigFailed(/certificate chain/i),
      );
    });

    test('broken transparency-log promise: refused', async () => {
      const { uri } = await publishWithBundle('keyless-set', { breakSet: true });
      await assert.rejects(
        fetchOciComponent(uri, { verify: { keyless: [{ identity, issuer, trustedRootPath: sigstore.trustedRootPath }] } }),
        sigFailed(/inclusion promise could not be verified/),
      );
    });

    test('keyless requirement without a trusted root: refused with the reason', async () => {
      const { uri } = await publishWithBundle('keyless-noroot');
      await assert.rejects(
        fetchOciComponent(uri, { verify: { keyless: [{ identity, issuer }] } }),
        sigFailed(/has no trustedRootPath/),
      );
    });

    test("cosign's legacy keyless form (.sig tag with certificate and Rekor bundle annotations)", async () => {
      const good = await publish('legacy-keyless');
      const wrong = await publish('legacy-keyless-wrong');
      for (const [published, who] of [[good, identity], [wrong, 'mallory@evil.test']] as const) {
        const name = published.uri.split('/signed/')[1].split(':')[0];
        const { payload, annotations } = await sigstore.legacyKeyless(published.manifestDigest, `${registry.host}/signed/${name}`, { identity: who });
        await withClient(`signed/${name}`, async (client) => {
          const { digestOf } = await import('../../src/distribution/transport.js');
          const config = Buffer.from('{}');
          await client.pushBlob(payload, digestOf(payload), 'payload');
          await client.pushBlob(config, digestOf(config), 'config');
          const manifest = {
            schemaVersion: 2,
            mediaType: OCI_MANIFEST,
            config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
            layers: [{ mediaType: COSIGN_SIMPLESIGNING, digest: digestOf(payload), size: payload.length, annotations }],
          };
          await client.putManifest(signatureTag(published.manifestDigest), Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);
        });
      }
      const requirement = { keyless: [{ identity, issuer, trustedRootPath: sigstore.trustedRootPath }] };
      const fetched = await fetchOciComponent(good.uri, { verify: requirement });
      assert.deepEqual(Buffer.from(fetched.bytes), good.bytes);
      await assert.rejects(
        fetchOciComponent(wrong.uri, { verify: requirement }),
        sigFailed(/tag sha256-[0-9a-f]+\.sig signature 1: certificate identity is 'mallory@evil\.test'/),
      );
      // A key-only requirement does not accept a keyless signature.
      await assert.rejects(fetchOciComponent(good.uri, { verify: { publicKeysPem: [signer.publicKeyPem] } }), sigFailed(/keyless signature, but no keyless identities/));
    });

    test('a bundle for another digest is refused', async () => {
      const published = await publish('keyless-other');
      const bundle = await sigstore.bundleFor(`sha256:${'1'.repeat(64)}`);
      const manifestBytes = Buffer.from(
        await (await fetch(`${registry.url}/v2/signed/keyless-other/manifests/${published.manifestDigest}`, { headers: { accept: OCI_MANIFEST } })).arrayBuffer(),
      );
      await withClient('signed/keyless-other', (client) =>
        attachSigstoreBundle(client, { digest: published.manifestDigest, size: manifestBytes.length, mediaType: OCI_MANIFEST }, bundle),
      );
      await assert.rejects(
        fetchOciComponent(published.uri, { verify: { keyless: [{ identity, issuer, trustedRootPath: sigstore.trustedRootPath }] } }),
        sigFailed(/the signed in-toto statement does not name sha256:/),
      );
    });
  });
});
