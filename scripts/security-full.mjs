#!/usr/bin/env node
// The security suites at full size: 10,000 fuzz messages per transport
// (stdio and streamable HTTP), 200 SIGKILLs for crash consistency, and the
// 10,000-call load run, one file at a time. `npm test` runs the same suites
// reduced (2,000 messages, 40 kills; the load run is full size there too).
// Build first (npm run security:full does).
//   node scripts/security-full.mjs [extra node --test arguments]
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testFiles } from './test-files.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = testFiles(join(root, 'dist/test/security'));
if (files.length === 0) {
  console.error('no security test files under dist/test/security: run npm run build first');
  process.exit(1);
}
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...process.argv.slice(2), ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TAPEDECK_SECURITY_FULL: '1' },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
