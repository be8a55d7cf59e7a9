#!/usr/bin/env node
// The security suites at full size: 10,000 fuzz messages per transport
// (stdio and streamable HTTP), 200 SIGKILLs for crash consistency, and the
// 10,000-call load run. `npm test` runs the same suites reduced (2,000
// messages, 40 kills). Build first (npm run security:full does).
//   node scripts/security-full.mjs [extra node --test arguments]
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const child = spawn(
  process.execPath,
  ['--test', '--test-concurrency=1', ...process.argv.slice(2), join(root, 'dist/test/security/')],
  { cwd: root, stdio: 'inherit', env: { ...process.env, TAPEDECK_SECURITY_FULL: '1' } },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
