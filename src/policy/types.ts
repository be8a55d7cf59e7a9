/**
 * The policy document: Wassette's `policy.yaml` format (policy-mcp v1).
 *
 * ```yaml
 * version: "1.0"                      # required, a string starting with "1."
 * description: "…"                    # optional
 * permissions:
 *   storage:
 *     allow: [{uri: "fs:///abs/dir", access: [read, write]}]
 *   network:
 *     allow: [{host: "api.example.com"}, {host: "*.example.com"}, {cidr: "10.0.0.0/8"}]
 *   environment:
 *     allow: [{key: API_KEY}]
 *   resources:
 *     limits: {memory: "512Mi", cpu: "500m"}
 * ```
 *
 * What tapedeck enforces and what it only preserves:
 * - enforced: `storage.allow` (mounts, see storage.ts), `network.allow`
 *   (see network.ts), `environment.allow`, `resources.limits.memory` (or the
 *   legacy `resources.memory`, in MiB), and the tapedeck extension
 *   `resources.limits.timeout`.
 * - validated and preserved but NOT enforced (as in Wassette): every `deny`
 *   list, `resources.limits.cpu`, `resources.cpu`, `resources.io`.
 * - accepted and preserved unvalidated, NOT enforced: `runtime` (docker /
 *   hyperlight settings) and `ipc` (validated for shape only).
 *
 * Unknown keys anywhere in the known structure are an error, so a typo such
 * as `acess:` cannot silently drop a permission.
 */

export type AccessType = 'read' | 'write';

export interface StoragePermission {
  /** `fs:///absolute/path` or `fs://relative/path` (relative to the component directory). */
  uri: string;
  access: AccessType[];
}

export interface NetworkHostPermission {
  /** `api.example.com`, `*.example.com`, `api.example.com:8443`, `https://api.example.com`, `10.0.0.1`, `[::1]:8080` or `*`. */
  host: string;
}

export interface NetworkCidrPermission {
  /** `10.0.0.0/8`, `fd00::/8`. */
  cidr: string;
}

export type NetworkPermission = NetworkHostPermission | NetworkCidrPermission;

export interface EnvironmentPermission {
  key: string;
}

export interface IpcPermission {
  uri: string;
}

export interface PermissionList<T> {
  allow?: T[];
  /** Validated and preserved, never enforced (Wassette ignores deny lists too). */
  deny?: T[];
}

export interface ResourceLimitValues {
  /** Cores as a number (`0.5`) or millicores (`"500m"`). Not enforced. */
  cpu?: string | number;
  /**
   * `"512Mi"`-style string (Ki/Mi/Gi/Ti binary, k/K/M/G/T decimal; a string
   * of digits is bytes) or a bare YAML number of MiB. See memory.ts.
   */
  memory?: string | number;
  /** tapedeck extension: per-call timeout, seconds as a number or `"30s"`, `"500ms"`, `"2m"`. */
  timeout?: string | number;
}

export interface ResourceLimits {
  limits?: ResourceLimitValues;
  /** Legacy: CPU percentage. Not enforced. */
  cpu?: number;
  /** Legacy: memory in MiB; used when `limits.memory` is absent. */
  memory?: number;
  /** Legacy: IO limit. Not enforced. */
  io?: number;
}

export interface Permissions {
  storage?: PermissionList<StoragePermission>;
  network?: PermissionList<NetworkPermission>;
  /** Allow-only: there is no environment deny list. */
  environment?: { allow?: EnvironmentPermission[] };
  resources?: ResourceLimits;
  /** Preserved as written; not enforced. */
  runtime?: Record<string, unknown>;
  /** Preserved; not enforced. */
  ipc?: PermissionList<IpcPermission>;
}

export interface Policy {
  $schema?: string;
  /** A string starting with "1." (e.g. "1.0"). */
  version: string;
  description?: string;
  permissions: Permissions;
}

export function isHostPermission(entry: NetworkPermission): entry is NetworkHostPermission {
  return typeof (entry as NetworkHostPermission).host === 'string';
}

export function isCidrPermission(entry: NetworkPermission): entry is NetworkCidrPermission {
  return typeof (entry as NetworkCidrPermission).cidr === 'string';
}
