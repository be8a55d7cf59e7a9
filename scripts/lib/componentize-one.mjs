// Builds one JS example into a component, in its own process (run with
// `node --import ./shim-root-preopen.mjs componentize-one.mjs <source.js> <witDir> <world> <out.wasm>`).
import { componentize } from '@bytecodealliance/componentize-js';
import { writeFile } from 'node:fs/promises';

const [sourcePath, witPath, worldName, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: componentize-one.mjs <source.js> <witDir> <world> <out.wasm>');
  process.exit(2);
}
try {
  const { component } = await componentize({ sourcePath, witPath, worldName });
  await writeFile(out, component);
} catch (error) {
  console.error(error?.stack ?? String(error));
  process.exit(1);
}
