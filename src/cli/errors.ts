/**
 * How the CLI reports failures: one `Error: …` line on stderr and an exit
 * code a script can branch on.
 *
 *   0  success
 *   1  the operation failed (I/O, runtime, network, …)
 *   2  the command line, a config file or a manifest is invalid (usage errors)
 *   3  the named component, tool, secret or catalog entry does not exist
 *   4  `tool invoke`: the tool ran but returned an error, failed in the sandbox or was denied
 *      (arguments that do not match the tool's schema are exit 2)
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  toolError: 4,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error with a chosen exit code. The message is printed after `Error: `. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.failure,
  ) {
    super(message);
  }
}

/** Invalid arguments or options (exit code 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** The thing named on the command line does not exist (exit code 3). */
export class NotFoundError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.notFound);
  }
}

/** Exit code for an error thrown anywhere below the CLI. Matches on names, so runtime modules stay lazily loaded. */
export function exitCodeFor(error: unknown): ExitCodeValue {
  if (error instanceof CliError) return error.exitCode;
  if (!(error instanceof Error)) return ExitCode.failure;
  const code = (error as { code?: unknown }).code;
  const names = new Set([error.constructor?.name, error.name]);
  for (const name of names) {
    const exit = exitCodeForName(name, code);
    if (exit !== undefined) return exit;
  }
  if (/^invalid component id /.test(error.message)) return ExitCode.usage;
  return ExitCode.failure;
}

function exitCodeForName(name: string | undefined, code: unknown): ExitCodeValue | undefined {
  switch (name) {
    case 'ComponentNotFoundError':
    case 'ToolNotFoundError':
      return ExitCode.notFound;
    case 'ConfigError':
    case 'ManifestError':
    case 'PolicyError':
    case 'PolicyValidationError':
    case 'SecretError':
    case 'ToolNameConflictError':
    case 'ComponentDecodeError':
      return ExitCode.usage;
    case 'SourceError':
      if (code === 'not-found') return ExitCode.notFound;
      if (code === 'unsupported-scheme' || code === 'invalid-uri' || code === 'not-a-file') return ExitCode.usage;
      return ExitCode.failure;
  }
  return undefined;
}

/** The one line printed for an error: `Error: <message>` (never doubled). */
export function formatError(error: unknown): string {
  let message: string;
  if (error instanceof Error) message = error.message;
  else message = String(error);
  message = message.trim();
  if (/^error: /i.test(message)) message = message.slice('error: '.length);
  // Lower-case sentence starts read oddly after "Error: " only for some messages; keep them verbatim.
  return `Error: ${message}`;
}

/** When TAPEDECK_DEBUG is set, the stack is printed too. */
export function debugDetails(error: unknown): string | undefined {
  if (!process.env.TAPEDECK_DEBUG) return undefined;
  return error instanceof Error ? error.stack : undefined;
}
