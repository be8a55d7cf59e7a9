/**
 * Storage rules: `fs://` URIs and the directory mounts (WASI preopens) they
 * become.
 *
 * Paths follow Wassette (`wasistate.rs`: host path = component_dir.join(X),
 * guest path = X, where X is the text after `fs://`):
 * - `fs:///abs/path`   → guest `/abs/path`, host `/abs/path`;
 * - `fs://relative/dir` → guest `relative/dir`, host `<baseDir>/relative/dir`,
 *   where baseDir is the component directory.
 * Percent-escapes are decoded (`fs:///tmp/my%20dir` is `/tmp/my dir`), `.`
 * segments and repeated or trailing slashes are dropped.
 *
 * Validation (Wassette's rules plus tapedeck's):
 * - the URI must start with `fs://` and have a path after it;
 * - `**` must be a whole segment, `***` is an error, and a segment may hold
 *   at most one `*` otherwise;
 * - no `..` segment (also not as `%2e%2e`), no encoded `/` (`%2F`), no NUL,
 *   no invalid percent-escape;
 * - a relative URI must name a subdirectory: `fs://.` or `fs://**` would
 *   mount the component directory itself, where policies are stored.
 *
 * Globs: Wassette does not interpret them (it would preopen a directory
 * literally named `**`). tapedeck mounts `dir/**` as `dir` (a mount is
 * recursive anyway); any other glob (`*.log`, `dir/*`, a `*` segment in the middle) cannot be
 * expressed as a mount and is skipped, reported through `onSkip` — it is
 * never widened to its directory.
 *
 * Access: `read` → read-only; `write` (with or without `read`) → read-write
 * (Wassette gives write-only entries directory read too). Entries that end up
 * at the same host path are merged (union of access).
 */
import { join, posix } from 'node:path';
import type { AccessType, Policy, StoragePermission } from './types.js';

export interface StorageMount {
  /** The first policy URI that produced this mount. */
  uri: string;
  guestPath: string;
  hostPath: string;
  access: 'read' | 'read-write';
}

export interface ParsedStorageUri {
  absolute: boolean;
  /** Decoded, normalised segments. */
  segments: string[];
  /** Per segment: whether it is a glob (an unescaped `*` in the URI; `%2A` is a literal star). */
  globs: boolean[];
  /** The URI ends in a `**` segment (dropped from `segments`): the directory and everything below. */
  recursive: boolean;
}

export type StorageUriResult = { parsed: ParsedStorageUri } | { problem: string };

const EXAMPLES = 'e.g. "fs:///abs/dir" or "fs://relative/dir"';

export function parseStorageUri(uri: unknown): StorageUriResult {
  if (typeof uri !== 'string' || uri === '') return { problem: `must be an fs:// URI (${EXAMPLES})` };
  if (!uri.startsWith('fs://')) {
    if (uri.startsWith('/')) return { problem: `"${uri}" is a path, but storage URIs must be fs:// URIs; write "fs://${uri}"` };
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(uri);
    if (scheme) {
      const rest = uri.slice(scheme[0].length);
      return { problem: `storage URIs must be fs:// URIs, not ${scheme[1]}://; write "fs://${rest}"` };
    }
    return { problem: `storage URIs must be fs:// URIs (${EXAMPLES})` };
  }
  const rest = uri.slice('fs://'.length);
  if (rest === '') return { problem: `the path after fs:// is empty (${EXAMPLES})` };
  if (rest.includes('\0')) return { problem: 'contains a NUL character' };
  if (rest.includes('***')) return { problem: 'has too many wildcards ("***"); use "**" as a whole segment (e.g. "fs://workspace/**")' };

  const absolute = rest.startsWith('/');
  const segments: string[] = [];
  const globs: boolean[] = [];
  for (const raw of rest.split('/')) {
    if (raw.includes('**') && raw !== '**') return { problem: '"**" must be a whole path segment (e.g. "fs://workspace/**")' };
    if (raw !== '**' && raw.split('*').length > 2) return { problem: `the segment "${raw}" has more than one "*"; use at most one "*" per segment, or "**" as a whole segment` };
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { problem: `"${raw}" has an invalid percent-escape; write "%" as "%25"` };
    }
    if (segment.includes('/')) return { problem: `"${raw}" encodes "/" (%2F) inside a segment; write the path with plain "/" separators` };
    if (segment.includes('\0')) return { problem: 'contains a NUL character' };
    if (segment === '..') return { problem: '".." segments are not allowed (a grant must not climb out of its directory); write the full path instead (e.g. "fs:///abs/dir")' };
    if (segment === '' || segment === '.') continue;
    segments.push(segment);
    globs.push(raw.includes('*'));
  }
  const recursive = segments.at(-1) === '**' && globs.at(-1) === true;
  if (recursive) {
    segments.pop();
    globs.pop();
  }
  if (!absolute) {
    if (segments.length === 0) {
      return { problem: `"${uri}" would mount the component directory itself (where policies are stored); grant a subdirectory (e.g. "fs://workspace") or an absolute path (e.g. "fs:///data")` };
    }
  }
  return { parsed: { absolute, segments, globs, recursive } };
}

/** Why a storage URI is invalid, or undefined. */
export function storageUriProblem(uri: unknown): string | undefined {
  const result = parseStorageUri(uri);
  return 'problem' in result ? result.problem : undefined;
}

/**
 * A comparison key for storage URIs: two URIs with the same key name the same
 * place (`fs://workspace`, `fs://workspace/`, `fs://workspace/**`,
 * `fs://./workspace`). Undefined for an invalid URI.
 */
export function storageKey(uri: string): string | undefined {
  const result = parseStorageUri(uri);
  if ('problem' in result) return undefined;
  const { absolute, segments, globs } = result.parsed;
  // A literal "*" in a name must not collide with a glob.
  const named = segments.map((s, i) => (globs[i] ? s : s.replace(/%/g, '%25').replace(/\*/g, '%2A')));
  return (absolute ? '/' : '') + named.join('/');
}

/** Why an access list is invalid, or undefined. */
export function accessProblem(access: unknown): string | undefined {
  if (typeof access === 'string') return `must be a list, e.g. access: [${access === 'write' ? 'read, write' : 'read'}]`;
  if (!Array.isArray(access)) return 'must be a list of read and/or write (e.g. access: [read])';
  if (access.length === 0) return 'must list at least one of read, write (e.g. access: [read])';
  for (const [index, item] of access.entries()) {
    if (item !== 'read' && item !== 'write') {
      return `item ${index} (${JSON.stringify(item)}) is not an access type; use read and/or write`;
    }
  }
  return undefined;
}

/** Read before write, no duplicates. */
export function normaliseAccess(access: readonly AccessType[]): AccessType[] {
  return (['read', 'write'] as const).filter((a) => access.includes(a));
}

/**
 * The mounts a policy grants. `baseDir` is the component directory (use an
 * absolute path); relative URIs are mounted below it. Entries that cannot
 * become a mount (invalid in a hand-built policy, or globs other than a
 * trailing `/**`) are skipped and reported to `onSkip`.
 */
export function storageMounts(
  policy: Policy | undefined,
  baseDir: string,
  onSkip?: (uri: string, reason: string) => void,
): StorageMount[] {
  const byHostPath = new Map<string, StorageMount>();
  const allow: unknown = policy?.permissions?.storage?.allow;
  for (const entry of Array.isArray(allow) ? (allow as StoragePermission[]) : []) {
    if (!entry || typeof entry !== 'object') continue;
    const uri = String(entry.uri);
    const parsed = parseStorageUri(entry.uri);
    if ('problem' in parsed) {
      onSkip?.(uri, parsed.problem);
      continue;
    }
    if (accessProblem(entry.access)) {
      onSkip?.(uri, `access ${accessProblem(entry.access)}`);
      continue;
    }
    const { absolute, segments: mounted, globs } = parsed.parsed;
    if (globs.some(Boolean)) {
      onSkip?.(uri, 'glob patterns other than a trailing "/**" cannot be mounted; grant the directory instead (e.g. "fs:///var/log")');
      continue;
    }
    const guestPath = absolute ? posix.join('/', ...mounted) : mounted.join('/');
    const hostPath = absolute ? guestPath : join(baseDir, ...mounted);
    const access = entry.access.includes('write') ? 'read-write' : 'read';
    const existing = byHostPath.get(hostPath);
    if (existing) {
      if (access === 'read-write') existing.access = 'read-write';
    } else {
      byHostPath.set(hostPath, { uri, guestPath, hostPath, access });
    }
  }
  return [...byHostPath.values()];
}

/**
 * The storage grant that would allow access to `guestPath` (as the guest
 * named it), for suggested fixes: `/data/out` → `fs:///data/out`,
 * `cache/x` → `fs://cache/x`. Pass the directory to mount (WASI mounts are
 * directories). Characters that would be misread in a URI (`%`, `*`, `?`,
 * `#`, spaces, …) are percent-encoded; `..` and `.` segments are resolved.
 */
export function storageGrantFor(guestPath: string, write: boolean): { kind: 'storage'; uri: string; access: AccessType[] } {
  const absolute = guestPath.startsWith('/');
  const normal = absolute ? posix.normalize(guestPath) : posix.normalize(guestPath).replace(/^(\.\.\/)+|^\.\.$/, '');
  const segments = normal.split('/').filter((s) => s !== '' && s !== '.');
  const encoded = segments.map(encodeSegment).join('/');
  return { kind: 'storage', uri: `fs://${absolute ? '/' : ''}${encoded}`, access: write ? ['read', 'write'] : ['read'] };
}

function encodeSegment(segment: string): string {
  return segment.replace(/[^A-Za-z0-9._~!$&'()+,;=:@-]/gu, (ch) => encodeURIComponent(ch).replace(/\*/g, '%2A'));
}
