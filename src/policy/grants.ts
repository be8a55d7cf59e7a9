/**
 * Granting and revoking permissions: pure functions from a policy (or none)
 * to a new policy. The input is never modified.
 *
 * grant:
 * - no policy yet → a new one with `version: "1.0"` and a description
 *   (Wassette's "Auto-generated policy for component: <id>" when the id is
 *   given);
 * - storage: an entry for the same place (same `storageKey`: `fs://a`,
 *   `fs://a/`, `fs://a/**` are one place) gets the union of the access lists,
 *   in the order read, write; otherwise the URI is added as given;
 * - network: the host is stored in canonical form (`HTTPS://API.X.com/` →
 *   `https://api.x.com`, `api.x.com.:8443` → `api.x.com:8443`); a scheme and
 *   port are kept, paths dropped (they are not matched), a default port after
 *   a scheme dropped (`https://x:443` is `https://x`). An equivalent entry
 *   already present means no change. A CIDR (`10.0.0.0/8`) becomes a
 *   `cidr:` entry;
 * - environment: the key once (keys are case-sensitive);
 * - memory: sets `resources.limits.memory` to the given text; it must be a
 *   valid size of at least 1Mi (a bare "512" would be 512 bytes: refused with
 *   a hint to write "512Mi").
 *
 * revoke (idempotent; revoking what is not granted changes nothing):
 * - storage: removes every entry for that place, whatever its access;
 * - network: a bare host (`api.x.com`, `*.x.com`) removes every entry for
 *   that host whatever its scheme or port; a host with a scheme or port
 *   removes only the equivalent entry; a CIDR removes that range;
 * - environment: removes the key;
 * - memory: removes the limit (`resources.limits.memory` and the legacy
 *   `resources.memory`); the value given is ignored.
 * Emptied lists and sections are removed.
 *
 * reset: there is no policy any more (Wassette deletes the files); the store
 * does that (`PolicyStore.remove`). A component without a policy has no
 * permissions.
 *
 * Bad details throw PolicyError saying how to fix them.
 */
import type { PermissionDetails } from '../app/types.js';
import { PolicyError } from './errors.js';
import { envKeyProblem } from './environment.js';
import { parseIp } from './ip.js';
import { MiB, formatMemory, parseMemory } from './memory.js';
import { cidrProblem, formatHostRule, normaliseCidr, parseHostRule, type HostRule } from './network.js';
import { accessProblem, normaliseAccess, storageKey, storageUriProblem } from './storage.js';
import { isCidrPermission, isHostPermission, type AccessType, type NetworkPermission, type Policy } from './types.js';

export interface GrantOptions {
  /** Used in the description of a newly created policy. */
  componentId?: string;
}

/** The smallest memory limit a grant accepts. */
export const MIN_MEMORY_GRANT = MiB;

export function createPolicy(options: GrantOptions = {}): Policy {
  return {
    version: '1.0',
    description: options.componentId
      ? `Auto-generated policy for component: ${options.componentId}`
      : 'Permissions granted with tapedeck',
    permissions: {},
  };
}

/** A policy with `details` granted (see the top of this file). */
export function grant(policy: Policy | undefined, details: PermissionDetails, options: GrantOptions = {}): Policy {
  const checked = checkDetails(details, 'grant');
  const next = policy ? structuredClone(policy) : createPolicy(options);
  next.permissions ??= {};
  const permissions = next.permissions;
  switch (checked.kind) {
    case 'storage': {
      const storage = (permissions.storage ??= {});
      const allow = (storage.allow ??= []);
      const existing = allow.find((e) => (storageKey(e.uri) ?? e.uri) === checked.key);
      if (existing) existing.access = normaliseAccess([...existing.access, ...checked.access]);
      else allow.push({ uri: checked.uri, access: normaliseAccess(checked.access) });
      break;
    }
    case 'network': {
      const network = (permissions.network ??= {});
      const allow = (network.allow ??= []);
      if (!allow.some((e) => sameNetworkEntry(e, checked.entry))) allow.push(checked.entry);
      break;
    }
    case 'environment-variable': {
      const environment = (permissions.environment ??= {});
      const allow = (environment.allow ??= []);
      if (!allow.some((e) => e.key === checked.key)) allow.push({ key: checked.key });
      break;
    }
    case 'memory': {
      const resources = (permissions.resources ??= {});
      const limits = (resources.limits ??= {});
      limits.memory = checked.limit;
      break;
    }
  }
  return next;
}

/**
 * A policy with `details` revoked (see the top of this file). Without a
 * policy the result is a new empty one, as in Wassette (which writes the
 * policy file on every revoke).
 */
export function revoke(policy: Policy | undefined, details: PermissionDetails, options: GrantOptions = {}): Policy {
  const checked = checkDetails(details, 'revoke');
  const next = policy ? structuredClone(policy) : createPolicy(options);
  next.permissions ??= {};
  const permissions = next.permissions;
  switch (checked.kind) {
    case 'storage': {
      const storage = permissions.storage;
      if (storage?.allow) storage.allow = storage.allow.filter((e) => (storageKey(e.uri) ?? e.uri) !== checked.key);
      break;
    }
    case 'network': {
      const network = permissions.network;
      if (network?.allow) network.allow = network.allow.filter((e) => !revokes(checked, e));
      break;
    }
    case 'environment-variable': {
      const environment = permissions.environment;
      if (environment?.allow) environment.allow = environment.allow.filter((e) => e.key !== checked.key);
      break;
    }
    case 'memory': {
      const resources = permissions.resources;
      if (resources) {
        delete resources.memory;
        if (resources.limits) delete resources.limits.memory;
      }
      break;
    }
  }
  prune(next);
  return next;
}

/**
 * Reset semantics: the component ends up with no policy at all (every
 * permission gone; Wassette deletes `<id>.policy.yaml` and its metadata).
 * Call `PolicyStore.remove(id)`; this returns what the policy becomes.
 */
export function reset(): undefined {
  return undefined;
}

// ------------------------------------------------------------ internals

type CheckedDetails =
  | { kind: 'storage'; uri: string; key: string; access: AccessType[] }
  | { kind: 'network'; entry: NetworkPermission; rule?: HostRule; cidr?: string }
  | { kind: 'environment-variable'; key: string }
  | { kind: 'memory'; limit: string };

function checkDetails(details: PermissionDetails, verb: 'grant' | 'revoke'): CheckedDetails {
  if (!details || typeof details !== 'object') {
    throw new PolicyError(`cannot ${verb}: the permission details are missing; give e.g. {kind: "network", host: "api.example.com"}`);
  }
  const raw = details as Record<string, unknown>;
  switch (details.kind) {
    case 'storage': {
      const uri = typeof raw.uri === 'string' ? raw.uri.trim() : raw.uri;
      const fail = (reason: string): never => {
        throw new PolicyError(`cannot ${verb} storage ${JSON.stringify(uri ?? null)}: ${reason}`);
      };
      if (typeof uri !== 'string') return fail('give the URI as text, e.g. "fs:///data" or "fs://workspace"');
      const problem = storageUriProblem(uri);
      if (problem) return fail(problem);
      let access: AccessType[] = [];
      if (verb === 'grant') {
        const accessIssue = accessProblem(raw.access);
        if (accessIssue) return fail(`access ${accessIssue}`);
        access = raw.access as AccessType[];
      }
      return { kind: 'storage', uri, key: storageKey(uri)!, access };
    }
    case 'network': {
      const host = typeof raw.host === 'string' ? raw.host.trim() : raw.host;
      const fail = (reason: string): never => {
        throw new PolicyError(`cannot ${verb} network access to ${JSON.stringify(host ?? null)}: ${reason}`);
      };
      if (typeof host !== 'string') return fail('give the host as text, e.g. "api.example.com"');
      const slash = host.indexOf('/');
      if (!host.includes('://') && slash > 0 && parseIp(host.slice(0, slash))) {
        const problem = cidrProblem(host);
        if (problem) return fail(problem);
        const cidr = normaliseCidr(host)!;
        return { kind: 'network', entry: { cidr }, cidr };
      }
      const parsed = parseHostRule(host);
      if ('problem' in parsed) return fail(parsed.problem);
      return { kind: 'network', entry: { host: formatHostRule(parsed.rule) }, rule: parsed.rule };
    }
    case 'environment-variable': {
      const key = raw.key;
      const problem = envKeyProblem(key);
      if (problem) throw new PolicyError(`cannot ${verb} environment variable ${JSON.stringify(key ?? null)}: the name ${problem}`);
      return { kind: 'environment-variable', key: key as string };
    }
    case 'memory': {
      if (verb === 'revoke') return { kind: 'memory', limit: '' };
      const limit = typeof raw.limit === 'string' ? raw.limit.trim() : raw.limit;
      const fail = (reason: string): never => {
        throw new PolicyError(`cannot grant memory ${JSON.stringify(limit ?? null)}: ${reason}`);
      };
      if (typeof limit !== 'string') return fail('give the limit as text with a unit, e.g. "512Mi" or "1Gi"');
      let bytes: number;
      try {
        bytes = parseMemory(limit);
      } catch (error) {
        return fail((error as PolicyError).reason);
      }
      if (bytes < MIN_MEMORY_GRANT) {
        const hint = /^\d+$/.test(limit) ? `a number without a unit is bytes; did you mean "${limit}Mi"?` : 'components need far more to run';
        return fail(`${limit} is ${bytes} bytes, below the minimum of ${formatMemory(MIN_MEMORY_GRANT)}; ${hint}`);
      }
      return { kind: 'memory', limit };
    }
    default:
      throw new PolicyError(
        `cannot ${verb} a permission of kind ${JSON.stringify(raw.kind ?? null)}; use storage, network, environment-variable or memory`,
      );
  }
}

function canonicalEntry(entry: NetworkPermission): string | undefined {
  if (isCidrPermission(entry)) {
    const cidr = normaliseCidr(entry.cidr);
    return cidr === undefined ? undefined : `cidr:${cidr}`;
  }
  if (isHostPermission(entry)) {
    const parsed = parseHostRule(entry.host);
    return 'rule' in parsed ? `host:${formatHostRule(parsed.rule)}` : undefined;
  }
  return undefined;
}

function sameNetworkEntry(a: NetworkPermission, b: NetworkPermission): boolean {
  const ka = canonicalEntry(a);
  return ka !== undefined && ka === canonicalEntry(b);
}

function revokes(checked: Extract<CheckedDetails, { kind: 'network' }>, entry: NetworkPermission): boolean {
  if (sameNetworkEntry(entry, checked.entry)) return true;
  const rule = checked.rule;
  // A bare host revokes that host under every scheme and port.
  if (!rule || rule.kind === 'any' || rule.scheme !== undefined || rule.port !== undefined) return false;
  if (!isHostPermission(entry)) return false;
  const parsed = parseHostRule(entry.host);
  if (!('rule' in parsed)) return false;
  const other = parsed.rule;
  if (rule.kind === 'exact') return other.kind === 'exact' && other.host === rule.host;
  return other.kind === 'wildcard' && other.suffix === rule.suffix;
}

/** Removes emptied lists and sections (deny lists and other content stay). */
function prune(policy: Policy): void {
  const p = policy.permissions;
  for (const name of ['storage', 'network', 'environment'] as const) {
    const section = p[name] as { allow?: unknown[]; deny?: unknown[] } | undefined;
    if (!section) continue;
    if (section.allow && section.allow.length === 0) delete section.allow;
    if (Object.keys(section).length === 0) delete p[name];
  }
  const resources = p.resources;
  if (resources) {
    if (resources.limits && Object.keys(resources.limits).length === 0) delete resources.limits;
    if (Object.keys(resources).length === 0) delete p.resources;
  }
}
