// The compiled test files (`*.test.js`) below a directory, sorted. Node 20's
// `node --test <dir>` would also execute helper modules and test fixtures
// (e.g. stdio servers) as if they were tests; naming the files avoids that.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return testFiles(path);
      return entry.name.endsWith('.test.js') ? [path] : [];
    })
    .sort();
}
