/**
 * Runs jco's transpiler off the main thread: transpiling a JS-engine
 * component takes seconds of synchronous work, which would otherwise stall
 * every other MCP request the server is answering.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { transpileBytes } from '@bytecodealliance/jco-transpile';

const { bytes } = workerData as { bytes: Uint8Array };
try {
  const result = await transpileBytes(bytes, {
    name: 'component',
    instantiation: 'async',
    // Keep core modules as separate files so the host can cap their memory and compile them once.
    base64Cutoff: 0,
    noComponentErrorWrapping: false,
    emitTypescriptDeclarations: false,
  } as Parameters<typeof transpileBytes>[1]);
  parentPort!.postMessage({ ok: true, files: result.files });
} catch (error) {
  parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
}
