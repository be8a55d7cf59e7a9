/**
 * MCP tool names for exported WIT functions.
 *
 * - A world-level function keeps its WIT name: `get-current-time`.
 * - An interface function becomes `<namespace>_<package>_<interface>_<function>` with the
 *   version dropped and every character outside `[A-Za-z0-9_]` replaced by `_`:
 *   `example:weather/weather-api@0.1.0` + `get-weather` -> `example_weather_weather_api_get_weather`.
 * - Names longer than 128 characters are cut and suffixed with `_` + the first 8 hex digits of
 *   the sha256 of the full name, so they stay unique, deterministic and within MCP's limit.
 *
 * Pure: no I/O (node:crypto is only used for hashing).
 */
import { createHash } from 'node:crypto';
import type { ExportedFunction } from './wit-types.js';

/** Longest tool name MCP clients accept. */
export const MAX_TOOL_NAME_LENGTH = 128;

const VALID_TOOL_NAME = /^[A-Za-z0-9_-]{1,128}$/;

/** True when `name` matches `^[A-Za-z0-9_-]{1,128}$` (what MCP clients and Wassette accept). */
export function isValidToolName(name: string): boolean {
  return typeof name === 'string' && VALID_TOOL_NAME.test(name);
}

/** The MCP tool name of an exported function (see the module comment for the rules). */
export function toolName(fn: ExportedFunction): string {
  const full = fn.interface === undefined
    ? sanitise(fn.name, /[^A-Za-z0-9_-]/g)
    : sanitise(`${stripVersion(fn.interface)}_${fn.name}`, /[^A-Za-z0-9_]/g);
  return limitLength(full.length > 0 ? full : '_');
}

/** `ns:pkg/iface@1.2.3` -> `ns:pkg/iface`. */
function stripVersion(interfaceName: string): string {
  const at = interfaceName.indexOf('@');
  return at === -1 ? interfaceName : interfaceName.slice(0, at);
}

function sanitise(name: string, invalid: RegExp): string {
  return name.replace(invalid, '_');
}

function limitLength(name: string): string {
  if (name.length <= MAX_TOOL_NAME_LENGTH) return name;
  const digest = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_TOOL_NAME_LENGTH - digest.length - 1)}_${digest}`;
}
