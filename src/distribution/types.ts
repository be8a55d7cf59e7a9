import type { SignatureRequirement } from './signature.js';

export type { SignatureRequirement, KeylessRequirement } from './signature.js';

export interface FetchedComponent {
  bytes: Uint8Array;
  /** `sha256:<hex>` of the wasm bytes. */
  digest: string;
  id: string;
  sourceUri: string;
  /** Policy shipped with the artifact: show it, apply it only if the user accepts. */
  policyYaml?: string;
  annotations?: Record<string, string>;
  manifestDigest?: string;
}

export interface FetchOptions {
  /** Registries (host or host:port) that may be contacted over plain HTTP besides loopback ones. */
  insecureRegistries?: string[];
  /** Extra trusted CA certificates (PEM), added to Node's built-in roots. */
  caCertificates?: string[];
  /** Component size limit in bytes (default 256 MiB). Manifests and policies are limited to 1 MiB. */
  maxBytes?: number;
  /** Connect timeout and longest wait for response headers or the next body chunk (default 30 s). */
  timeoutMs?: number;
  onProgress?: (done: number, total?: number) => void;
  /**
   * `sha256:<hex>` the component must have. For OCI the manifest digest is accepted too.
   */
  expectedDigest?: string;
  /** When set, a signature satisfying it is required before the component is downloaded. */
  verify?: SignatureRequirement;
  signal?: AbortSignal;
  /** Environment for credential lookup (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Docker config.json path (default $DOCKER_CONFIG/config.json or ~/.docker/config.json). */
  dockerConfigPath?: string;
}
