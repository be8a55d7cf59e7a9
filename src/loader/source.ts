/**
 * Where a component comes from. Each scheme resolves to the same shape
 * (bytes + a suggested id + provenance), so the runtime never cares which.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sanitiseId } from '../store/component-id.js';

export interface ComponentSource {
  bytes: Uint8Array;
  /** Id derived from the source (file stem, OCI repository name). */
  id: string;
  /** Canonical URI the component was loaded from. */
  sourceUri: string;
  /** A policy shipped with the artifact; applied only when the user accepts it. */
  policyYaml?: string;
  /** Digest of the component bytes as verified by the fetcher, if any. */
  verifiedDigest?: string;
  /** For OCI: digest of the manifest the component came from (a pin may name either). */
  manifestDigest?: string;
}

export class SourceError extends Error {
  constructor(
    message: string,
    readonly code: 'unsupported-scheme' | 'not-found' | 'not-a-file' | 'invalid-uri' | 'fetch-failed',
  ) {
    super(message);
  }
}

export type Scheme = 'file' | 'oci' | 'https';

/** Splits `uri` into its scheme; plain paths count as `file`. */
export function schemeOf(uri: string): Scheme {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(uri);
  if (!match) {
    if (/^[A-Za-z][A-Za-z0-9+.-]*:[^\\/]/.test(uri) && !/^[A-Za-z]:[\\/]/.test(uri)) {
      const scheme = uri.slice(0, uri.indexOf(':'));
      throw new SourceError(`Unsupported URI scheme '${scheme}'. Use 'file://', 'https://' or 'oci://'`, 'unsupported-scheme');
    }
    return 'file';
  }
  const scheme = match[1].toLowerCase();
  if (scheme === 'file' || scheme === 'oci' || scheme === 'https') return scheme;
  if (scheme === 'http') {
    throw new SourceError(
      `Unsupported URI scheme 'http': components are only fetched over https. Use 'https://', or download the file and load it with 'file://'`,
      'unsupported-scheme',
    );
  }
  throw new SourceError(`Unsupported URI scheme '${match[1]}'. Use 'file://', 'https://' or 'oci://'`, 'unsupported-scheme');
}

/** Reads a component from a local path or `file://` URI. */
export async function readFileSource(uri: string, cwd = process.cwd()): Promise<ComponentSource> {
  let path: string;
  if (uri.startsWith('file://')) {
    try {
      path = fileURLToPath(uri);
    } catch (error) {
      throw new SourceError(
        `invalid file URI '${uri}': ${(error as Error).message}. Use an absolute path such as file:///home/me/tool.wasm`,
        'invalid-uri',
      );
    }
  } else {
    path = isAbsolute(uri) ? uri : resolve(cwd, uri);
  }
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SourceError(`component file not found: ${path}. Check the path, or build the component first`, 'not-found');
    }
    throw new SourceError(`cannot read ${path}: ${(error as Error).message}`, 'not-found');
  }
  if (!info.isFile()) throw new SourceError(`${path} is not a file: give the path of a .wasm component`, 'not-a-file');
  const bytes = await readFile(path);
  const stem = basename(path, extname(path));
  return { bytes, id: sanitiseId(stem) || 'component', sourceUri: `file://${path}` };
}
