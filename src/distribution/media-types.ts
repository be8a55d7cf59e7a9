/** OCI / Docker / Wasm / Sigstore media types understood by tapedeck. */

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

export const MANIFEST_TYPES = [OCI_MANIFEST, DOCKER_MANIFEST] as const;
export const INDEX_TYPES = [OCI_INDEX, DOCKER_MANIFEST_LIST] as const;
/** Accept header for manifest requests: every form we can read. */
export const MANIFEST_ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST].join(', ');

export const OCI_IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const DOCKER_IMAGE_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const WASM_CONFIG = 'application/vnd.wasm.config.v0+json';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';

/** Layer media types that carry the component (first match wins). */
export const WASM_LAYER_TYPES = [
  'application/wasm',
  'application/vnd.wasm.component.v1',
  'application/vnd.bytecodealliance.wasm.component.layer.v0+wasm',
] as const;
export const WASM_LAYER = 'application/wasm';

/** Layer media types that carry a policy (returned to the caller, never applied here). */
export const POLICY_LAYER_TYPES = [
  'application/vnd.wasm.policy.v1+yaml',
  'application/vnd.wassette.policy+yaml',
  'application/x-yaml',
  'text/yaml',
] as const;
export const POLICY_LAYER = 'application/vnd.wasm.policy.v1+yaml';

export const COSIGN_SIMPLESIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const COSIGN_CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
export const COSIGN_CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';
export const COSIGN_BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';
export const SIGSTORE_BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const SIGSTORE_BUNDLE_PREFIX = 'application/vnd.dev.sigstore.bundle';

export const ANNOTATION_CREATED = 'org.opencontainers.image.created';
export const ANNOTATION_TITLE = 'org.opencontainers.image.title';
export const ANNOTATION_SOURCE = 'org.opencontainers.image.source';
export const ANNOTATION_VERSION = 'org.opencontainers.image.version';

/** Strips parameters (`; charset=…`) and lowercases. */
export function baseMediaType(value: string | null | undefined): string {
  return (value ?? '').split(';')[0].trim().toLowerCase();
}

export function isWasmLayer(mediaType: string): boolean {
  return (WASM_LAYER_TYPES as readonly string[]).includes(baseMediaType(mediaType));
}

export function isPolicyLayer(mediaType: string): boolean {
  return (POLICY_LAYER_TYPES as readonly string[]).includes(baseMediaType(mediaType));
}

export const MiB = 1024 * 1024;
export const DEFAULT_MAX_COMPONENT_BYTES = 256 * MiB;
export const MAX_MANIFEST_BYTES = 1 * MiB;
export const MAX_POLICY_BYTES = 1 * MiB;
export const MAX_SIGNATURE_BYTES = 1 * MiB;
export const DEFAULT_TIMEOUT_MS = 30_000;
