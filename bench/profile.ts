/**
 * Profiling aid (not part of the report).
 *
 *   node dist/bench/profile.js stdio [calls] [tool]
 *       runs `tapedeck run` under --cpu-prof over a temp directory with the
 *       minimal and calculator examples, makes `calls` warm calls of `tool`
 *       through the SDK client, and summarises the server's profile;
 *   node dist/bench/profile.js baseline [calls]
 *       the same against the baseline server;
 *   node dist/bench/profile.js summary FILE.cpuprofile [top]
 *       summarises a profile: self time by function and by module.
 */
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Driver, measureThroughput, type Era } from './client.js';
import { dirsIn, exampleCopy, loadedDir } from './fixtures.js';
import { baselineScript, repoRoot, serverEnv, spawnHelper, tapedeckBin } from './servers.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function moduleOf(url: string): string {
  if (!url) return '(native/vm)';
  if (url.startsWith('node:')) return url;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const at = url.indexOf('/dist/');
  return at >= 0 ? url.slice(at + 1) : url;
}

export function summarizeProfile(profile: CpuProfile, top = 30): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = profile.endTime - profile.startTime;
  const byFn = new Map<string, number>();
  const byModule = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'}  ${moduleOf(f.url)}:${f.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    const mod = f.url ? moduleOf(f.url) : f.functionName;
    byModule.set(mod, (byModule.get(mod) ?? 0) + us);
  }
  // Inclusive time of frames in dist/src (tapedeck's own code).
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (!f.url.includes('/dist/src/')) continue;
      const key = `${f.functionName || '(anonymous)'}  ${moduleOf(f.url)}:${f.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms`;
  const lines = [`profile: ${(total / 1000).toFixed(0)} ms`, '', 'self time by module:'];
  for (const [k, v] of [...byModule].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${k}`);
  lines.push('', 'self time by function:');
  for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${k}`);
  lines.push('', 'inclusive time of tapedeck functions (dist/src):');
  for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${k}`);
  return lines.join('\n');
}

async function profileServer(which: 'stdio' | 'baseline' | 'baseline-worker', calls: number, tool: string): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'tapedeck-prof-'));
  const profDir = join(root, 'prof');
  await mkdir(profDir);
  try {
    const dirs = dirsIn(root, 'p');
    await loadedDir(dirs, [await exampleCopy(root, 'minimal'), await exampleCopy(root, 'calculator')]);
    const flags = ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=100'];
    const args =
      which === 'stdio'
        ? [...flags, tapedeckBin, '--component-dir', dirs.componentDir, '--secrets-dir', dirs.secretsDir, 'run']
        : [...flags, baselineScript, '--stdio', ...(which === 'baseline-worker' ? ['--worker'] : [])];
    const driver = await Driver.connect({ kind: 'stdio', command: process.execPath, args, env: serverEnv(root), cwd: repoRoot });
    const callArgs = tool === 'echo' ? { text: 'hello, tapedeck' } : { a: 20, b: 22 };
    await driver.listTools();
    // Warm up (JIT), then profile only the steady state: the profile is started by
    // the flags, so the warm-up is in it; it is short next to the measured calls.
    for (let i = 0; i < 1000; i++) await driver.call(tool, callArgs);
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) await driver.call(tool, callArgs);
    const elapsed = performance.now() - t0;
    await driver.close();
    process.stdout.write(`${calls} calls in ${elapsed.toFixed(0)} ms (${((1000 * elapsed) / calls).toFixed(1)} us/call)\n`);
    // The profile is written when the server exits.
    for (let i = 0; i < 50; i++) {
      if ((await readdir(profDir)).length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const files = await readdir(profDir);
    for (const file of files) {
      const profile = JSON.parse(await readFile(join(profDir, file), 'utf8')) as CpuProfile;
      process.stdout.write(`\n== ${file}\n${summarizeProfile(profile)}\n`);
      if (process.env.PROFILE_KEEP) await copyFile(join(profDir, file), join(process.env.PROFILE_KEEP, `${which}-${file}`));
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Streamable HTTP (2025-11-25 session, or 2026-07-28 with `era` modern) at concurrency `c` for `seconds`, server under --cpu-prof. */
async function profileHttp(which: 'tapedeck' | 'baseline' | 'baseline-worker', seconds: number, c: number, era: Era): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'tapedeck-prof-'));
  const profDir = join(root, 'prof');
  await mkdir(profDir);
  try {
    const dirs = dirsIn(root, 'p');
    await loadedDir(dirs, [await exampleCopy(root, 'minimal')]);
    const flags = ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=200'];
    const server =
      which === 'tapedeck'
        ? await spawnHelper(
            [...flags, tapedeckBin, '--component-dir', dirs.componentDir, '--secrets-dir', dirs.secretsDir, 'serve', '--streamable-http', '--bind-address', '127.0.0.1:0'],
            serverEnv(root),
            /URL:\s+(http:\/\/\S+)/,
            join(root, 'server.log'),
          )
        : await spawnHelper(
            [...flags, baselineScript, '--http', '--port', '0', ...(which === 'baseline-worker' ? ['--worker'] : [])],
            serverEnv(root),
            /listening (http:\/\/\S+)/,
            join(root, 'server.log'),
          );
    const driver = await Driver.connect({ kind: 'http', url: server.url }, era);
    await driver.listTools();
    const r = await measureThroughput(driver, { tool: 'add', args: { a: 1, b: 2 } }, c, seconds * 1000, 1000);
    process.stdout.write(`${which}: ${r.rps.toFixed(0)} calls/s at c=${c}\n`);
    await driver.close();
    await server.stop();
    for (let i = 0; i < 50; i++) {
      if ((await readdir(profDir)).length) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    for (const file of await readdir(profDir)) {
      const profile = JSON.parse(await readFile(join(profDir, file), 'utf8')) as CpuProfile;
      process.stdout.write(`\n== ${file}\n${summarizeProfile(profile, 40)}\n`);
      // PROFILE_KEEP=<dir> keeps the raw profiles for a closer look (e.g. in Chrome DevTools).
      if (process.env.PROFILE_KEEP) await copyFile(join(profDir, file), join(process.env.PROFILE_KEEP, `${which}-${file}`));
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const [mode, a, b] = process.argv.slice(2);
if (mode === 'summary') {
  process.stdout.write(`${summarizeProfile(JSON.parse(await readFile(a, 'utf8')) as CpuProfile, Number(b ?? 30))}\n`);
} else if (mode === 'http') {
  await profileHttp((a ?? 'tapedeck') as 'tapedeck', Number(b ?? 5), Number(process.argv[5] ?? 16), process.argv[6] === 'modern' ? 'modern' : 'legacy');
  process.exit(0);
} else if (mode === 'stdio' || mode === 'baseline' || mode === 'baseline-worker') {
  await profileServer(mode, Number(a ?? 5000), b ?? 'add');
  process.exit(0);
} else {
  process.stderr.write('usage: profile.js stdio|baseline|baseline-worker [calls] [tool] | http tapedeck|baseline|baseline-worker [seconds] [c] [legacy|modern] | summary FILE [top]\n');
  process.exit(2);
}
