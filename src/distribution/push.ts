/**
 * Publishing a component as an OCI artifact in the CNCF wasm layout (what
 * `wkg oci push` writes and Wassette reads): config
 * `application/vnd.wasm.config.v0+json`, one `application/wasm` layer, an OCI
 * image manifest with `org.opencontainers.image.*` annotations, and
 * optionally a policy layer.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DistributionError } from './errors.js';
import {
  ANNOTATION_CREATED,
  ANNOTATION_TITLE,
  DEFAULT_MAX_COMPONENT_BYTES,
  MAX_POLICY_BYTES,
  OCI_MANIFEST,
  POLICY_LAYER,
  WASM_CONFIG,
  WASM_LAYER,
} from './media-types.js';
import type { Descriptor, ImageManifest } from './oci-client.js';
import { checkWasm, openClient } from './pull.js';
import { formatOciReference, parseOciReference } from './reference.js';
import { digestOf } from './transport.js';
import type { FetchOptions } from './types.js';

export interface PushOptions extends FetchOptions {
  policyPath?: string;
  /** Manifest annotations; keys without a dot are taken as `org.opencontainers.image.<key>`. */
  annotations?: Record<string, string>;
}

async function readLimited(path: string, max: number, what: string): Promise<Buffer> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new DistributionError('not-found', `cannot read ${what} ${path}: ${(error as Error).message}`);
  }
  if (size > max) {
    throw new DistributionError('too-large', `${what} ${path} is too large: ${size} bytes, the limit is ${max} bytes`);
  }
  return readFile(path);
}

export async function pushOciComponent(
  wasmPath: string,
  uri: string,
  options: PushOptions = {},
): Promise<{ manifestDigest: string; uri: string }> {
  const wasm = await readLimited(wasmPath, options.maxBytes ?? DEFAULT_MAX_COMPONENT_BYTES, 'component');
  checkWasm(wasm, wasmPath);
  let policy: Buffer | undefined;
  if (options.policyPath) {
    policy = await readLimited(options.policyPath, MAX_POLICY_BYTES, 'policy');
    try {
      parseYaml(policy.toString('utf8'));
    } catch (error) {
      throw new DistributionError('invalid-manifest', `policy ${options.policyPath} is not valid YAML: ${(error as Error).message}`);
    }
  }

  const parsed = parseOciReference(uri);
  if (parsed.digest) {
    throw new DistributionError(
      'invalid-reference',
      `cannot push to a digest reference (${uri}): give a tag, e.g. oci://${parsed.registry}/${parsed.repository}:1.0.0`,
    );
  }
  const { ref, client, transport } = openClient(uri, options);
  const tag = ref.tag ?? 'latest';
  try {
    const wasmDigest = digestOf(wasm);
    const layers: Descriptor[] = [
      {
        mediaType: WASM_LAYER,
        digest: wasmDigest,
        size: wasm.byteLength,
        annotations: { [ANNOTATION_TITLE]: basename(wasmPath) },
      },
    ];
    if (policy) {
      layers.push({
        mediaType: POLICY_LAYER,
        digest: digestOf(policy),
        size: policy.byteLength,
        annotations: { [ANNOTATION_TITLE]: basename(options.policyPath!) },
      });
    }
    const created = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const config = Buffer.from(
      JSON.stringify({
        created,
        architecture: 'wasm',
        os: 'wasip2',
        layerDigests: layers.map((l) => l.digest),
      }),
    );
    const configDigest = digestOf(config);

    const annotations: Record<string, string> = {
      [ANNOTATION_CREATED]: created,
      [ANNOTATION_TITLE]: ref.repository.split('/').pop()!,
    };
    for (const [key, value] of Object.entries(options.annotations ?? {})) {
      annotations[key.includes('.') ? key : `org.opencontainers.image.${key}`] = value;
    }

    await client.pushBlob(wasm, wasmDigest, `component ${basename(wasmPath)}`);
    if (policy) await client.pushBlob(policy, layers[1].digest, `policy ${basename(options.policyPath!)}`);
    await client.pushBlob(config, configDigest, 'config');

    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: WASM_CONFIG, digest: configDigest, size: config.byteLength },
      layers,
      annotations,
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const { digest } = await client.putManifest(tag, bytes, OCI_MANIFEST);
    return { manifestDigest: digest, uri: formatOciReference({ ...ref, tag, digest }) };
  } finally {
    await transport.close();
  }
}
