#!/usr/bin/env node
// Writes the CLI reference (commander's help for every command) between the
// markers in README.md. `--check` only compares and exits 1 when README.md is
// out of date (test/cli/reference.test.ts does the same check in `npm test`).
// Run `npm run build` first: the commands are read from dist/.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = new URL('../dist/src/cli/reference.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('dist/ is missing: run npm run build first\n');
  process.exit(1);
}
const { cliReference, withReference, referenceIn } = await import(entry.href);
const readmePath = `${root}README.md`;
const readme = readFileSync(readmePath, 'utf8');
const reference = cliReference();

if (process.argv.includes('--check')) {
  if (referenceIn(readme) !== reference) {
    process.stderr.write('README.md: the CLI reference is out of date; run: npm run build && node scripts/cli-reference.mjs\n');
    process.exit(1);
  }
  process.stdout.write('README.md: the CLI reference is up to date\n');
} else {
  const next = withReference(readme, reference);
  if (next !== readme) {
    writeFileSync(readmePath, next);
    process.stdout.write('README.md: CLI reference updated\n');
  } else {
    process.stdout.write('README.md: CLI reference already up to date\n');
  }
}
