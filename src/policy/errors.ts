/**
 * The one error type of the policy package.
 *
 * Its message is meant to be shown to a person as is, so it always says
 * where (file and line when there is one, then the field path) and how to fix
 * it:
 *
 *   policy.yaml:7: permissions.network.allow[1].host: a wildcard is only allowed as a leading "*." (e.g. "*.example.com")
 */
export interface PolicyErrorLocation {
  /** File name or a description of where the text came from. */
  source?: string;
  /** 1-based line in `source`. */
  line?: number;
  /** 1-based column; only given for YAML syntax errors. */
  column?: number;
  /** Field path, e.g. `permissions.network.allow[1].host`. */
  path?: string;
}

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  /** The message without the location prefix. */
  readonly reason: string;
  readonly source?: string;
  readonly line?: number;
  readonly column?: number;
  readonly path?: string;

  constructor(reason: string, where: PolicyErrorLocation = {}) {
    super(formatMessage(reason, where));
    this.reason = reason;
    this.source = where.source;
    this.line = where.line;
    this.column = where.column;
    this.path = where.path;
  }
}

function formatMessage(reason: string, where: PolicyErrorLocation): string {
  let prefix = '';
  if (where.source !== undefined) {
    prefix = where.source;
    if (where.line !== undefined) {
      prefix += `:${where.line}`;
      if (where.column !== undefined) prefix += `:${where.column}`;
    }
    prefix += ': ';
  }
  if (where.path) prefix += `${where.path}: `;
  return prefix + reason;
}

/** `["permissions", "network", "allow", 1, "host"]` → `permissions.network.allow[1].host`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}
