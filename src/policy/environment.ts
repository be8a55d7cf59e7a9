/**
 * Environment variables: a component sees only the keys its policy allows
 * (`permissions.environment.allow[].key`, exact and case-sensitive) and only
 * when the server has a value for them. There is no wildcard.
 */
import type { Policy } from './types.js';

/** Why an environment variable name is invalid, or undefined. */
export function envKeyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return 'must be a string such as "API_KEY"';
  if (key === '') return 'must not be empty (e.g. "API_KEY")';
  if (key.includes('*')) return 'wildcards are not allowed in environment variable names; list each variable (e.g. key: "API_KEY")';
  if (key.includes('=')) return 'must not contain "="; give only the name (e.g. "API_KEY"): the value comes from the server environment or the component secrets';
  if (/[\s\u0000-\u001f\u007f]/u.test(key)) return 'must not contain whitespace or control characters';
  return undefined;
}

/** The variables from `available` that `policy` lets the component see. */
export function allowedEnvironment(policy: Policy | undefined, available: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  const allow: unknown = policy?.permissions?.environment?.allow;
  if (!Array.isArray(allow)) return result;
  for (const entry of allow) {
    const key = (entry as { key?: unknown } | null)?.key;
    if (typeof key !== 'string' || envKeyProblem(key)) continue;
    if (!Object.prototype.hasOwnProperty.call(available, key)) continue;
    const value = available[key];
    if (typeof value !== 'string') continue;
    Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return result;
}
