import { getEnvironment } from 'wasi:cli/environment@0.2.12';

export function getEnv(key) {
  const found = getEnvironment().find(([k]) => k === key);
  return found ? found[1] : undefined;
}

export function listEnv() {
  return getEnvironment();
}
