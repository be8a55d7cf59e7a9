/**
 * Memory sizes.
 *
 * `resources.limits.memory` follows Wassette's rule:
 * - a string with a binary suffix: `Ki`, `Mi`, `Gi`, `Ti` (×1024ⁿ), e.g. "512Mi";
 * - a string with a decimal suffix: `k`/`K`, `M`, `G`, `T` (×1000ⁿ), e.g. "500M"
 *   (a tapedeck addition, as in Kubernetes quantities);
 * - a string of digits with no suffix: BYTES, e.g. "1048576";
 * - a bare YAML number: MiB (Wassette calls it "MB" and multiplies by
 *   1024×1024), e.g. `memory: 512` is 512 MiB.
 * A fractional number is allowed with a suffix ("1.5Gi") if it comes to whole
 * bytes. Zero and negative sizes are errors.
 *
 * The legacy `resources.memory` field is a whole number of MiB.
 */
import { PolicyError } from './errors.js';
import type { Policy } from './types.js';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

const MULTIPLIERS: Record<string, number> = {
  '': 1,
  Ki: KiB,
  Mi: MiB,
  Gi: GiB,
  Ti: TiB,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
};

const EXAMPLE = 'e.g. "512Mi" or "1Gi"';

/** Why `value` is not a memory size, or undefined when it is one. */
export function memoryProblem(value: unknown): string | undefined {
  try {
    parseMemory(value as string | number);
    return undefined;
  } catch (error) {
    return (error as PolicyError).reason;
  }
}

/** Bytes for a memory size (see the rules above). Throws PolicyError with a fix hint. */
export function parseMemory(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || !Number.isInteger(value) || value <= 0) {
      throw new PolicyError(`a number here means MiB and must be a whole number greater than 0; write a size with a unit instead (${EXAMPLE})`);
    }
    const bytes = value * MiB;
    if (!Number.isSafeInteger(bytes)) throw new PolicyError(`${value} MiB is too large`);
    return bytes;
  }
  if (typeof value !== 'string') throw new PolicyError(`must be a size such as "512Mi" (${EXAMPLE})`);
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/.exec(value);
  if (!match) {
    const unit = /^\s*\d+(?:\.\d+)?\s*([A-Za-z]+)\s*$/.exec(value)?.[1];
    if (unit) {
      return fail(`"${value}": unknown unit "${unit}"; use Ki, Mi, Gi or Ti (powers of 1024) or K, M, G, T (powers of 1000), ${EXAMPLE}`);
    }
    return fail(`"${value}" is not a memory size; write a number with a unit (${EXAMPLE}); digits alone mean bytes`);
  }
  const [, amountText, suffix = ''] = match;
  if (suffix === '' && amountText.includes('.')) return fail(`"${value}": a size without a unit is in bytes and must be a whole number`);
  // Exact arithmetic: "1.5Gi" is 15 × 1024³ / 10.
  const [whole, fraction = ''] = amountText.split('.');
  const scaled = BigInt(whole + fraction) * BigInt(MULTIPLIERS[suffix]);
  const divisor = 10n ** BigInt(fraction.length);
  if (scaled % divisor !== 0n) return fail(`"${value}" is not a whole number of bytes`);
  const big = scaled / divisor;
  if (big <= 0n) return fail(`"${value}": the size must be greater than 0 (${EXAMPLE})`);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) return fail(`"${value}" is too large`);
  const bytes = Number(big);
  return bytes;
}

function fail(reason: string): never {
  throw new PolicyError(reason);
}

/**
 * Shortest exact text for `bytes`, in the largest binary unit that divides
 * it: 536870912 → "512Mi", 1536 MiB → "1536Mi", 1000 → "1000" (bytes).
 * `parseMemory(formatMemory(n)) === n` for every positive safe integer n.
 */
export function formatMemory(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes <= 0) return String(bytes);
  for (const [suffix, size] of [
    ['Ti', TiB],
    ['Gi', GiB],
    ['Mi', MiB],
    ['Ki', KiB],
  ] as const) {
    if (bytes % size === 0) return `${bytes / size}${suffix}`;
  }
  return String(bytes);
}

/**
 * The memory limit in bytes for a component.
 *
 * The policy's limit IS the grant: `resources.limits.memory` if set, else the
 * legacy `resources.memory` (MiB), and it may be higher than `defaultCap`.
 * `defaultCap` applies only when the policy sets no limit (or there is no
 * policy). Throws PolicyError for a malformed value (parsed policies are
 * already validated, so this only happens for hand-built ones).
 */
export function memoryLimitBytes(policy: Policy | undefined, defaultCap: number): number {
  const resources = policy?.permissions?.resources;
  const limit = resources?.limits?.memory;
  if (limit !== undefined && limit !== null) return parseMemory(limit);
  const legacy = resources?.memory;
  if (legacy !== undefined && legacy !== null) return parseMemory(legacy);
  return defaultCap;
}
