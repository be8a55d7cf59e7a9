#!/usr/bin/env node
// Runs every compiled `*.test.js` under dist/test with Node's test runner
// (optionally only the files whose path contains one of the arguments).
import { spawn } from 'node:child_process';
import { testFiles } from './test-files.mjs';

const filters = process.argv.slice(2);
const files = testFiles('dist/test').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files found under dist/test: run npm run build first');
  process.exit(1);
}
const child = spawn(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
