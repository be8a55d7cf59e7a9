/** Dispatches a component URI to the fetcher for its scheme. */
import { readFileSource, schemeOf, type ComponentSource } from './source.js';
import type { FetchOptions } from '../distribution/index.js';

export async function resolveSource(uri: string, options: FetchOptions = {}): Promise<ComponentSource> {
  const scheme = schemeOf(uri);
  if (scheme === 'file') return readFileSource(uri);
  // Network fetchers load on demand: most runs only touch local files.
  const distribution = await import('../distribution/index.js');
  const fetched =
    scheme === 'oci' ? await distribution.fetchOciComponent(uri, options) : await distribution.fetchHttpsComponent(uri, options);
  return {
    bytes: fetched.bytes,
    id: fetched.id,
    sourceUri: fetched.sourceUri,
    policyYaml: fetched.policyYaml,
    verifiedDigest: fetched.digest,
    manifestDigest: fetched.manifestDigest,
  };
}
