/**
 * Registry credentials and authentication challenges.
 *
 * Credentials are looked up, first match wins, in:
 *   1. TAPEDECK_REGISTRY_USERNAME / TAPEDECK_REGISTRY_PASSWORD (for every
 *      registry, or only the one in TAPEDECK_REGISTRY_HOST when set);
 *   2. the file named by REGISTRY_AUTH_FILE (containers-auth.json, same
 *      format as Docker's);
 *   3. Docker's config.json (`dockerConfigPath`, else $DOCKER_CONFIG/config.json,
 *      else ~/.docker/config.json): `auths.<host>.auth` (base64 user:pass),
 *      `username`/`password`, or `identitytoken`.
 * Credential helpers (credHelpers / credsStore) are not run; a debug note says so.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { debuglog } from 'node:util';

const debug = debuglog('tapedeck');

export interface Credentials {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (`identitytoken` in Docker's config). */
  identityToken?: string;
  /** Where they came from, for messages (never includes the secret). */
  source: string;
}

export interface CredentialLookup {
  credentials?: Credentials;
  /** Every place consulted, for "no credentials" messages. */
  searched: string[];
  /** Notes such as "a credential helper is configured but not run". */
  notes: string[];
}

export interface CredentialOptions {
  env?: NodeJS.ProcessEnv;
  dockerConfigPath?: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

/** Reduces an `auths` key (`https://host/v1/`, `host`, …) to host[:port]. */
export function normaliseAuthKey(key: string): string {
  return key
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/\/.*$/, '');
}

const DOCKER_HUB_KEYS = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];

function hostMatches(key: string, registry: string): boolean {
  const k = normaliseAuthKey(key);
  const r = registry.toLowerCase();
  if (k === r) return true;
  return DOCKER_HUB_KEYS.includes(k) && DOCKER_HUB_KEYS.includes(r);
}

function fromEntry(entry: AuthEntry, source: string): Credentials | undefined {
  if (entry.identitytoken) {
    let username: string | undefined;
    if (entry.auth) username = Buffer.from(entry.auth, 'base64').toString('utf8').split(':')[0];
    return { identityToken: entry.identitytoken, username: username || entry.username, source };
  }
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source };
  }
  if (entry.username && entry.password !== undefined) {
    return { username: entry.username, password: entry.password, source };
  }
  return undefined;
}

function fromAuthFile(path: string, registry: string, lookup: CredentialLookup): Credentials | undefined {
  lookup.searched.push(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      lookup.notes.push(`cannot read ${path}: ${(error as Error).message}`);
    }
    return undefined;
  }
  let config: { auths?: Record<string, AuthEntry>; credHelpers?: Record<string, string>; credsStore?: string };
  try {
    config = JSON.parse(text);
  } catch (error) {
    lookup.notes.push(`${path} is not valid JSON: ${(error as Error).message}`);
    return undefined;
  }
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!hostMatches(key, registry) || !entry || typeof entry !== 'object') continue;
    const credentials = fromEntry(entry, `${path} (auths["${key}"])`);
    if (credentials) return credentials;
  }
  const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => hostMatches(key, registry));
  if (helper) {
    const note = `${path} names credential helper 'docker-credential-${helper[1]}' for ${registry} (credHelpers); tapedeck does not run credential helpers`;
    lookup.notes.push(note);
    debug(note);
  } else if (config.credsStore) {
    const note = `${path} names credential store 'docker-credential-${config.credsStore}' (credsStore); tapedeck does not run credential helpers`;
    lookup.notes.push(note);
    debug(note);
  }
  return undefined;
}

export function defaultDockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  return join(env.HOME || homedir(), '.docker', 'config.json');
}

/** Finds credentials for `registry` (host[:port] as written in the reference). */
export function findCredentials(registry: string, options: CredentialOptions = {}): CredentialLookup {
  const env = options.env ?? process.env;
  const lookup: CredentialLookup = { searched: [], notes: [] };
  const user = env.TAPEDECK_REGISTRY_USERNAME;
  const pass = env.TAPEDECK_REGISTRY_PASSWORD;
  const scopedHost = env.TAPEDECK_REGISTRY_HOST?.trim();
  lookup.searched.push(
    'TAPEDECK_REGISTRY_USERNAME/TAPEDECK_REGISTRY_PASSWORD' + (scopedHost ? ` (for ${scopedHost})` : ''),
  );
  if (user !== undefined && pass !== undefined && (!scopedHost || hostMatches(scopedHost, registry))) {
    lookup.credentials = {
      username: user,
      password: pass,
      source: 'environment variables TAPEDECK_REGISTRY_USERNAME/TAPEDECK_REGISTRY_PASSWORD',
    };
    return lookup;
  }
  if (env.REGISTRY_AUTH_FILE) {
    const credentials = fromAuthFile(env.REGISTRY_AUTH_FILE, registry, lookup);
    if (credentials) {
      lookup.credentials = { ...credentials, source: `REGISTRY_AUTH_FILE ${credentials.source}` };
      return lookup;
    }
  }
  const dockerPath = options.dockerConfigPath ?? defaultDockerConfigPath(env);
  const credentials = fromAuthFile(dockerPath, registry, lookup);
  if (credentials) lookup.credentials = credentials;
  return lookup;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses `WWW-Authenticate` (RFC 7235): one or more challenges, each a scheme
 * followed by comma-separated auth-params with optional quoted values.
 */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  const challenges: Challenge[] = [];
  if (!header) return challenges;
  let i = 0;
  const s = header;
  const skipWs = () => {
    while (i < s.length && /[\s,]/.test(s[i])) i++;
  };
  let current: Challenge | undefined;
  while (i < s.length) {
    skipWs();
    const start = i;
    while (i < s.length && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(s[i])) i++;
    const token = s.slice(start, i);
    if (!token) {
      i++;
      continue;
    }
    let j = i;
    while (j < s.length && s[j] === ' ') j++;
    if (s[j] === '=' && current) {
      i = j + 1;
      while (i < s.length && s[i] === ' ') i++;
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i++];
        }
        i++;
      } else {
        const vstart = i;
        while (i < s.length && s[i] !== ',' && s[i] !== ' ') i++;
        value = s.slice(vstart, i);
      }
      current.params[token.toLowerCase()] = value;
    } else {
      current = { scheme: token.toLowerCase(), params: {} };
      challenges.push(current);
    }
  }
  return challenges;
}

export function basicAuthorization(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`).toString('base64')}`;
}
