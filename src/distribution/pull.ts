/** Pulling a component from an OCI registry. */
import { createHash } from 'node:crypto';
import { DistributionError } from './errors.js';
import {
  DEFAULT_MAX_COMPONENT_BYTES,
  MAX_POLICY_BYTES,
  isPolicyLayer,
  isWasmLayer,
} from './media-types.js';
import { OciClient, type Descriptor, type FetchedManifest } from './oci-client.js';
import {
  componentIdFromRepository,
  formatOciReference,
  manifestReference,
  parseOciReference,
  type OciReference,
} from './reference.js';
import { requirementIsSet, verifySignatures, type SignedSubject } from './signature.js';
import { Transport } from './transport.js';
import type { FetchedComponent, FetchOptions } from './types.js';

const PLATFORM_PREFERENCE: ((d: Descriptor) => boolean)[] = [
  (d) => d.platform?.os === 'wasip2',
  (d) => d.platform?.os === 'wasip1' || d.platform?.os === 'wasi',
  (d) => d.platform?.architecture === 'wasm',
];

/** Picks the wasm entry of an index: os wasip2, then wasi/wasip1, then arch wasm, else the only entry. */
export function choosePlatform(manifests: Descriptor[], what: string): Descriptor {
  const candidates = manifests.filter((m) => !m.artifactType && m.platform?.os !== 'unknown');
  for (const prefer of PLATFORM_PREFERENCE) {
    const match = candidates.find(prefer);
    if (match) return match;
  }
  if (candidates.length === 1) return candidates[0];
  const platforms = manifests.map((m) =>
    m.platform ? `${m.platform.os ?? '?'}/${m.platform.architecture ?? '?'}` : `(no platform: ${m.digest})`,
  );
  throw new DistributionError(
    'no-matching-platform',
    `${what} is a multi-platform index without a wasm entry (looked for os wasip2/wasip1/wasi or architecture wasm; found ${platforms.join(', ') || 'nothing'})`,
  );
}

export function normaliseDigest(value: string): string {
  const v = value.trim();
  const m = /^(sha256|sha512)[:=]([0-9a-fA-F]+)$/.exec(v);
  if (m) return `${m[1]}:${m[2].toLowerCase()}`;
  if (/^[0-9a-fA-F]{64}$/.test(v)) return `sha256:${v.toLowerCase()}`;
  throw new DistributionError('invalid-reference', `invalid digest '${value}': expected sha256:<64 hex digits>`);
}

export interface PullContext {
  ref: OciReference;
  client: OciClient;
  transport: Transport;
}

export function openClient(uri: string, options: FetchOptions): PullContext {
  const ref = parseOciReference(uri);
  const transport = new Transport({
    caCertificates: options.caCertificates,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
  const client = new OciClient(ref, transport, {
    insecureRegistries: options.insecureRegistries,
    env: options.env,
    dockerConfigPath: options.dockerConfigPath,
  });
  return { ref, client, transport };
}

/** Resolves `reference` to an image manifest, stepping through an index by platform. */
export async function resolveManifest(
  client: OciClient,
  ref: OciReference,
  uri: string,
): Promise<{ top: FetchedManifest; image: FetchedManifest }> {
  const reference = manifestReference(ref);
  const top = (await client.getManifest(reference, { what: `manifest of ${uri}` }))!;
  if (top.kind === 'manifest') return { top, image: top };
  const chosen = choosePlatform(top.index!.manifests, `${uri}`);
  const image = (await client.getManifest(chosen.digest, { what: `manifest ${chosen.digest} of ${uri}` }))!;
  if (image.kind !== 'manifest') {
    throw new DistributionError('invalid-manifest', `${uri}: index entry ${chosen.digest} is itself an index; nested indexes are not supported`);
  }
  return { top, image };
}

export async function fetchOciComponent(uri: string, options: FetchOptions = {}): Promise<FetchedComponent> {
  const { ref, client, transport } = openClient(uri, options);
  const display = formatOciReference(ref);
  try {
    const { top, image } = await resolveManifest(client, ref, display);
    const manifest = image.manifest!;

    const wasmLayer = manifest.layers.find((l) => isWasmLayer(l.mediaType));
    if (!wasmLayer) {
      const types = manifest.layers.map((l) => l.mediaType);
      throw new DistributionError(
        'no-wasm-layer',
        `${display} has no WebAssembly layer (expected application/wasm, application/vnd.wasm.component.v1 or application/vnd.bytecodealliance.wasm.component.layer.v0+wasm; found ${types.length ? types.join(', ') : 'no layers'}); is this a container image rather than a component?`,
      );
    }

    if (requirementIsSet(options.verify)) {
      const subjects: SignedSubject[] = [{ digest: image.digest, bytes: image.bytes, mediaType: image.mediaType }];
      if (top !== image) subjects.push({ digest: top.digest, bytes: top.bytes, mediaType: top.mediaType });
      await verifySignatures(client, display, subjects, options.verify);
    }

    const maxBytes = options.maxBytes ?? DEFAULT_MAX_COMPONENT_BYTES;
    const bytes = await client.getBlob(wasmLayer, {
      maxBytes,
      what: `component layer ${wasmLayer.digest} of ${display}`,
      onProgress: options.onProgress,
      hint: 'raise maxBytes if you trust this component',
    });
    checkWasm(bytes, display);

    let policyYaml: string | undefined;
    const policyLayer = manifest.layers.find((l) => isPolicyLayer(l.mediaType));
    if (policyLayer) {
      const policyBytes = await client.getBlob(policyLayer, {
        maxBytes: MAX_POLICY_BYTES,
        what: `policy layer ${policyLayer.digest} of ${display}`,
      });
      policyYaml = new TextDecoder('utf-8', { fatal: false }).decode(policyBytes);
    }

    const componentDigest = wasmLayer.digest;
    if (options.expectedDigest) {
      const expected = normaliseDigest(options.expectedDigest);
      if (expected !== componentDigest && expected !== image.digest && expected !== top.digest) {
        throw new DistributionError(
          'digest-mismatch',
          `digest mismatch for ${display}: expected ${expected}, but the component is ${componentDigest} (manifest ${image.digest})`,
        );
      }
    }

    const annotations = { ...(manifest.annotations ?? {}) };
    return {
      bytes,
      digest: componentDigest.startsWith('sha256:') ? componentDigest : sha256(bytes),
      id: componentIdFromRepository(ref.repository),
      sourceUri: display,
      ...(policyYaml !== undefined ? { policyYaml } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
      manifestDigest: image.digest,
    };
  } finally {
    await transport.close();
  }
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

export function checkWasm(bytes: Uint8Array, source: string): void {
  if (bytes.byteLength < 8 || !WASM_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new DistributionError('not-wasm', `${source} did not deliver a WebAssembly binary (no \\0asm header)`);
  }
}
