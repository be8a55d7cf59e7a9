import { parse, componentWit } from '@bytecodealliance/jco-transpile/wasm-tools';
import { readFileSync, writeFileSync } from 'node:fs';
const b = await parse(readFileSync(process.argv[2], 'utf8'));
writeFileSync('/tmp/fixture.wasm', b);
try { console.log(await componentWit(b)); } catch (e) { console.log('wit err', e.message ?? e); }
