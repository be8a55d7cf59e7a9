/** Loading a component over HTTPS, optionally pinned with `#sha256=<hex>`. */
import { createHash } from 'node:crypto';
import { DistributionError } from './errors.js';
import { DEFAULT_MAX_COMPONENT_BYTES } from './media-types.js';
import { checkWasm, normaliseDigest } from './pull.js';
import { requirementIsSet } from './signature.js';
import { Transport, readBody } from './transport.js';
import type { FetchedComponent, FetchOptions } from './types.js';

export interface HttpsComponentUri {
  url: URL;
  /** Pin from `#sha256=<hex>`, normalised to `sha256:<hex>`. */
  pinnedDigest?: string;
}

export function parseHttpsUri(uri: string): HttpsComponentUri {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new DistributionError('invalid-uri', `invalid URL '${uri}'`);
  }
  if (url.protocol !== 'https:') {
    throw new DistributionError(
      'invalid-uri',
      `'${uri}' is not an https:// URL: components are only downloaded over https`,
    );
  }
  if (url.username || url.password) {
    throw new DistributionError('invalid-uri', `'${url.host}': credentials in the URL are not supported`);
  }
  let pinnedDigest: string | undefined;
  if (url.hash) {
    const m = /^#(sha256|sha512)[=:]([0-9a-fA-F]+)$/.exec(url.hash);
    if (!m || m[2].length !== (m[1] === 'sha256' ? 64 : 128)) {
      throw new DistributionError(
        'invalid-uri',
        `invalid pin '${url.hash}' in '${uri}': expected #sha256=<64 hex digits>`,
      );
    }
    pinnedDigest = `${m[1]}:${m[2].toLowerCase()}`;
    url.hash = '';
  }
  return { url, ...(pinnedDigest ? { pinnedDigest } : {}) };
}

/** Id from the last path segment without `.wasm`, limited to `[A-Za-z0-9_-]`. */
export function componentIdFromUrl(url: URL): string {
  const segments = url.pathname.split('/').filter(Boolean);
  const last = decodeURIComponent(segments[segments.length - 1] ?? '').replace(/\.wasm$/i, '');
  const id = last.replace(/[^A-Za-z0-9_-]/g, '_').replace(/^[-_]+/, '').slice(0, 100);
  return id || 'component';
}

export async function fetchHttpsComponent(uri: string, options: FetchOptions = {}): Promise<FetchedComponent> {
  const { url, pinnedDigest } = parseHttpsUri(uri);
  const display = url.href;
  if (requirementIsSet(options.verify)) {
    throw new DistributionError(
      'signature-verification-failed',
      `signature verification failed for ${display}: signatures can only be verified for oci:// components; publish it to a registry and sign it with tapedeck component sign, or load it from a trusted source without a signature requirement`,
    );
  }
  const expected = options.expectedDigest ? normaliseDigest(options.expectedDigest) : undefined;
  if (pinnedDigest && expected && pinnedDigest !== expected) {
    throw new DistributionError(
      'digest-mismatch',
      `conflicting digests for ${display}: the URL pins ${pinnedDigest}, expectedDigest is ${expected}`,
    );
  }
  const want = pinnedDigest ?? expected;
  const algorithm = want?.startsWith('sha512:') ? 'sha512' : 'sha256';
  const transport = new Transport({
    caCertificates: options.caCertificates,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
  try {
    const { response, url: finalUrl } = await transport.fetchFollowing(
      url.href,
      { headers: { accept: 'application/wasm, application/octet-stream;q=0.9, */*;q=0.1' } },
      { maxRedirects: 5, allowHttp: () => false },
    );
    if (!response.ok) {
      let body = '';
      try {
        const { bytes } = await readBody(response, { maxBytes: 4096, what: 'error body', url: finalUrl });
        body = Buffer.from(bytes).toString('utf8').trim().slice(0, 200);
      } catch {
        /* ignore */
      }
      throw new DistributionError(
        response.status === 404 ? 'not-found' : 'http-error',
        `downloading ${display} failed: ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${body ? ` (${body})` : ''}`,
      );
    }
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_COMPONENT_BYTES;
    const { bytes, digest } = await readBody(response, {
      maxBytes,
      what: `component ${display}`,
      hashAlgorithm: algorithm,
      onProgress: options.onProgress,
      signal: options.signal,
      url: finalUrl,
    });
    if (want && digest !== want) {
      throw new DistributionError(
        'digest-mismatch',
        `digest mismatch for ${display}: expected ${want}, downloaded content has ${digest}; refusing to load it`,
      );
    }
    checkWasm(bytes, display);
    const sha256 = algorithm === 'sha256' ? digest! : `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    return {
      bytes,
      digest: sha256,
      id: componentIdFromUrl(url),
      sourceUri: pinnedDigest ? `${display}#${pinnedDigest.replace(':', '=')}` : display,
    };
  } finally {
    await transport.close();
  }
}
