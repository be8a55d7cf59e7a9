/**
 * `oci://registry/repository[:tag][@digest]` references, following the
 * distribution reference grammar (lowercase path components, tags of at most
 * 128 word characters, `sha256:`/`sha512:` digests).
 */
import { DistributionError } from './errors.js';

export interface OciReference {
  /** Registry as written (host[:port]), lowercased; `docker.io` when omitted. */
  registry: string;
  /** Repository path, e.g. `microsoft/fetch-rs` (`library/x` for bare Docker Hub names). */
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const HOST_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const EXPECTED = 'expected oci://registry/repository:tag or oci://registry/repository@sha256:<64 hex digits>';

function fail(input: string, why: string): never {
  throw new DistributionError('invalid-reference', `invalid OCI reference '${input}': ${why}; ${EXPECTED}`);
}

export function isValidDigest(digest: string): boolean {
  return DIGEST.test(digest);
}

function validRegistry(registry: string): boolean {
  let host = registry;
  let port: string | undefined;
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end < 0) return false;
    const inner = host.slice(1, end);
    if (!/^[0-9a-fA-F:.]+$/.test(inner) || !inner.includes(':')) return false;
    const rest = host.slice(end + 1);
    if (rest === '') return true;
    if (!rest.startsWith(':')) return false;
    port = rest.slice(1);
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0) {
      port = host.slice(colon + 1);
      host = host.slice(0, colon);
    }
    if (!host.split('.').every((part) => HOST_COMPONENT.test(part))) return false;
  }
  if (port !== undefined && !/^[0-9]{1,5}$/.test(port)) return false;
  if (port !== undefined && Number(port) > 65535) return false;
  return true;
}

/** Parses an `oci://` URI (the scheme is required). */
export function parseOciReference(uri: string): OciReference {
  const input = uri;
  if (!/^oci:\/\//i.test(uri)) fail(input, "it must start with 'oci://'");
  let rest = uri.slice('oci://'.length).trim();
  if (rest === '') fail(input, 'it is empty');
  if (/[\s?#]/.test(rest)) fail(input, 'it contains whitespace, ? or #');

  let digest: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      fail(input, `'${digest}' is not a digest (sha256: followed by 64 lowercase hex digits, or sha512: and 128)`);
    }
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash && !rest.slice(lastSlash + 1).startsWith('[')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) fail(input, `'${tag}' is not a valid tag (letters, digits, '_', '.', '-'; at most 128)`);
  }

  const slash = rest.indexOf('/');
  let registry: string;
  let repository: string;
  const first = slash >= 0 ? rest.slice(0, slash) : rest;
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first.startsWith('[') || first === 'localhost')) {
    registry = first.toLowerCase();
    repository = rest.slice(slash + 1);
    if (!validRegistry(registry)) fail(input, `'${first}' is not a valid registry host[:port]`);
  } else {
    registry = 'docker.io';
    repository = rest;
  }
  if (repository === '') fail(input, 'the repository name is missing');
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  for (const component of repository.split('/')) {
    if (!COMPONENT.test(component)) {
      fail(
        input,
        `repository component '${component}' is invalid (lowercase letters and digits, separated by '.', '_', '__' or '-')`,
      );
    }
  }
  if (registry.length + 1 + repository.length > 255) fail(input, 'the name is longer than 255 characters');
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The manifest reference to request: the digest if pinned, else the tag (default `latest`). */
export function manifestReference(ref: OciReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** Canonical `oci://` form. */
export function formatOciReference(ref: OciReference): string {
  const tag = ref.tag ?? (ref.digest ? undefined : 'latest');
  return `oci://${ref.registry}/${ref.repository}${tag ? `:${tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The host to contact for the registry API (Docker Hub's API lives elsewhere). */
export function apiHost(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
}

/**
 * Component id, as Wassette derives it: the repository with every '/' turned
 * into '_' (Rust's `str::replace` replaces all occurrences), then limited to
 * `[A-Za-z0-9_-]` (repository names may also hold '.').
 * `ghcr.io/microsoft/fetch-rs` → `microsoft_fetch-rs`.
 */
export function componentIdFromRepository(repository: string): string {
  const id = repository
    .replace(/\//g, '_')
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .replace(/^[-_]+/, '')
    .slice(0, 100);
  return id || 'component';
}
