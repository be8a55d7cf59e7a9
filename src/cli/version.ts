import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The version in package.json (found from dist/src/cli/ or src/cli/). */
export function packageVersion(): string {
  if (cached) return cached;
  for (const relative of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tapedeck' && pkg.version) return (cached = pkg.version);
    } catch {
      /* try the next location */
    }
  }
  return (cached = '0.0.0');
}
