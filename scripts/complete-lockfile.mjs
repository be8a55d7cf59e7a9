// npm ci refuses a lockfile that lacks entries for optional platform packages
// (e.g. win32 or musl builds of native bindings) even though it would skip
// them on this platform; npm install leaves them out when the registry it
// talks to does not serve them. This adds platform-restricted placeholder
// entries so npm ci accepts the lockfile; they are never downloaded on a
// platform they do not match. Run after any npm install: node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from 'node:fs';
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const pk = lock.packages;
let added = 0;
for (const [path, entry] of Object.entries(pk)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (pk[key]) continue;
    const m = /(android|darwin|freebsd|linux|win32|openharmony|wasm32)-(arm64|arm|x64|ppc64|s390x|wasi|ia32)/.exec(name);
    pk[key] = { version, optional: true, ...(m ? { os: [m[1] === 'wasm32' ? 'none' : m[1]], cpu: [m[2] === 'wasi' ? 'wasm32' : m[2]] } : {}) };
    if (/musl/.test(name)) pk[key].libc = ['musl'];
    added++;
  }
}
writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
console.log('added', added);
