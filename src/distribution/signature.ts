/**
 * Signatures on OCI artifacts, in the formats cosign uses:
 *
 * - key-based "simple signing" (cosign's classic form): a manifest tagged
 *   `sha256-<hex>.sig` whose layers are `application/vnd.dev.cosign.simplesigning.v1+json`
 *   payloads naming the signed manifest digest, each with its base64 signature
 *   in the `dev.cosignproject.cosign/signature` annotation. Keyless signatures
 *   in this form also carry `dev.sigstore.cosign/certificate` and
 *   `dev.sigstore.cosign/bundle` (the Rekor SET), and are verified as Sigstore
 *   bundles.
 * - OCI 1.1 referrers holding a Sigstore bundle
 *   (`application/vnd.dev.sigstore.bundle.v0.3+json`, cosign v3): found via the
 *   referrers API or the referrers tag schema (`sha256-<hex>` index). The
 *   bundle is either a DSSE in-toto statement whose subject is the manifest
 *   digest, or a message signature over the manifest bytes.
 *
 * Verification succeeds when at least one signature verifies against one of
 * the trusted public keys, or against one keyless requirement (a trusted root,
 * an exact certificate identity and an exact OIDC issuer).
 */
import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DistributionError } from './errors.js';
import {
  COSIGN_BUNDLE_ANNOTATION,
  COSIGN_CERTIFICATE_ANNOTATION,
  COSIGN_CHAIN_ANNOTATION,
  COSIGN_SIGNATURE_ANNOTATION,
  COSIGN_SIMPLESIGNING,
  MAX_SIGNATURE_BYTES,
  OCI_EMPTY,
  OCI_IMAGE_CONFIG,
  OCI_INDEX,
  OCI_MANIFEST,
  SIGSTORE_BUNDLE,
  SIGSTORE_BUNDLE_PREFIX,
  baseMediaType,
} from './media-types.js';
import type { Descriptor, ImageIndex, ImageManifest, OciClient } from './oci-client.js';
import { digestOf } from './transport.js';

export interface KeylessRequirement {
  /** Exact certificate identity (subject alternative name: e-mail or URI). */
  identity: string;
  /** Exact OIDC issuer recorded by Fulcio in the certificate. */
  issuer: string;
  /** Sigstore `trusted_root.json` (Fulcio CAs, Rekor keys, CT logs, TSAs). Required. */
  trustedRootPath?: string;
}

export interface SignatureRequirement {
  publicKeysPem?: string[];
  keyless?: KeylessRequirement[];
}

export interface VerifiedSignature {
  kind: 'public-key' | 'keyless';
  /** Manifest digest the signature covers. */
  signedDigest: string;
  /** Where the signature was found (`tag sha256-….sig` or `referrer sha256:…`). */
  location: string;
  identity?: string;
  issuer?: string;
}

export interface SignedSubject {
  digest: string;
  bytes: Uint8Array;
  mediaType: string;
}

const SIMPLE_SIGNING_TYPE = 'cosign container image signature';
const MAX_CANDIDATES = 16;
const IN_TOTO = 'application/vnd.in-toto+json';

export function signatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}

/** Whether a requirement asks for anything (empty lists mean "nothing trusted", which is an error). */
export function requirementIsSet(requirement: SignatureRequirement | undefined): requirement is SignatureRequirement {
  return !!requirement && (requirement.publicKeysPem !== undefined || requirement.keyless !== undefined);
}

/** The cosign "simple signing" payload, byte-for-byte as cosign writes it. */
export function simpleSigningPayload(dockerReference: string, manifestDigest: string): Uint8Array {
  const payload = {
    critical: {
      identity: { 'docker-reference': dockerReference },
      image: { 'docker-manifest-digest': manifestDigest },
      type: SIMPLE_SIGNING_TYPE,
    },
    optional: null,
  };
  return Buffer.from(JSON.stringify(payload), 'utf8');
}

function hashFor(key: KeyObject): string | null {
  if (key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448') return null;
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'secp384r1') return 'sha384';
    if (curve === 'secp521r1') return 'sha512';
  }
  return 'sha256';
}

export function parsePublicKeys(pems: string[]): KeyObject[] {
  return pems.map((pem, i) => {
    try {
      const key = createPublicKey(pem);
      return key;
    } catch (error) {
      throw new DistributionError(
        'invalid-key',
        `trusted public key #${i + 1} is not a PEM public key: ${(error as Error).message}`,
      );
    }
  });
}

export function loadPrivateKey(pem: string, password?: string): KeyObject {
  if (/-----BEGIN ENCRYPTED (SIGSTORE|COSIGN) PRIVATE KEY-----/.test(pem)) {
    throw new DistributionError(
      'invalid-key',
      "cosign's own encrypted key format (ENCRYPTED SIGSTORE PRIVATE KEY) is not supported: use an ECDSA P-256 key in PKCS#8 or SEC1 PEM, e.g. `openssl ecparam -name prime256v1 -genkey | openssl pkcs8 -topk8 -nocrypt -out cosign.key` (the matching public key works with `cosign verify --key`)",
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem', ...(password !== undefined ? { passphrase: password } : {}) });
  } catch (error) {
    const message = (error as Error).message;
    const hint = /passphrase|decrypt|bad decrypt/i.test(message)
      ? password === undefined
        ? ' (the key is encrypted: give its password)'
        : ' (wrong password?)'
      : '';
    throw new DistributionError('invalid-key', `cannot read the private key: ${message}${hint}`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new DistributionError(
      'invalid-key',
      `signing needs an ECDSA P-256 private key (cosign's key type); this key is ${key.asymmetricKeyType}${key.asymmetricKeyDetails?.namedCurve ? ` on ${key.asymmetricKeyDetails.namedCurve}` : ''}`,
    );
  }
  return key;
}

/** Signs `manifestDigest` and stores it as cosign does (tag `sha256-<hex>.sig`, appending to existing signatures). */
export async function signManifestWithKey(
  client: OciClient,
  manifestDigest: string,
  privateKey: KeyObject,
): Promise<string> {
  const dockerReference = `${client.registry}/${client.repository}`;
  const payload = simpleSigningPayload(dockerReference, manifestDigest);
  const signature = cryptoSign('sha256', payload, privateKey).toString('base64');
  const payloadDigest = digestOf(payload);
  const tag = signatureTag(manifestDigest);

  const existing = await client.getManifest(tag, { optional: true, what: `signature manifest ${tag}` });
  const layers: Descriptor[] = (existing?.manifest?.layers ?? []).filter(
    (l) =>
      baseMediaType(l.mediaType) === COSIGN_SIMPLESIGNING &&
      !(l.digest === payloadDigest && l.annotations?.[COSIGN_SIGNATURE_ANNOTATION] === signature),
  );
  layers.push({
    mediaType: COSIGN_SIMPLESIGNING,
    digest: payloadDigest,
    size: payload.byteLength,
    annotations: { [COSIGN_SIGNATURE_ANNOTATION]: signature },
  });
  await client.pushBlob(payload, payloadDigest, 'signature payload');
  const config = Buffer.from(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: [{ created: '0001-01-01T00:00:00Z' }],
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      config: {},
    }),
  );
  const configDigest = digestOf(config);
  await client.pushBlob(config, configDigest, 'signature config');
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_IMAGE_CONFIG, digest: configDigest, size: config.byteLength },
    layers,
  };
  await client.putManifest(tag, Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);
  return tag;
}

/**
 * Attaches a Sigstore bundle to `subject` as an OCI 1.1 referrer, and keeps
 * the referrers tag schema index (`sha256-<hex>`) up to date for registries
 * without the referrers API.
 */
export async function attachSigstoreBundle(
  client: OciClient,
  subject: { digest: string; size: number; mediaType: string },
  bundleJson: string,
): Promise<string> {
  const bundle = Buffer.from(bundleJson, 'utf8');
  const bundleDigest = digestOf(bundle);
  await client.pushBlob(bundle, bundleDigest, 'sigstore bundle');
  const empty = Buffer.from('{}');
  const emptyDigest = digestOf(empty);
  await client.pushBlob(empty, emptyDigest, 'empty config');
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: SIGSTORE_BUNDLE,
    config: { mediaType: OCI_EMPTY, digest: emptyDigest, size: empty.byteLength },
    layers: [{ mediaType: SIGSTORE_BUNDLE, digest: bundleDigest, size: bundle.byteLength }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: { 'org.opencontainers.image.created': new Date().toISOString() },
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const { digest, subjectProcessed } = await client.putManifest(digestOf(bytes), bytes, OCI_MANIFEST);
  if (!subjectProcessed) {
    const tag = subject.digest.replace(':', '-');
    const existing = await client.getManifest(tag, { optional: true, what: `referrers index ${tag}` });
    const manifests = (existing?.index?.manifests ?? []).filter((m) => m.digest !== digest);
    manifests.push({ mediaType: OCI_MANIFEST, digest, size: bytes.byteLength, artifactType: SIGSTORE_BUNDLE });
    const index: ImageIndex = { schemaVersion: 2, mediaType: OCI_INDEX, manifests };
    await client.putManifest(tag, Buffer.from(JSON.stringify(index)), OCI_INDEX);
  }
  return digest;
}

// ---------------------------------------------------------------------------
// Verification

type SigstoreVerify = typeof import('@sigstore/verify');
type SigstoreBundle = typeof import('@sigstore/bundle');
type SigstoreSpecs = typeof import('@sigstore/protobuf-specs');
let sigstoreModules: Promise<{ verify: SigstoreVerify; bundle: SigstoreBundle; specs: SigstoreSpecs }> | undefined;

function loadSigstore() {
  sigstoreModules ??= Promise.all([
    import('@sigstore/verify'),
    import('@sigstore/bundle'),
    import('@sigstore/protobuf-specs'),
  ]).then(([verify, bundle, specs]) => ({ verify, bundle, specs }));
  return sigstoreModules;
}

class Verification {
  private readonly keys: KeyObject[];
  private readonly trustMaterials = new Map<string, Promise<unknown>>();
  readonly reasons: string[] = [];
  found = 0;

  constructor(private readonly requirement: SignatureRequirement) {
    this.keys = parsePublicKeys(requirement.publicKeysPem ?? []);
  }

  private trustMaterial(path: string): Promise<unknown> {
    let material = this.trustMaterials.get(path);
    if (!material) {
      material = (async () => {
        const { verify, specs } = await loadSigstore();
        let json: unknown;
        try {
          json = JSON.parse(await readFile(path, 'utf8'));
        } catch (error) {
          throw new Error(`cannot read trusted root ${path}: ${(error as Error).message}`);
        }
        return verify.toTrustMaterial(specs.TrustedRoot.fromJSON(json));
      })();
      this.trustMaterials.set(path, material);
    }
    return material;
  }

  /** Key-based check of a simple-signing signature. */
  checkKeys(payload: Uint8Array, signature: Buffer): boolean {
    return this.keys.some((key) => {
      try {
        return cryptoVerify(hashFor(key), payload, key, signature);
      } catch {
        return false;
      }
    });
  }

  get hasKeys(): boolean {
    return this.keys.length > 0;
  }

  get hasKeyless(): boolean {
    return (this.requirement.keyless ?? []).length > 0;
  }

  /**
   * Verifies a Sigstore bundle whose signed content is `artifact` (message
   * signatures) or is self-contained (DSSE). Returns the matched identity or
   * throws with the reason.
   */
  async checkBundle(bundleJson: unknown, artifact: Uint8Array | undefined): Promise<{ kind: 'public-key' | 'keyless'; identity?: string; issuer?: string }> {
    const { verify, bundle: bundleLib } = await loadSigstore();
    let bundle;
    try {
      bundle = bundleLib.bundleFromJSON(bundleJson);
    } catch (error) {
      throw new Error(`invalid Sigstore bundle: ${(error as Error).message}`);
    }
    const entity = verify.toSignedEntity(bundle, artifact ? Buffer.from(artifact) : undefined);
    if (entity.key.$case === 'public-key') {
      if (!this.hasKeys) throw new Error('bundle is signed with a public key, but no trusted public keys are configured');
      if (this.keys.some((key) => entity.signature.verifySignature(key))) return { kind: 'public-key' };
      throw new Error(`signature does not match any of the ${this.keys.length} trusted public key(s)`);
    }
    const keyless = this.requirement.keyless ?? [];
    if (keyless.length === 0) {
      throw new Error('bundle is a keyless (certificate) signature, but no keyless identities are configured');
    }
    const failures: string[] = [];
    for (const req of keyless) {
      if (!req.trustedRootPath) {
        failures.push(
          `keyless requirement for ${req.identity} has no trustedRootPath (a Sigstore trusted_root.json is needed; tapedeck does not fetch one)`,
        );
        continue;
      }
      try {
        const material = (await this.trustMaterial(req.trustedRootPath)) as import('@sigstore/verify').TrustMaterial;
        const verifier = new verify.Verifier(material, {
          tlogThreshold: material.tlogs.length > 0 ? 1 : 0,
          ctlogThreshold: material.ctlogs.length > 0 ? 1 : 0,
          timestampThreshold: 1,
        });
        const signer = verifier.verify(entity);
        const san = signer.identity?.subjectAlternativeName;
        const issuer = signer.identity?.extensions?.issuer;
        if (san !== req.identity) {
          failures.push(`certificate identity is '${san ?? '(none)'}', required '${req.identity}'`);
          continue;
        }
        if (issuer !== req.issuer) {
          failures.push(`certificate issuer is '${issuer ?? '(none)'}', required '${req.issuer}'`);
          continue;
        }
        return { kind: 'keyless', identity: san, issuer };
      } catch (error) {
        const e = error as Error & { cause?: Error };
        failures.push(`${e.message}${e.cause?.message ? ` (${e.cause.message})` : ''}`);
      }
    }
    throw new Error(failures.join('; '));
  }
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Rebuilds a v0.1 Sigstore bundle from cosign's legacy keyless annotations. */
function legacyBundle(annotations: Record<string, string>, payload: Uint8Array, signatureB64: string): unknown {
  const certPem = annotations[COSIGN_CERTIFICATE_ANNOTATION];
  const chainPem = annotations[COSIGN_CHAIN_ANNOTATION] ?? '';
  const pemToDer = (pem: string) =>
    [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) =>
      Buffer.from(m[1].replace(/\s+/g, ''), 'base64').toString('base64'),
    );
  const certificates = [...pemToDer(certPem), ...pemToDer(chainPem)].map((rawBytes) => ({ rawBytes }));
  const tlogEntries: unknown[] = [];
  const rekor = annotations[COSIGN_BUNDLE_ANNOTATION];
  if (rekor) {
    const parsed = JSON.parse(rekor) as {
      SignedEntryTimestamp: string;
      Payload: { body: string; integratedTime: number; logIndex: number; logID: string };
    };
    const body = JSON.parse(Buffer.from(parsed.Payload.body, 'base64').toString('utf8')) as { kind: string; apiVersion: string };
    tlogEntries.push({
      logIndex: String(parsed.Payload.logIndex),
      logId: { keyId: Buffer.from(parsed.Payload.logID, 'hex').toString('base64') },
      kindVersion: { kind: body.kind, version: body.apiVersion },
      integratedTime: String(parsed.Payload.integratedTime),
      inclusionPromise: { signedEntryTimestamp: parsed.SignedEntryTimestamp },
      canonicalizedBody: parsed.Payload.body,
    });
  }
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
    verificationMaterial: {
      x509CertificateChain: { certificates },
      tlogEntries,
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(payload).digest('base64') },
      signature: signatureB64,
    },
  };
}

function describeError(error: unknown): string {
  if (error instanceof DistributionError) return error.message;
  return (error as Error).message ?? String(error);
}

/**
 * Checks that one of `subjects` (the manifest, and the index it was chosen
 * from, if any) carries a signature satisfying `requirement`. Throws a
 * `signature-verification-failed` DistributionError saying which check failed.
 */
export async function verifySignatures(
  client: OciClient,
  uri: string,
  subjects: SignedSubject[],
  requirement: SignatureRequirement,
): Promise<VerifiedSignature> {
  const fail = (why: string) =>
    new DistributionError('signature-verification-failed', `signature verification failed for ${uri}: ${why}`);
  if ((requirement.publicKeysPem ?? []).length === 0 && (requirement.keyless ?? []).length === 0) {
    throw fail('signatures are required but no trusted public keys or keyless identities are configured');
  }
  const signCommand = `tapedeck component sign ${uri} --key <private-key.pem>`;
  const check = new Verification(requirement);
  const looked: string[] = [];

  for (const subject of subjects) {
    const hex = subject.digest;
    // 1. cosign's tag form.
    const tag = signatureTag(hex);
    looked.push(`tag ${tag}`);
    let sigManifest;
    try {
      sigManifest = await client.getManifest(tag, { optional: true, what: `signature manifest ${tag}` });
    } catch (error) {
      check.reasons.push(`tag ${tag}: ${describeError(error)}`);
    }
    const layers = (sigManifest?.manifest?.layers ?? [])
      .filter((l) => baseMediaType(l.mediaType) === COSIGN_SIMPLESIGNING)
      .slice(0, MAX_CANDIDATES);
    for (const [i, layer] of layers.entries()) {
      check.found++;
      const where = `tag ${tag} signature ${i + 1}`;
      try {
        const payload = await client.getBlob(layer, { maxBytes: MAX_SIGNATURE_BYTES, what: `${where} payload` });
        const parsed = parseJsonObject(payload) as
          | { critical?: { image?: { 'docker-manifest-digest'?: string }; type?: string } }
          | undefined;
        const signedDigest = parsed?.critical?.image?.['docker-manifest-digest'];
        if (signedDigest !== subject.digest) {
          check.reasons.push(`${where}: payload names ${signedDigest ?? 'no digest'}, not ${subject.digest}`);
          continue;
        }
        if (parsed?.critical?.type?.toLowerCase() !== SIMPLE_SIGNING_TYPE) {
          check.reasons.push(`${where}: payload type is '${parsed?.critical?.type}', not '${SIMPLE_SIGNING_TYPE}'`);
          continue;
        }
        const sigB64 = layer.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
        if (!sigB64) {
          check.reasons.push(`${where}: no ${COSIGN_SIGNATURE_ANNOTATION} annotation`);
          continue;
        }
        const signature = Buffer.from(sigB64, 'base64');
        if (layer.annotations?.[COSIGN_CERTIFICATE_ANNOTATION]) {
          if (!check.hasKeyless && check.hasKeys && check.checkKeys(payload, signature)) {
            return { kind: 'public-key', signedDigest: subject.digest, location: `tag ${tag}` };
          }
          if (!check.hasKeyless) {
            check.reasons.push(`${where}: keyless signature, but no keyless identities are configured`);
            continue;
          }
          const result = await check.checkBundle(legacyBundle(layer.annotations, payload, sigB64), payload);
          return { ...result, signedDigest: subject.digest, location: `tag ${tag}` };
        }
        if (!check.hasKeys) {
          check.reasons.push(`${where}: key-based signature, but no trusted public keys are configured`);
          continue;
        }
        if (check.checkKeys(payload, signature)) {
          return { kind: 'public-key', signedDigest: subject.digest, location: `tag ${tag}` };
        }
        check.reasons.push(`${where}: signature does not match any of the trusted public key(s)`);
      } catch (error) {
        check.reasons.push(`${where}: ${describeError(error)}`);
      }
    }

    // 2. OCI 1.1 referrers carrying Sigstore bundles.
    looked.push(`OCI referrers of ${hex}`);
    let referrers: Descriptor[] = [];
    try {
      referrers = (await client.getReferrers(subject.digest)).filter((d) =>
        (d.artifactType ?? '').startsWith(SIGSTORE_BUNDLE_PREFIX),
      );
    } catch (error) {
      check.reasons.push(`referrers of ${subject.digest}: ${describeError(error)}`);
    }
    for (const descriptor of referrers.slice(0, MAX_CANDIDATES)) {
      check.found++;
      const where = `referrer ${descriptor.digest}`;
      try {
        const fetched = await client.getManifest(descriptor.digest, { what: where });
        const manifest = fetched?.manifest;
        if (manifest?.subject?.digest !== subject.digest) {
          check.reasons.push(`${where}: its subject is not ${subject.digest}`);
          continue;
        }
        const layer = manifest.layers.find((l) => baseMediaType(l.mediaType).startsWith(SIGSTORE_BUNDLE_PREFIX));
        if (!layer) {
          check.reasons.push(`${where}: no Sigstore bundle layer`);
          continue;
        }
        const bytes = await client.getBlob(layer, { maxBytes: MAX_SIGNATURE_BYTES, what: `${where} bundle` });
        const bundleJson = parseJsonObject(bytes);
        if (!bundleJson) {
          check.reasons.push(`${where}: bundle is not JSON`);
          continue;
        }
        let artifact: Uint8Array | undefined;
        if (bundleJson.dsseEnvelope) {
          const env = bundleJson.dsseEnvelope as { payload?: string; payloadType?: string };
          if (env.payloadType !== IN_TOTO) {
            check.reasons.push(`${where}: DSSE payload type is '${env.payloadType}', not ${IN_TOTO}`);
            continue;
          }
          const statement = parseJsonObject(Buffer.from(env.payload ?? '', 'base64')) as
            | { subject?: { digest?: Record<string, string> }[] }
            | undefined;
          const [algorithm, value] = subject.digest.split(':');
          const matches = (statement?.subject ?? []).some((s) => s.digest?.[algorithm] === value);
          if (!matches) {
            check.reasons.push(`${where}: the signed in-toto statement does not name ${subject.digest}`);
            continue;
          }
        } else {
          const ms = bundleJson.messageSignature as { messageDigest?: { digest?: string } } | undefined;
          const want = createHash('sha256').update(subject.bytes).digest('base64');
          if (ms?.messageDigest?.digest !== want) {
            check.reasons.push(`${where}: the message signature is not over manifest ${subject.digest}`);
            continue;
          }
          artifact = subject.bytes;
        }
        const result = await check.checkBundle(bundleJson, artifact);
        return { ...result, signedDigest: subject.digest, location: where };
      } catch (error) {
        check.reasons.push(`${where}: ${describeError(error)}`);
      }
    }
  }

  if (check.found === 0) {
    const errors = check.reasons.length ? ` (errors: ${check.reasons.join('; ')})` : '';
    throw fail(`no signature found (looked for ${looked.join(', ')})${errors}; sign it with: ${signCommand}`);
  }
  throw fail(`${check.found} signature(s) found, none verified: ${check.reasons.join('; ')}`);
}
