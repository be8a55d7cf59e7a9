/**
 * Structural validation of a policy document (already turned into plain
 * values), producing a clean `Policy`: known keys only, null sections
 * dropped, values checked by the rules in network.ts, storage.ts,
 * environment.ts and memory.ts.
 *
 * It reports the first problem as a `ValidationIssue` carrying the field path,
 * so parse.ts can turn it into a line number; `validatePolicy()` wraps it into
 * a PolicyError for documents that do not come from text.
 */
import { PolicyError, formatPath } from './errors.js';
import { envKeyProblem } from './environment.js';
import { memoryProblem } from './memory.js';
import { cidrProblem, hostEntryProblem } from './network.js';
import { accessProblem, storageUriProblem } from './storage.js';
import type {
  AccessType,
  EnvironmentPermission,
  IpcPermission,
  NetworkPermission,
  PermissionList,
  Permissions,
  Policy,
  ResourceLimits,
  ResourceLimitValues,
  StoragePermission,
} from './types.js';

export type PathPart = string | number;

/** `at: 'key'` points at the key of the last path element (unknown keys), `'value'` at its value. */
export class ValidationIssue extends Error {
  constructor(
    readonly path: PathPart[],
    readonly reason: string,
    readonly at: 'key' | 'value' = 'value',
  ) {
    super(`${formatPath(path)}: ${reason}`);
  }
}

export const MINIMAL_POLICY = 'version: "1.0"\npermissions: {}';

type Obj = Record<string, unknown>;

function isMapping(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
  return `the ${typeof value} ${String(value)}`;
}

function checkKeys(value: Obj, path: PathPart[], allowed: readonly string[], special: Record<string, string> = {}): void {
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    if (special[key]) throw new ValidationIssue([...path, key], special[key], 'key');
    const suggestion = closest(key, allowed);
    throw new ValidationIssue(
      [...path, key],
      `unknown key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; allowed here: ${allowed.join(', ')}`,
      'key',
    );
  }
}

function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === key.toLowerCase() ? 0 : distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

/** A mapping, or undefined for an absent / null section. */
function section(value: unknown, path: PathPart[], what: string): Obj | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isMapping(value)) throw new ValidationIssue(path, `must be a mapping (${what}), found ${typeName(value)}`);
  return value;
}

function list(value: unknown, path: PathPart[], example: string): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new ValidationIssue(path, `must be a list, found ${typeName(value)}; write e.g.\n${example}`);
  return value;
}

function entry(value: unknown, path: PathPart[], example: string): Obj {
  if (!isMapping(value)) throw new ValidationIssue(path, `each entry must be a mapping such as ${example}, found ${typeName(value)}`);
  return value;
}

function requireString(value: Obj, key: string, path: PathPart[], example: string): string {
  const v = value[key];
  if (v === undefined || v === null) throw new ValidationIssue([...path, key], `is required (e.g. ${key}: ${example})`);
  if (typeof v !== 'string') throw new ValidationIssue([...path, key], `must be text such as ${example}, found ${typeName(v)}; quote it`);
  return v;
}

// ----------------------------------------------------------------- policy

/** Validates a parsed document; throws ValidationIssue. */
export function checkPolicy(value: unknown): Policy {
  if (!isMapping(value)) {
    throw new ValidationIssue([], `a policy must be a mapping with "version" and "permissions", found ${typeName(value)}; a minimal policy is:\n${MINIMAL_POLICY}`);
  }
  checkKeys(value, [], ['$schema', 'version', 'description', 'permissions']);
  // Keys are added in the canonical order of the file.
  const policy = {} as Policy;
  if (value.$schema !== undefined && value.$schema !== null) {
    if (typeof value.$schema !== 'string') throw new ValidationIssue(['$schema'], `must be a URL, found ${typeName(value.$schema)}`);
    policy.$schema = value.$schema;
  }
  policy.version = checkVersion(value.version);
  if (value.description !== undefined && value.description !== null) {
    if (typeof value.description !== 'string') {
      throw new ValidationIssue(['description'], `must be text, found ${typeName(value.description)}; quote it`);
    }
    policy.description = value.description;
  }
  policy.permissions = checkPermissions(value.permissions);
  return policy;
}

function checkVersion(version: unknown): string {
  if (version === undefined || version === null) {
    throw new ValidationIssue(['version'], `is required; add version: "1.0" at the top of the policy`);
  }
  if (typeof version === 'number') {
    throw new ValidationIssue(['version'], `must be a quoted string such as "1.0": unquoted, YAML reads it as the number ${version}; write version: "1.0"`);
  }
  if (typeof version !== 'string') throw new ValidationIssue(['version'], `must be a string such as "1.0", found ${typeName(version)}`);
  if (!version.startsWith('1.')) {
    throw new ValidationIssue(['version'], `unsupported policy version "${version}": tapedeck reads policy format 1.x; write version: "1.0"`);
  }
  return version;
}

const PERMISSION_KEYS = ['storage', 'network', 'environment', 'resources', 'runtime', 'ipc'] as const;

function checkPermissions(value: unknown): Permissions {
  const permissions: Permissions = {};
  const obj = section(value, ['permissions'], `of ${PERMISSION_KEYS.join(', ')}; use {} for none`);
  if (!obj) return permissions;
  checkKeys(obj, ['permissions'], PERMISSION_KEYS, {
    env: 'unknown key "env"; environment variables go under "environment" (e.g. environment: {allow: [{key: API_KEY}]})',
    filesystem: 'unknown key "filesystem"; file access goes under "storage" (e.g. storage: {allow: [{uri: "fs:///data", access: [read]}]})',
  });
  const storage = checkStorage(obj.storage);
  if (storage) permissions.storage = storage;
  const network = checkNetwork(obj.network);
  if (network) permissions.network = network;
  const environment = checkEnvironment(obj.environment);
  if (environment) permissions.environment = environment;
  const resources = checkResources(obj.resources);
  if (resources) permissions.resources = resources;
  const runtime = section(obj.runtime, ['permissions', 'runtime'], 'runtime settings, preserved but not enforced');
  if (runtime) permissions.runtime = structuredClone(runtime);
  const ipc = checkIpc(obj.ipc);
  if (ipc) permissions.ipc = ipc;
  return permissions;
}

function checkStorage(value: unknown): PermissionList<StoragePermission> | undefined {
  const path: PathPart[] = ['permissions', 'storage'];
  const obj = section(value, path, 'with allow and/or deny lists');
  if (!obj) return undefined;
  checkKeys(obj, path, ['allow', 'deny']);
  const result: PermissionList<StoragePermission> = {};
  for (const which of ['allow', 'deny'] as const) {
    const items = list(obj[which], [...path, which], `  ${which}:\n    - uri: "fs:///data"\n      access: [read]`);
    if (!items) continue;
    result[which] = items.map((item, index) => {
      const at = [...path, which, index];
      const e = entry(item, at, '{uri: "fs:///data", access: [read]}');
      checkKeys(e, at, ['uri', 'access']);
      const uri = requireString(e, 'uri', at, '"fs:///data"');
      const uriProblem = storageUriProblem(uri);
      if (uriProblem) throw new ValidationIssue([...at, 'uri'], uriProblem);
      if (e.access === undefined || e.access === null) throw new ValidationIssue([...at, 'access'], 'is required (e.g. access: [read] or access: [read, write])');
      const problem = accessProblem(e.access);
      if (problem) throw new ValidationIssue([...at, 'access'], problem);
      return { uri, access: [...(e.access as AccessType[])] };
    });
  }
  return result;
}

function checkNetwork(value: unknown): PermissionList<NetworkPermission> | undefined {
  const path: PathPart[] = ['permissions', 'network'];
  const obj = section(value, path, 'with allow and/or deny lists');
  if (!obj) return undefined;
  checkKeys(obj, path, ['allow', 'deny']);
  const result: PermissionList<NetworkPermission> = {};
  for (const which of ['allow', 'deny'] as const) {
    const items = list(obj[which], [...path, which], `  ${which}:\n    - host: "api.example.com"`);
    if (!items) continue;
    result[which] = items.map((item, index): NetworkPermission => {
      const at = [...path, which, index];
      const e = entry(item, at, '{host: "api.example.com"} or {cidr: "10.0.0.0/8"}');
      if ('defaults' in e) {
        throw new ValidationIssue([...at, 'defaults'], '"defaults" network entries are not supported by tapedeck; list the hosts the component needs (e.g. host: "registry.npmjs.org")', 'key');
      }
      checkKeys(e, at, ['host', 'cidr']);
      if ('host' in e && 'cidr' in e) {
        throw new ValidationIssue([...at, 'cidr'], 'an entry has either host or cidr, not both; split it into two entries', 'key');
      }
      if ('cidr' in e) {
        const cidr = requireString(e, 'cidr', at, '"10.0.0.0/8"');
        const problem = cidrProblem(cidr);
        if (problem) throw new ValidationIssue([...at, 'cidr'], problem);
        return { cidr };
      }
      if (!('host' in e)) {
        throw new ValidationIssue(at, 'each entry needs host (e.g. host: "api.example.com") or cidr (e.g. cidr: "10.0.0.0/8")');
      }
      const host = requireString(e, 'host', at, '"api.example.com"');
      const problem = hostEntryProblem(host);
      if (problem) throw new ValidationIssue([...at, 'host'], problem);
      return { host };
    });
  }
  return result;
}

function checkEnvironment(value: unknown): { allow?: EnvironmentPermission[] } | undefined {
  const path: PathPart[] = ['permissions', 'environment'];
  const obj = section(value, path, 'with an allow list');
  if (!obj) return undefined;
  checkKeys(obj, path, ['allow'], {
    deny: 'environment has no deny list: variables are allow-only (nothing is visible unless allowed); remove it',
  });
  const items = list(obj.allow, [...path, 'allow'], '  allow:\n    - key: API_KEY');
  if (!items) return {};
  return {
    allow: items.map((item, index) => {
      const at = [...path, 'allow', index];
      const e = entry(item, at, '{key: API_KEY}');
      checkKeys(e, at, ['key']);
      const key = requireString(e, 'key', at, 'API_KEY');
      const problem = envKeyProblem(key);
      if (problem) throw new ValidationIssue([...at, 'key'], problem);
      return { key };
    }),
  };
}

function checkResources(value: unknown): ResourceLimits | undefined {
  const path: PathPart[] = ['permissions', 'resources'];
  const obj = section(value, path, 'with limits: {memory, cpu}');
  if (!obj) return undefined;
  checkKeys(obj, path, ['limits', 'cpu', 'memory', 'io']);
  const result: ResourceLimits = {};
  const limits = section(obj.limits, [...path, 'limits'], 'e.g. limits: {memory: "512Mi"}');
  if (limits) {
    const at = [...path, 'limits'];
    checkKeys(limits, at, ['cpu', 'memory', 'timeout']);
    const values: ResourceLimitValues = {};
    if (limits.cpu !== undefined && limits.cpu !== null) {
      if (!isCpu(limits.cpu)) {
        throw new ValidationIssue([...at, 'cpu'], 'must be cores as a number (e.g. 0.5) or millicores as text (e.g. "500m")');
      }
      values.cpu = limits.cpu as string | number;
    }
    if (limits.memory !== undefined && limits.memory !== null) {
      const problem = memoryProblem(limits.memory);
      if (problem) throw new ValidationIssue([...at, 'memory'], problem);
      values.memory = limits.memory as string | number;
    }
    if (limits.timeout !== undefined && limits.timeout !== null) {
      if (!isTimeout(limits.timeout)) {
        throw new ValidationIssue([...at, 'timeout'], 'must be seconds as a number (e.g. 30) or text with a unit (e.g. "30s", "500ms", "2m")');
      }
      values.timeout = limits.timeout as string | number;
    }
    result.limits = values;
  }
  if (obj.cpu !== undefined && obj.cpu !== null) {
    if (typeof obj.cpu !== 'number' || !Number.isFinite(obj.cpu) || obj.cpu < 0) {
      throw new ValidationIssue([...path, 'cpu'], 'must be a number (legacy CPU percentage); prefer limits: {cpu: "500m"}');
    }
    result.cpu = obj.cpu;
  }
  if (obj.memory !== undefined && obj.memory !== null) {
    if (typeof obj.memory !== 'number' || !Number.isSafeInteger(obj.memory) || obj.memory <= 0) {
      throw new ValidationIssue([...path, 'memory'], 'must be a whole number of MiB greater than 0 (legacy field); prefer limits: {memory: "512Mi"}');
    }
    result.memory = obj.memory;
  }
  if (obj.io !== undefined && obj.io !== null) {
    if (typeof obj.io !== 'number' || !Number.isSafeInteger(obj.io) || obj.io < 0) {
      throw new ValidationIssue([...path, 'io'], 'must be a whole number (legacy IO limit, not enforced)');
    }
    result.io = obj.io;
  }
  return result;
}

function isCpu(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0;
  return typeof value === 'string' && /^(\d+(\.\d+)?|\d+m)$/.test(value) && Number.parseFloat(value) > 0;
}

function isTimeout(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0;
  return typeof value === 'string' && /^\d+(\.\d+)?(ms|s|m)$/.test(value) && Number.parseFloat(value) > 0;
}

function checkIpc(value: unknown): PermissionList<IpcPermission> | undefined {
  const path: PathPart[] = ['permissions', 'ipc'];
  const obj = section(value, path, 'with allow and/or deny lists; preserved but not enforced');
  if (!obj) return undefined;
  checkKeys(obj, path, ['allow', 'deny']);
  const result: PermissionList<IpcPermission> = {};
  for (const which of ['allow', 'deny'] as const) {
    const items = list(obj[which], [...path, which], `  ${which}:\n    - uri: "pipe://service"`);
    if (!items) continue;
    result[which] = items.map((item, index) => {
      const at = [...path, which, index];
      const e = entry(item, at, '{uri: "pipe://service"}');
      checkKeys(e, at, ['uri']);
      const uri = requireString(e, 'uri', at, '"pipe://service"');
      if (uri === '') throw new ValidationIssue([...at, 'uri'], 'must not be empty');
      return { uri };
    });
  }
  return result;
}

/**
 * Validates a policy that did not come from text (JSON, a built object) and
 * returns a clean copy. Throws PolicyError naming `source` and the field.
 */
export function validatePolicy(value: unknown, source?: string): Policy {
  try {
    return checkPolicy(value);
  } catch (error) {
    if (error instanceof ValidationIssue) {
      throw new PolicyError(error.reason, { source, path: formatPath(error.path) || undefined });
    }
    throw error;
  }
}
