import { exit as wasiExit } from 'wasi:cli/exit@0.2.12';
import { getStdin } from 'wasi:cli/stdin@0.2.12';

export function print(text) {
  console.log(text);
  console.error(text);
}

export function readStdin() {
  const stream = getStdin();
  try {
    return new TextDecoder().decode(stream.blockingRead(65536n));
  } catch {
    return '';
  }
}

export function exit(code) {
  wasiExit(code === 0 ? { tag: 'ok' } : { tag: 'err' });
}

export function spin() {
  for (;;) {}
}

const kept = [];
export function allocate(mib) {
  for (let i = 0; i < mib; i++) kept.push(new Uint8Array(1024 * 1024).fill(i & 0xff));
  return kept.length;
}

export function bigResult(length) {
  return 'x'.repeat(length);
}
