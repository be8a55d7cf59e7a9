/**
 * Configuration: `config.toml`, `TAPEDECK_*` environment variables and
 * command-line options, merged with the precedence CLI > environment > file >
 * built-in default (as in Wassette).
 *
 * The values components may be given (granted per key by their policy) come
 * ONLY from the config file's `[environment_vars]`, `--env-file` and `--env`
 * (in that order, later wins). Unlike Wassette's `run`, tapedeck never merges
 * its own process environment into that set.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';

export class ConfigError extends Error {}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_PORT = 9001;

/** Options given on the command line (highest precedence). */
export interface ConfigOverrides {
  configFile?: string;
  componentDir?: string;
  secretsDir?: string;
  bindAddress?: string;
  logLevel?: string;
}

export type ConfigSource = 'cli' | 'env' | 'file' | 'default';

export interface TapedeckConfig {
  componentDir: string;
  secretsDir: string;
  bindAddress: string;
  logLevel: LogLevel;
  /** Host-header allowlist for HTTP transports (`allowed_hosts`), if configured. */
  allowedHosts?: string[];
  /** `[environment_vars]` from the config file. */
  environmentVars: Record<string, string>;
  /** The config file that was read, if one exists. */
  configFile?: string;
  /** Where each setting came from (for `tapedeck config`-style diagnostics and tests). */
  sources: Record<'componentDir' | 'secretsDir' | 'bindAddress' | 'logLevel', ConfigSource>;
}

/** What a config file may contain (all optional). */
export interface FileConfig {
  component_dir?: string;
  secrets_dir?: string;
  bind_address?: string;
  log_level?: LogLevel;
  allowed_hosts?: string[];
  environment_vars?: Record<string, string>;
}

type Env = Record<string, string | undefined>;

function home(env: Env): string {
  return env.HOME || homedir();
}

export function xdgConfigHome(env: Env = process.env): string {
  const value = env.XDG_CONFIG_HOME;
  return value && isAbsolute(value) ? value : join(home(env), '.config');
}

export function xdgDataHome(env: Env = process.env): string {
  const value = env.XDG_DATA_HOME;
  return value && isAbsolute(value) ? value : join(home(env), '.local', 'share');
}

export function defaultConfigFile(env: Env = process.env): string {
  return join(xdgConfigHome(env), 'tapedeck', 'config.toml');
}

export function defaultComponentDir(env: Env = process.env): string {
  return join(xdgDataHome(env), 'tapedeck', 'components');
}

export function defaultSecretsDir(env: Env = process.env): string {
  return join(xdgConfigHome(env), 'tapedeck', 'secrets');
}

/** `~/x` -> `$HOME/x`; relative paths are resolved against `base`. */
export function resolvePath(path: string, base: string, env: Env = process.env): string {
  if (path === '~') return home(env);
  if (path.startsWith('~/')) return join(home(env), path.slice(2));
  return resolve(base, path);
}

/** Checks `host:port` (IPv6 in brackets). Returns the address unchanged. */
export function validateBindAddress(address: string, where: string): string {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(address.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) {
    throw new ConfigError(`${where}: invalid bind address '${address}': use host:port, e.g. 127.0.0.1:9001 or [::1]:9001`);
  }
  return address.trim();
}

export function validateLogLevel(level: string, where: string): LogLevel {
  const lower = level.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(lower)) {
    throw new ConfigError(`${where}: invalid log level '${level}': use one of ${LOG_LEVELS.join(', ')}`);
  }
  return lower as LogLevel;
}

// ---------------------------------------------------------------- config.toml

const KNOWN_KEYS = ['component_dir', 'plugin_dir', 'secrets_dir', 'bind_address', 'log_level', 'allowed_hosts', 'environment_vars'];

/** 1-based line of `key` (a top-level key, or `table.key`) in TOML text; undefined when it cannot be found. */
export function findKeyLine(text: string, path: string[]): number | undefined {
  const lines = text.split(/\r?\n/);
  const keyPattern = (key: string) => `(?:${escapeRegExp(key)}|"${escapeRegExp(key)}"|'${escapeRegExp(key)}')`;
  let table: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?/.exec(line);
    if (header) {
      table = header[1].split('.').map((s) => s.trim().replace(/^["']|["']$/g, ''));
      if (path.length === 1 && table[0] === path[0]) return i + 1;
      continue;
    }
    if (path.length === 1) {
      if (table.length === 0 && new RegExp(`^${keyPattern(path[0])}\\s*[=.]`).test(line)) return i + 1;
    } else if (path.length === 2) {
      if (table.length === 1 && table[0] === path[0] && new RegExp(`^${keyPattern(path[1])}\\s*=`).test(line)) return i + 1;
      if (table.length === 0 && new RegExp(`^${keyPattern(path[0])}\\s*\\.\\s*${keyPattern(path[1])}\\s*=`).test(line)) return i + 1;
      if (table.length === 0 && new RegExp(`^${keyPattern(path[0])}\\s*=.*${keyPattern(path[1])}\\s*=`).test(line)) return i + 1;
    }
  }
  return undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'float';
  if (typeof value === 'bigint') return 'integer';
  if (typeof value === 'object') return 'table';
  return typeof value;
}

/**
 * Parses and validates a config file's text. Every error names the file, the
 * line (when it can be found) and the key.
 */
export async function parseConfigToml(text: string, file: string): Promise<FileConfig> {
  const { parse, TomlError } = await import('smol-toml');
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      const first = error.message.split('\n')[0].replace(/^Invalid TOML document: /, '');
      throw new ConfigError(`invalid config file ${file}, line ${error.line}, column ${error.column}: ${first}`);
    }
    throw new ConfigError(`invalid config file ${file}: ${(error as Error).message}`);
  }
  const at = (path: string[]) => {
    const line = findKeyLine(text, path);
    return `invalid config file ${file}${line ? `, line ${line}` : ''}`;
  };
  const out: FileConfig = {};
  for (const [key, value] of Object.entries(doc)) {
    if (!KNOWN_KEYS.includes(key)) {
      throw new ConfigError(
        `${at([key])}: unknown key '${key}' (known keys: component_dir, secrets_dir, bind_address, log_level, allowed_hosts, [environment_vars])`,
      );
    }
    const expectString = (): string => {
      if (typeof value !== 'string') throw new ConfigError(`${at([key])}: key '${key}' must be a string, got ${typeName(value)}`);
      if (value.trim() === '') throw new ConfigError(`${at([key])}: key '${key}' must not be empty`);
      return value;
    };
    switch (key) {
      case 'component_dir':
      case 'plugin_dir': {
        if (out.component_dir !== undefined) {
          throw new ConfigError(`${at([key])}: key '${key}': set either component_dir or plugin_dir (its Wassette alias), not both`);
        }
        out.component_dir = expectString();
        break;
      }
      case 'secrets_dir':
        out.secrets_dir = expectString();
        break;
      case 'bind_address':
        out.bind_address = validateBindAddress(expectString(), `${at([key])}: key 'bind_address'`);
        break;
      case 'log_level':
        out.log_level = validateLogLevel(expectString(), `${at([key])}: key 'log_level'`);
        break;
      case 'allowed_hosts': {
        if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.trim() === '')) {
          throw new ConfigError(`${at([key])}: key 'allowed_hosts' must be an array of host names, e.g. ["localhost", "mcp.example.com"]`);
        }
        out.allowed_hosts = value as string[];
        break;
      }
      case 'environment_vars': {
        if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) {
          throw new ConfigError(`${at([key])}: key 'environment_vars' must be a table of KEY = "value"`);
        }
        const vars: Record<string, string> = {};
        for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
          if (!ENV_KEY.test(name)) {
            throw new ConfigError(`${at([key, name])}: key 'environment_vars.${name}' is not a valid variable name (letters, digits and '_', not starting with a digit)`);
          }
          if (typeof v === 'string') vars[name] = v;
          else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') vars[name] = String(v);
          else throw new ConfigError(`${at([key, name])}: key 'environment_vars.${name}' must be a string, number or boolean, got ${typeName(v)}`);
        }
        out.environment_vars = vars;
        break;
      }
    }
  }
  return out;
}

/** Reads a config file. A missing file is `undefined` unless `required`. */
export async function readConfigFile(file: string, required: boolean): Promise<FileConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return undefined;
    if (code === 'ENOENT') throw new ConfigError(`config file ${file} not found`);
    if (code === 'EISDIR') throw new ConfigError(`config file ${file} is a directory, not a TOML file`);
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  return parseConfigToml(text, file);
}

/** Merges file, environment and command line (CLI > env > file > default). */
export async function loadConfig(overrides: ConfigOverrides = {}, env: Env = process.env, cwd = process.cwd()): Promise<TapedeckConfig> {
  let configFile: string;
  let required: boolean;
  if (overrides.configFile) {
    configFile = resolvePath(overrides.configFile, cwd, env);
    required = true;
  } else if (env.TAPEDECK_CONFIG_FILE) {
    configFile = resolvePath(env.TAPEDECK_CONFIG_FILE, cwd, env);
    required = true;
  } else {
    configFile = defaultConfigFile(env);
    required = false;
  }
  const file = (await readConfigFile(configFile, required)) ?? {};
  const fileBase = dirname(configFile);

  const pick = <T>(cli: T | undefined, fromEnv: T | undefined, fromFile: T | undefined, fallback: T): [T, ConfigSource] => {
    if (cli !== undefined && cli !== '') return [cli, 'cli'];
    if (fromEnv !== undefined && fromEnv !== '') return [fromEnv, 'env'];
    if (fromFile !== undefined) return [fromFile, 'file'];
    return [fallback, 'default'];
  };
  const envComponentDir = env.TAPEDECK_COMPONENT_DIR || env.TAPEDECK_PLUGIN_DIR;

  const [componentDirRaw, componentDirSource] = pick(overrides.componentDir, envComponentDir, file.component_dir, defaultComponentDir(env));
  const componentDir =
    componentDirSource === 'file' ? resolvePath(componentDirRaw, fileBase, env) : resolvePath(componentDirRaw, cwd, env);

  const [secretsDirRaw, secretsDirSource] = pick(overrides.secretsDir, env.TAPEDECK_SECRETS_DIR, file.secrets_dir, defaultSecretsDir(env));
  const secretsDir = secretsDirSource === 'file' ? resolvePath(secretsDirRaw, fileBase, env) : resolvePath(secretsDirRaw, cwd, env);

  // As in Wassette, the default bind address honours BIND_HOST and PORT (container platforms set PORT).
  const defaultBind = `${env.BIND_HOST || '127.0.0.1'}:${env.PORT || DEFAULT_PORT}`;
  const [bindRaw, bindSource] = pick(overrides.bindAddress, env.TAPEDECK_BIND_ADDRESS, file.bind_address, defaultBind);
  const bindWhere = bindSource === 'cli' ? '--bind-address' : bindSource === 'env' ? 'TAPEDECK_BIND_ADDRESS' : bindSource === 'file' ? configFile : 'BIND_HOST/PORT';
  const bindAddress = validateBindAddress(bindRaw, bindWhere);

  const [levelRaw, levelSource] = pick<string>(overrides.logLevel, env.TAPEDECK_LOG_LEVEL, file.log_level, 'info');
  const levelWhere = levelSource === 'cli' ? '--log-level' : levelSource === 'env' ? 'TAPEDECK_LOG_LEVEL' : configFile;
  const logLevel = validateLogLevel(levelRaw, levelWhere);

  const allowedHostsEnv = env.TAPEDECK_ALLOWED_HOSTS?.split(',').map((h) => h.trim()).filter(Boolean);

  return {
    componentDir,
    secretsDir,
    bindAddress,
    logLevel,
    allowedHosts: allowedHostsEnv?.length ? allowedHostsEnv : file.allowed_hosts,
    environmentVars: file.environment_vars ?? {},
    configFile: Object.keys(file).length > 0 || required ? configFile : undefined,
    sources: { componentDir: componentDirSource, secretsDir: secretsDirSource, bindAddress: bindSource, logLevel: levelSource },
  };
}

// ---------------------------------------------------------------- component environment

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `--env` values: `KEY=VALUE`, or a bare `KEY` to pass that one variable
 * through from tapedeck's own environment (like `docker run -e KEY`).
 * Returns the assignments and the bare keys that were not set.
 */
export function parseEnvAssignments(list: string[], env: Env = process.env): { values: Record<string, string>; missing: string[] } {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const item of list) {
    const eq = item.indexOf('=');
    const key = eq === -1 ? item : item.slice(0, eq);
    if (!ENV_KEY.test(key)) {
      throw new ConfigError(`--env '${item}': expected KEY=VALUE (or KEY to pass it through), where KEY uses letters, digits and '_' and does not start with a digit`);
    }
    if (eq === -1) {
      const value = env[key];
      if (value === undefined) missing.push(key);
      else values[key] = value;
    } else {
      values[key] = item.slice(eq + 1);
    }
  }
  return { values, missing };
}

/**
 * Parses an env file: `KEY=VALUE` per line, `#` comments, blank lines, an
 * optional `export ` prefix, and values in "double" (with \n, \t, \", \\
 * escapes) or 'single' quotes. Errors name the file and line.
 */
export function parseEnvFile(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('export ')) line = line.slice('export '.length).trim();
    const eq = line.indexOf('=');
    const where = `invalid env file ${file}, line ${i + 1}`;
    if (eq === -1) throw new ConfigError(`${where}: expected KEY=VALUE`);
    const key = line.slice(0, eq).trim();
    if (!ENV_KEY.test(key)) throw new ConfigError(`${where}: '${key}' is not a valid variable name`);
    let value = line.slice(eq + 1).trim();
    if (value.startsWith('"')) {
      const end = findClosingQuote(value);
      if (end === -1) throw new ConfigError(`${where}: unterminated double-quoted value for ${key}`);
      value = value
        .slice(1, end)
        .replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c));
    } else if (value.startsWith("'")) {
      const end = value.indexOf("'", 1);
      if (end === -1) throw new ConfigError(`${where}: unterminated single-quoted value for ${key}`);
      value = value.slice(1, end);
    } else {
      const hash = value.search(/\s#/);
      if (hash !== -1) value = value.slice(0, hash).trim();
    }
    out[key] = value;
  }
  return out;
}

function findClosingQuote(value: string): number {
  for (let i = 1; i < value.length; i++) {
    if (value[i] === '\\') i++;
    else if (value[i] === '"') return i;
  }
  return -1;
}

export async function readEnvFile(path: string, cwd = process.cwd()): Promise<Record<string, string>> {
  const file = resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ConfigError(`env file ${file} not found`);
    throw new ConfigError(`cannot read env file ${file}: ${(error as Error).message}`);
  }
  return parseEnvFile(text, file);
}

/**
 * The values components may be granted: config `[environment_vars]`, then
 * each `--env-file` in order, then `--env` (later wins). Never the process
 * environment as a whole.
 */
export async function componentEnvironment(
  config: Pick<TapedeckConfig, 'environmentVars'>,
  options: { env?: string[]; envFile?: string[] },
  processEnv: Env = process.env,
  cwd = process.cwd(),
): Promise<{ values: Record<string, string>; missing: string[] }> {
  const values: Record<string, string> = { ...config.environmentVars };
  for (const file of options.envFile ?? []) Object.assign(values, await readEnvFile(file, cwd));
  const fromFlags = parseEnvAssignments(options.env ?? [], processEnv);
  Object.assign(values, fromFlags.values);
  return { values, missing: fromFlags.missing };
}
