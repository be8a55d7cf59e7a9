// Builds one JS example into a component: node --import ./shim-root-preopen.mjs componentize-one.mjs <source.js> <witDir> <world> <out.wasm>
import { componentize } from '@bytecodealliance/componentize-js';
import { writeFile } from 'node:fs/promises';

const [sourcePath, witPath, worldName, out] = process.argv.slice(2);
const { component } = await componentize({ sourcePath, witPath, worldName });
await writeFile(out, component);
