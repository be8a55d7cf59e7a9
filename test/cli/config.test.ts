import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { json, sandbox, show, type Sandbox } from './helpers.js';
import {
  ConfigError,
  componentEnvironment,
  findKeyLine,
  loadConfig,
  parseConfigToml,
  parseEnvAssignments,
  parseEnvFile,
} from '../../src/config/config.js';

let box: Sandbox;
before(async () => {
  box = await sandbox();
});
after(async () => {
  await box.cleanup();
});

async function writeConfig(text: string, name = 'config.toml'): Promise<string> {
  const dir = join(box.configHome, 'tapedeck');
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** Where `secret set` wrote: observes the effective secrets_dir. */
async function secretsDirUsed(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const r = await box.run([...args, 'secret', 'set', 'probe', 'K=V'], { env });
  assert.equal(r.code, 0, show(r));
  const found: string[] = [];
  for (const candidate of ['from-file', 'from-env', 'from-cli', 'home/.config/tapedeck/secrets']) {
    try {
      if ((await readdir(join(box.dir, candidate))).includes('probe.yaml')) found.push(candidate);
    } catch {
      /* absent */
    }
  }
  const { rm } = await import('node:fs/promises');
  for (const candidate of ['from-file', 'from-env', 'from-cli', 'home/.config/tapedeck/secrets']) await rm(join(box.dir, candidate), { recursive: true, force: true });
  return found;
}

test('precedence: CLI > TAPEDECK_* environment > config file > default', async () => {
  // Relative paths in the config file are relative to the file.
  await writeConfig('secrets_dir = "../../../from-file"\n');
  assert.deepEqual(await secretsDirUsed([]), ['from-file']);
  assert.deepEqual(await secretsDirUsed([], { TAPEDECK_SECRETS_DIR: join(box.dir, 'from-env') }), ['from-env']);
  assert.deepEqual(
    await secretsDirUsed(['--secrets-dir', join(box.dir, 'from-cli')], { TAPEDECK_SECRETS_DIR: join(box.dir, 'from-env') }),
    ['from-cli'],
  );
  await writeConfig('');
  assert.deepEqual(await secretsDirUsed([]), ['home/.config/tapedeck/secrets']);
});

test('component_dir from config, TAPEDECK_COMPONENT_DIR, --component-dir and --plugin-dir', async () => {
  const fileDir = join(box.dir, 'components-file');
  await writeConfig(`component_dir = "${fileDir}"\n`);
  let r = await box.run(['component', 'list']);
  assert.equal(r.code, 0, show(r));
  assert.ok((await stat(fileDir)).isDirectory());

  const envDir = join(box.dir, 'components-env');
  r = await box.run(['component', 'list'], { env: { TAPEDECK_COMPONENT_DIR: envDir } });
  assert.equal(r.code, 0, show(r));
  assert.ok((await stat(envDir)).isDirectory());

  const cliDir = join(box.dir, 'components-cli');
  r = await box.run(['component', 'list', '--component-dir', cliDir], { env: { TAPEDECK_COMPONENT_DIR: envDir } });
  assert.equal(r.code, 0, show(r));
  assert.ok((await stat(cliDir)).isDirectory());

  const pluginDir = join(box.dir, 'components-plugin');
  r = await box.run(['--plugin-dir', pluginDir, 'component', 'list']);
  assert.equal(r.code, 0, show(r));
  assert.ok((await stat(pluginDir)).isDirectory());

  r = await box.run(['--plugin-dir', pluginDir, '--component-dir', cliDir, 'component', 'list']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: --component-dir and --plugin-dir name the same setting/);
  await writeConfig('');
});

test('TAPEDECK_CONFIG_FILE and --config choose the file; a named file that is missing is an error', async () => {
  const path = join(box.dir, 'custom.toml');
  await writeFile(path, `secrets_dir = "${join(box.dir, 'from-file')}"\n`);
  assert.deepEqual(await secretsDirUsed([], { TAPEDECK_CONFIG_FILE: path }), ['from-file']);
  assert.deepEqual(await secretsDirUsed(['--config', path]), ['from-file']);
  const r = await box.run(['component', 'list'], { env: { TAPEDECK_CONFIG_FILE: join(box.dir, 'missing.toml') } });
  assert.equal(r.code, 2, show(r));
  assert.equal(r.stderr, `Error: config file ${join(box.dir, 'missing.toml')} not found\n`);
});

test('an invalid config file is an error naming the file, line and key', async () => {
  const cases: [string, RegExp][] = [
    ['component_dir = "/x"\n\nplugn_dir = "/y"\n', /^Error: invalid config file (.*)config\.toml, line 3: unknown key 'plugn_dir'/],
    ['component_dir = 5\n', /^Error: invalid config file (.*), line 1: key 'component_dir' must be a string, got integer/],
    ['bind_address = "localhost"\n', /^Error: invalid config file (.*), line 1: key 'bind_address': invalid bind address 'localhost': use host:port/],
    ['log_level = "loud"\n', /^Error: invalid config file (.*), line 1: key 'log_level': invalid log level 'loud'/],
    ['[environment_vars]\nOK = "1"\nBAD = { a = 1 }\n', /^Error: invalid config file (.*), line 3: key 'environment_vars\.BAD' must be a string, number or boolean, got table/],
    ['component_dir = "unterminated\n', /^Error: invalid config file (.*), line 1, column \d+: /],
    ['environment_vars = "x"\n', /^Error: invalid config file (.*), line 1: key 'environment_vars' must be a table/],
  ];
  for (const [text, pattern] of cases) {
    const path = await writeConfig(text);
    const r = await box.run(['component', 'list']);
    assert.equal(r.code, 2, `${text}\n${show(r)}`);
    assert.match(r.stderr, pattern);
    assert.ok(r.stderr.includes(path), r.stderr);
    assert.equal(r.stdout, '');
  }
  await writeConfig('');
});

test('invalid TAPEDECK_* values are errors naming the variable', async () => {
  let r = await box.run(['component', 'list'], { env: { TAPEDECK_LOG_LEVEL: 'loud' } });
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: TAPEDECK_LOG_LEVEL: invalid log level 'loud'/);
  r = await box.run(['serve', '--bind-address', 'nope'], { timeoutMs: 10_000 });
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: --bind-address: invalid bind address 'nope'/);
});

test('loadConfig: defaults follow XDG and HOME; BIND_HOST/PORT set the default bind address', async () => {
  const env = { HOME: '/h', XDG_CONFIG_HOME: box.configHome + '-none' };
  const config = await loadConfig({}, env, '/cwd');
  assert.equal(config.componentDir, '/h/.local/share/tapedeck/components');
  assert.equal(config.secretsDir, join(box.configHome + '-none', 'tapedeck/secrets'));
  assert.equal(config.bindAddress, '127.0.0.1:9001');
  assert.equal(config.logLevel, 'info');
  assert.equal(config.sources.componentDir, 'default');
  const ported = await loadConfig({}, { ...env, PORT: '8080', BIND_HOST: '0.0.0.0' }, '/cwd');
  assert.equal(ported.bindAddress, '0.0.0.0:8080');
  const overridden = await loadConfig({ bindAddress: '[::1]:7000' }, { ...env, TAPEDECK_BIND_ADDRESS: '127.0.0.1:1' }, '/cwd');
  assert.equal(overridden.bindAddress, '[::1]:7000');
  assert.equal(overridden.sources.bindAddress, 'cli');
  const tilde = await loadConfig({ componentDir: '~/comps' }, env, '/cwd');
  assert.equal(tilde.componentDir, '/h/comps');
});

test('parseConfigToml: plugin_dir is an alias; both is an error; values are typed', async () => {
  assert.deepEqual(await parseConfigToml('plugin_dir = "/p"\n', 'c.toml'), { component_dir: '/p' });
  await assert.rejects(parseConfigToml('plugin_dir = "/p"\ncomponent_dir = "/c"\n', 'c.toml'), ConfigError);
  const parsed = await parseConfigToml('allowed_hosts = ["a.example"]\n[environment_vars]\nN = 5\nB = true\nS = "x"\n', 'c.toml');
  assert.deepEqual(parsed, { allowed_hosts: ['a.example'], environment_vars: { N: '5', B: 'true', S: 'x' } });
});

test('findKeyLine finds top-level keys, table keys and dotted keys', () => {
  const text = 'a = 1\n# c\n[environment_vars]\nX = "1"\n"Y" = "2"\n';
  assert.equal(findKeyLine(text, ['a']), 1);
  assert.equal(findKeyLine(text, ['environment_vars']), 3);
  assert.equal(findKeyLine(text, ['environment_vars', 'Y']), 5);
  assert.equal(findKeyLine('environment_vars.Z = "1"\n', ['environment_vars', 'Z']), 1);
  assert.equal(findKeyLine(text, ['nope']), undefined);
});

test('component environment: only [environment_vars], --env-file and --env; never the process environment', async () => {
  const file = join(box.dir, 'vars.env');
  await writeFile(file, '# comment\nexport FROM_FILE=file\nSHARED=file\nQUOTED="a b\\nc"\nSINGLE=\'x y\'\nTRAIL=v # note\n');
  const result = await componentEnvironment(
    { environmentVars: { FROM_CONFIG: 'config', SHARED: 'config' } },
    { envFile: [file], env: ['SHARED=flag', 'PASS', 'UNSET'] },
    { PASS: 'passed', SECRET_IN_PROCESS_ENV: 'must-not-leak', PATH: '/bin' },
    box.dir,
  );
  assert.deepEqual(result.values, {
    FROM_CONFIG: 'config',
    SHARED: 'flag',
    FROM_FILE: 'file',
    QUOTED: 'a b\nc',
    SINGLE: 'x y',
    TRAIL: 'v',
    PASS: 'passed',
  });
  assert.deepEqual(result.missing, ['UNSET']);
});

test('--env and env file errors', async () => {
  assert.throws(() => parseEnvAssignments(['1BAD=x']), /--env '1BAD=x': expected KEY=VALUE/);
  assert.throws(() => parseEnvFile('OK=1\nnot a line\n', 'x.env'), /invalid env file x\.env, line 2: expected KEY=VALUE/);
  assert.throws(() => parseEnvFile('A="open\n', 'x.env'), /line 1: unterminated double-quoted value for A/);
  await assert.rejects(componentEnvironment({ environmentVars: {} }, { envFile: ['nope.env'] }, {}, box.dir), /env file .*nope\.env not found/);
});

test('run/serve: a bad --env-file stops start-up', async () => {
  await writeFile(join(box.dir, 'bad.env'), 'GOOD=1\nthis is not an assignment\n');
  let r = await box.run(['run', '--env-file', 'bad.env'], { timeoutMs: 20_000 });
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /Error: invalid env file .*bad\.env, line 2: expected KEY=VALUE/);
  // A missing file: Node 20 itself checks every `--env-file` on the command line (even after the
  // script name) and exits 9 with "node: <file>: not found" before tapedeck runs; newer Node
  // versions leave it to tapedeck (exit 2). Either way start-up fails and names the file.
  r = await box.run(['run', '--env-file', 'missing.env'], { timeoutMs: 20_000 });
  assert.ok(r.code === 2 || r.code === 9, show(r));
  assert.match(r.stderr, /missing\.env/);
});

test('sanity: the secret store honours the configured directory (json output)', async () => {
  const r = await box.run(['--secrets-dir', join(box.dir, 's'), 'secret', 'list', 'probe']);
  assert.equal(r.code, 0, show(r));
  assert.deepEqual(json(r), { component_id: 'probe', secrets: [], total: 0 });
});
