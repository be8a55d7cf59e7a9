/**
 * Component distribution: OCI pull/push, HTTPS downloads, signatures.
 *
 * Everything here verifies what it loads: every blob's digest, sizes, and,
 * when configured, a signature over the manifest before the component is
 * downloaded. Policies shipped in artifacts are returned, never applied.
 */
import { openClient } from './pull.js';
import { formatOciReference, manifestReference } from './reference.js';
import { loadPrivateKey, signManifestWithKey } from './signature.js';
import type { FetchOptions } from './types.js';

export { DistributionError, isDistributionError, type DistributionErrorCode } from './errors.js';
export type { FetchedComponent, FetchOptions, SignatureRequirement, KeylessRequirement } from './types.js';
export { fetchOciComponent } from './pull.js';
export { fetchHttpsComponent } from './https-fetch.js';
export { pushOciComponent, type PushOptions } from './push.js';
export { parseOciReference, formatOciReference, componentIdFromRepository, type OciReference } from './reference.js';
export { isPlainHttpAllowed, isLoopbackHost, assertTransportAllowed } from './transport.js';
export { findCredentials } from './auth.js';
export { signatureTag, simpleSigningPayload, type VerifiedSignature } from './signature.js';

/**
 * Signs the manifest `uri` resolves to with an ECDSA P-256 key, cosign-style
 * (tag `sha256-<hex>.sig`, simple-signing payload). `cosign verify --key` accepts it.
 */
export async function signOciComponent(
  uri: string,
  options: { privateKeyPem: string; password?: string } & FetchOptions,
): Promise<{ signatureTag: string }> {
  const key = loadPrivateKey(options.privateKeyPem, options.password);
  const { ref, client, transport } = openClient(uri, options);
  try {
    const display = formatOciReference(ref);
    const fetched = await client.getManifest(manifestReference(ref), { what: `manifest of ${display}` });
    const digest = fetched!.digest;
    const signatureTag = await signManifestWithKey(client, digest, key);
    return { signatureTag };
  } finally {
    await transport.close();
  }
}
