/**
 * Declarative provisioning: `tapedeck serve --manifest tapedeck.yaml` (also
 * `run --manifest`, `manifest apply`) loads a list of components with their
 * permissions at start, the way a container or a Kubernetes pod starts
 * tapedeck. The format is Wassette's (src/manifest.rs):
 *
 * ```yaml
 * version: 1
 * components:
 *   - uri: oci://ghcr.io/acme/weather:1.2.3      # file://, oci:// or https://
 *     name: weather                               # optional: the component id
 *     digest: sha256:<64 hex>                     # optional: pin (checked before anything changes)
 *     permissions:                                # the component's whole policy
 *       network: {allow: [{host: api.weather.example}]}
 *       storage: {allow: [{uri: "fs:///data", access: [read, write]}]}
 *       environment: {allow: [{key: API_KEY, value_from: WEATHER_API_KEY}]}
 *       resources: {limits: {memory: 256Mi, timeout: 30s}}   # or Wassette's {memory_bytes, cpu_time_ms}
 * ```
 *
 * Applying is idempotent: a component whose bytes have the digest already
 * stored is not reloaded, and its policy is written only when it differs
 * from the one stored. The manifest owns the policy of every component it
 * lists (grants made since with the CLI are replaced; a component listed
 * without permissions ends up with none). Components it does not list are
 * left alone.
 *
 * Errors name the manifest file, the line, the component index and the field:
 *   invalid manifest deploy/tapedeck.yaml, line 9: components[1].permissions.network.allow[0].host: …
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { Tapedeck } from '../app/tapedeck.js';
import type { Policy } from '../policy/types.js';
import { locate } from '../util/yaml-locate.js';

/** The manifest is invalid (exit code 2). */
export class ManifestError extends Error {}

/** Applying a valid manifest failed for some components (exit code 1). */
export class ManifestApplyError extends Error {}

type PathPart = string | number;

export interface ManifestEnvironmentEntry {
  key: string;
  /** The variable of tapedeck's own environment that supplies the value (defaults to `key`). */
  valueFrom: string;
}

export interface ManifestComponent {
  index: number;
  /** The URI as written. */
  uri: string;
  /** The URI to load: relative file paths resolved against the manifest's directory. */
  resolvedUri: string;
  /** `name`, used as the component id. */
  name?: string;
  /** `sha256:<hex>`, lower case. */
  digest?: string;
  /** The policy the component must have; undefined = no permissions at all. */
  policy?: Policy;
  environment: ManifestEnvironmentEntry[];
}

export interface Manifest {
  file: string;
  components: ManifestComponent[];
  warnings: string[];
}

const DIGEST = /^sha256:[0-9a-fA-F]{64}$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function formatPath(path: readonly PathPart[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

export async function readManifest(path: string, cwd = process.cwd()): Promise<Manifest> {
  const file = resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ManifestError(`manifest ${path} not found`);
    if (code === 'EISDIR') throw new ManifestError(`manifest ${path} is a directory; give the path of a YAML file`);
    throw new ManifestError(`cannot read manifest ${path}: ${(error as Error).message}`);
  }
  const checkPolicy = (await import('../policy/validate.js')).checkPolicy as (value: unknown) => Policy;
  return parseManifest(text, path, { baseDir: dirname(file), checkPolicy });
}

interface ParseOptions {
  /** Directory relative file URIs are resolved against. */
  baseDir: string;
  /** The policy validator (validate.ts `checkPolicy`): throws an error with `path` and `reason`. */
  checkPolicy: (value: unknown) => Policy;
}

/** Parses and validates a manifest. Throws ManifestError naming file, line, component index and field. */
export function parseManifest(text: string, file: string, options: ParseOptions): Manifest {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw new ManifestError(`invalid manifest ${file}, line ${line}, column ${col}: invalid YAML: ${error.message.split('\n')[0]}`);
  }
  const lineOf = (path: PathPart[], at: 'key' | 'value' = 'value'): number | undefined => {
    const offset = locate(doc, path, at);
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  const fail = (path: PathPart[], reason: string, at: 'key' | 'value' = 'value'): never => {
    const line = lineOf(path, at);
    const field = formatPath(path);
    throw new ManifestError(`invalid manifest ${file}${line ? `, line ${line}` : ''}: ${field ? `${field}: ` : ''}${reason}`);
  };

  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ManifestError(`invalid manifest ${file}: invalid YAML: ${(error as Error).message} (quote values that start with '*', '&' or '!')`);
  }
  if (!isObject(root)) {
    return fail([], `a manifest is a mapping with "version: 1" and a "components" list, found ${describe(root)}`);
  }
  for (const key of Object.keys(root)) {
    if (key !== 'version' && key !== 'components') fail([key], `unknown field '${key}' (a manifest has "version" and "components")`, 'key');
  }
  if (root.version === undefined) fail([], 'missing "version: 1"');
  if (root.version !== 1 && root.version !== '1') fail(['version'], `unsupported manifest version ${JSON.stringify(root.version)}; only version 1 is supported`);
  if (!Array.isArray(root.components)) fail(root.components === undefined ? [] : ['components'], `"components" must be a list of components, found ${describe(root.components)}`);
  const list = root.components as unknown[];
  if (list.length === 0) fail(['components'], 'the manifest must declare at least one component');

  const warnings: string[] = [];
  const components: ManifestComponent[] = [];
  const seenUris = new Map<string, number>();
  const seenNames = new Map<string, number>();
  list.forEach((raw, index) => {
    const at: PathPart[] = ['components', index];
    if (!isObject(raw)) fail(at, `each component is a mapping with at least "uri", found ${describe(raw)}`);
    const entry = raw as Record<string, unknown>;
    for (const key of Object.keys(entry)) {
      if (key === 'retry_policy') {
        warnings.push(`${file}: components[${index}].retry_policy is accepted for compatibility and ignored`);
        continue;
      }
      if (!['uri', 'name', 'digest', 'permissions'].includes(key)) {
        fail([...at, key], `unknown field '${key}' (a component has uri, name, digest and permissions)`, 'key');
      }
    }
    // uri
    if (typeof entry.uri !== 'string' || entry.uri.trim() === '') {
      fail(entry.uri === undefined ? at : [...at, 'uri'], entry.uri === undefined ? 'missing "uri" (file://, oci:// or https://)' : `"uri" must be text, found ${describe(entry.uri)}`);
    }
    const uri = (entry.uri as string).trim();
    const resolvedUri = resolveComponentUri(uri, options.baseDir, (reason) => fail([...at, 'uri'], reason));
    if (seenUris.has(resolvedUri)) fail([...at, 'uri'], `duplicate component URI; components[${seenUris.get(resolvedUri)}] already loads ${uri}`);
    seenUris.set(resolvedUri, index);
    // name
    let name: string | undefined;
    if (entry.name !== undefined && entry.name !== null) {
      if (typeof entry.name !== 'string' || !ID.test(entry.name)) {
        fail([...at, 'name'], `"name" is the component id: letters, digits, '-' and '_' (at most 100, starting with a letter or digit), found ${describe(entry.name)}`);
      }
      name = entry.name as string;
      if (seenNames.has(name)) fail([...at, 'name'], `duplicate name '${name}'; components[${seenNames.get(name)}] already uses it`);
      seenNames.set(name, index);
    }
    // digest
    let digest: string | undefined;
    if (entry.digest !== undefined && entry.digest !== null) {
      if (typeof entry.digest !== 'string' || !DIGEST.test(entry.digest)) {
        fail([...at, 'digest'], `"digest" must be sha256:<64 hex digits>, found ${describe(entry.digest)}`);
      }
      digest = (entry.digest as string).toLowerCase();
    }
    // permissions
    const { policy, environment } = permissionsToPolicy(entry.permissions, [...at, 'permissions'], name ?? uri, fail, options.checkPolicy);
    components.push({ index, uri, resolvedUri, name, digest, policy, environment });
  });
  return { file, components, warnings };
}

function resolveComponentUri(uri: string, baseDir: string, fail: (reason: string) => never): string {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 'oci' || scheme === 'https') return uri;
  if (scheme === 'http') return fail(`unsupported URI scheme 'http': components are fetched over https only. Use 'https://', 'oci://' or 'file://'`);
  if (scheme && scheme !== 'file') return fail(`Unsupported URI scheme '${scheme}'. Use 'file://', 'https://' or 'oci://'`);
  let path = scheme === 'file' ? uri.slice('file://'.length) : uri;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(path) && !scheme) return fail(`Unsupported URI scheme '${path.split(':')[0]}'. Use 'file://', 'https://' or 'oci://'`);
  if (path === '') return fail('the file URI has no path');
  // file:///abs stays; file://./rel and bare relative paths are relative to the manifest.
  if (!isAbsolute(path)) path = resolve(baseDir, path);
  try {
    path = decodeURIComponent(path);
  } catch {
    /* keep as written */
  }
  return pathToFileURL(path).href;
}

type Fail = (path: PathPart[], reason: string, at?: 'key' | 'value') => never;

/** Wassette manifest permissions -> a policy document (validated by the policy package). */
function permissionsToPolicy(
  raw: unknown,
  at: PathPart[],
  label: string,
  fail: Fail,
  checkPolicy: (value: unknown) => Policy,
): { policy?: Policy; environment: ManifestEnvironmentEntry[] } {
  if (raw === undefined || raw === null) return { environment: [] };
  if (!isObject(raw)) return fail(at, `"permissions" must be a mapping (network, storage, environment, resources), found ${describe(raw)}`);
  const permissions: Record<string, unknown> = {};
  const environment: ManifestEnvironmentEntry[] = [];
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case 'network':
      case 'storage':
        permissions[key] = value;
        break;
      case 'environment': {
        if (!isObject(value)) fail([...at, key], `must be a mapping {allow: [{key: NAME}]}, found ${describe(value)}`);
        const env = value as Record<string, unknown>;
        for (const k of Object.keys(env)) if (k !== 'allow') fail([...at, key, k], `unknown field '${k}' (environment has only "allow")`, 'key');
        if (env.allow === undefined || env.allow === null) break;
        if (!Array.isArray(env.allow)) fail([...at, key, 'allow'], `must be a list of {key: NAME, value_from?: VAR}, found ${describe(env.allow)}`);
        const allow: { key: unknown }[] = [];
        const seen = new Set<string>();
        (env.allow as unknown[]).forEach((item, i) => {
          const here = [...at, key, 'allow', i];
          if (!isObject(item)) fail(here, `must be a mapping {key: NAME, value_from?: VAR}, found ${describe(item)}`);
          const e = item as Record<string, unknown>;
          for (const k of Object.keys(e)) if (k !== 'key' && k !== 'value_from') fail([...here, k], `unknown field '${k}' (use key and value_from)`, 'key');
          if (typeof e.key === 'string') {
            if (seen.has(e.key)) fail([...here, 'key'], `duplicate environment variable key '${e.key}'`);
            seen.add(e.key);
          }
          let valueFrom = typeof e.key === 'string' ? e.key : '';
          if (e.value_from !== undefined && e.value_from !== null) {
            if (typeof e.value_from !== 'string' || !ENV_NAME.test(e.value_from)) {
              fail([...here, 'value_from'], `must name an environment variable of tapedeck's own environment, found ${describe(e.value_from)}`);
            }
            valueFrom = e.value_from as string;
          }
          allow.push({ key: e.key });
          if (typeof e.key === 'string') environment.push({ key: e.key, valueFrom });
        });
        permissions.environment = { allow };
        break;
      }
      case 'resources': {
        if (!isObject(value)) fail([...at, key], `must be a mapping, e.g. {limits: {memory: 512Mi}}, found ${describe(value)}`);
        const res = { ...(value as Record<string, unknown>) };
        // Wassette's manifest spells limits as memory_bytes / cpu_time_ms.
        const limits: Record<string, unknown> = isObject(res.limits) ? { ...res.limits } : {};
        if (res.memory_bytes !== undefined) {
          const bytes = res.memory_bytes;
          if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes <= 0) fail([...at, key, 'memory_bytes'], `must be a whole number of bytes, found ${describe(bytes)}`);
          limits.memory = String(bytes);
          delete res.memory_bytes;
        }
        if (res.cpu_time_ms !== undefined) {
          const ms = res.cpu_time_ms;
          if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms <= 0) fail([...at, key, 'cpu_time_ms'], `must be a whole number of milliseconds, found ${describe(ms)}`);
          // tapedeck limits wall-clock time per call (resources.limits.timeout), which bounds CPU time too.
          limits.timeout = `${ms}ms`;
          delete res.cpu_time_ms;
        }
        if (Object.keys(limits).length > 0) res.limits = limits;
        permissions.resources = res;
        break;
      }
      default:
        fail([...at, key], `unknown permission type '${key}' (use network, storage, environment or resources)`, 'key');
    }
  }
  const candidate = { version: '1.0', description: `Provisioned by a tapedeck manifest for ${label}`, permissions };
  try {
    return { policy: checkPolicy(candidate), environment };
  } catch (error) {
    const issue = error as { path?: PathPart[]; reason?: string; message: string };
    if (Array.isArray(issue.path)) {
      const rest = issue.path[0] === 'permissions' ? issue.path.slice(1) : issue.path;
      return fail([...at, ...rest], issue.reason ?? issue.message);
    }
    throw error;
  }
}


// ---------------------------------------------------------------- environment

/**
 * The values a manifest passes to components: for each `environment.allow`
 * entry, the variable named by `value_from` (or the key itself) from
 * tapedeck's own environment. These are the only process variables tapedeck
 * hands on — each one listed explicitly by the operator.
 */
export function manifestEnvironment(manifest: Manifest, env: Record<string, string | undefined> = process.env): { values: Record<string, string>; missing: string[] } {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const component of manifest.components) {
    for (const entry of component.environment) {
      const value = env[entry.valueFrom];
      if (value === undefined) missing.push(entry.valueFrom === entry.key ? entry.key : `${entry.valueFrom} (for ${entry.key})`);
      else values[entry.key] = value;
    }
  }
  return { values, missing };
}

// ---------------------------------------------------------------- apply

export interface ApplyResult {
  index: number;
  id: string;
  uri: string;
  component: 'loaded' | 'reloaded' | 'unchanged';
  policy: 'written' | 'removed' | 'unchanged';
}

function sha256Hex(bytes: Uint8Array): Promise<string> {
  return import('node:crypto').then(({ createHash }) => createHash('sha256').update(bytes).digest('hex'));
}

/** The id a file URI gets when loaded without a name (the loader's rule: the sanitised file stem). */
async function fileStemId(uri: string): Promise<string> {
  const { sanitiseId } = await import('../store/component-id.js');
  const { fileURLToPath } = await import('node:url');
  const path = fileURLToPath(uri);
  return sanitiseId(basename(path, extname(path))) || 'component';
}

/**
 * Brings the component directory in line with the manifest, one component
 * after another. A failing component does not stop the others; the error
 * lists every failure. Nothing is changed for a component whose pinned digest
 * does not match.
 */
export async function applyManifest(deck: Tapedeck, manifest: Manifest, logger: Logger): Promise<ApplyResult[]> {
  const { serializePolicy } = await import('../policy/parse.js');
  const results: ApplyResult[] = [];
  const failures: string[] = [];
  for (const warning of manifest.warnings) logger.warn(warning);
  for (const c of manifest.components) {
    const label = `components[${c.index}] (${c.name ?? c.uri})`;
    try {
      const scheme = c.resolvedUri.slice(0, c.resolvedUri.indexOf(':'));
      let id = c.name ?? (scheme === 'file' ? await fileStemId(c.resolvedUri) : undefined);
      let needsLoad = true;
      const existing = id ? deck.getComponent(id) : undefined;
      if (c.digest && existing && existing.digest === c.digest) {
        needsLoad = false;
      } else {
        // Learn the bytes' digest (and, for remote URIs without a name, the id) without changing anything.
        const { resolveSource } = await import('../loader/resolve.js');
        const source = await resolveSource(c.resolvedUri, c.digest ? { expectedDigest: c.digest } : {});
        const digest = `sha256:${await sha256Hex(source.bytes)}`;
        if (c.digest && digest !== c.digest) {
          throw new ManifestError(`digest mismatch: the manifest pins ${c.digest} but ${c.uri} has ${digest}; nothing was changed`);
        }
        id ??= source.id;
        const current = deck.getComponent(id);
        if (current && current.digest === digest) needsLoad = false;
      }
      const resolvedId = id!;

      // Policy first, so the component never runs with a stale one.
      let policyState: ApplyResult['policy'] = 'unchanged';
      const stored = await deck.policies.read(resolvedId).catch(() => undefined);
      if (c.policy) {
        const desired = serializePolicy(c.policy);
        if (!stored || serializePolicy(stored.policy) !== desired) {
          await deck.policies.write(resolvedId, c.policy, { sourceUri: `manifest:${manifest.file}` });
          policyState = 'written';
        }
      } else if (stored) {
        await deck.policies.remove(resolvedId);
        policyState = 'removed';
      }

      let componentState: ApplyResult['component'] = 'unchanged';
      if (needsLoad) {
        const result = await deck.loadComponent(c.resolvedUri, { id: resolvedId, digest: c.digest });
        componentState = result.status;
        for (const warning of result.warnings) logger.warn({ component: resolvedId }, warning);
      }
      results.push({ index: c.index, id: resolvedId, uri: c.uri, component: componentState, policy: policyState });
      logger.info({ component: resolvedId, uri: c.uri, state: componentState, policy: policyState }, 'manifest component provisioned');
    } catch (error) {
      failures.push(`${label}: ${(error as Error).message}`);
      logger.error({ index: c.index, uri: c.uri, err: (error as Error).message }, 'manifest component failed');
    }
  }
  // Policy files were written beside the runtime's back: drop its caches.
  await deck.refresh();
  if (failures.length > 0) {
    throw new ManifestApplyError(`manifest ${manifest.file}: ${failures.length} of ${manifest.components.length} component(s) failed:\n  ${failures.join('\n  ')}`);
  }
  return results;
}
