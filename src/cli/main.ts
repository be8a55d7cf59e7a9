/**
 * The `tapedeck` command. Command modules only define commands; everything
 * heavy (the runtime, the MCP server, jco) is imported inside the action that
 * needs it, so `tapedeck --help` and `tapedeck component list` start fast.
 */
import { Command, CommanderError, Option } from 'commander';
import { LOG_LEVELS } from '../config/config.js';
import { registerComponent } from './commands/component.js';
import { registerCompletion } from './commands/completion.js';
import { registerInspect } from './commands/inspect.js';
import { registerManifest } from './commands/manifest.js';
import { registerPermission, registerPolicy } from './commands/policy.js';
import { registerRegistry } from './commands/registry.js';
import { registerRun, registerServe } from './commands/serve.js';
import { registerSecret } from './commands/secret.js';
import { registerTool } from './commands/tool.js';
import { debugDetails, ExitCode, exitCodeFor, formatError } from './errors.js';
import { OUTPUT_FORMATS } from './output.js';
import { packageVersion } from './version.js';
import { addDistributionOptions } from './distribution-options.js';

/** Width the help is wrapped at, fixed so the README's CLI reference is the same on every machine. */
export const HELP_WIDTH = 100;

export function buildProgram(): Command {
  const program = new Command('tapedeck');
  program
    .description('Run WebAssembly Components as sandboxed MCP tools (Wassette-compatible)')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .configureHelp({ helpWidth: HELP_WIDTH, sortSubcommands: false })
    .configureOutput({
      // Commander's own errors read "error: …"; tapedeck's read "Error: …".
      outputError: (text, write) => write(text.replace(/^error: /, 'Error: ')),
    })
    .exitOverride()
    .showSuggestionAfterError(true)
    .option('--component-dir <dir>', 'component directory (default: $XDG_DATA_HOME/tapedeck/components; env TAPEDECK_COMPONENT_DIR)')
    .option('--plugin-dir <dir>', "same as --component-dir (Wassette's name)")
    .option('--secrets-dir <dir>', 'secrets directory (default: $XDG_CONFIG_HOME/tapedeck/secrets; env TAPEDECK_SECRETS_DIR)')
    .option('--config <file>', 'config file (default: $XDG_CONFIG_HOME/tapedeck/config.toml; env TAPEDECK_CONFIG_FILE)')
    .addOption(
      new Option('-o, --output-format <format>', 'output format (default: table on a terminal, json otherwise)').choices([...OUTPUT_FORMATS]),
    )
    .addOption(new Option('--log-level <level>', 'log level; logs go to stderr (env TAPEDECK_LOG_LEVEL)').choices([...LOG_LEVELS]));
  addDistributionOptions(program);

  registerServe(program);
  registerRun(program);
  registerComponent(program);
  registerPolicy(program);
  registerPermission(program);
  registerSecret(program);
  registerTool(program);
  registerRegistry(program);
  registerInspect(program);
  registerManifest(program);
  registerCompletion(program);
  const hint = (cmd: Command) => {
    for (const sub of cmd.commands) {
      sub.addHelpText('after', '\nGlobal options (--component-dir, --secrets-dir, --config, -o, --log-level): see tapedeck --help');
      hint(sub);
    }
  };
  hint(program);
  program.addHelpText(
    'after',
    '\nExit codes: 0 ok, 1 failure, 2 invalid usage/config/manifest, 3 not found, 4 the invoked tool returned an error.\n' +
      'Docs: README.md (walkthrough, client setup, permissions guide).',
  );
  return program;
}

/** Runs the CLI and returns the exit code (serve/run return only when the server stops). */
export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every other commander error is a usage error (already printed).
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return ExitCode.ok;
      return ExitCode.usage;
    }
    process.stderr.write(`${formatError(error)}\n`);
    const details = debugDetails(error);
    if (details) process.stderr.write(`${details}\n`);
    return exitCodeFor(error);
  }
}
