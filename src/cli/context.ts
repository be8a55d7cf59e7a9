/**
 * What every command needs: the merged configuration, a logger, the runtime
 * (opened lazily — most of tapedeck is only imported when a command runs),
 * and printing in the chosen output format.
 */
import type { Command } from 'commander';
import type { Logger } from 'pino';
import type { Tapedeck } from '../app/tapedeck.js';
import { loadConfig, type LogLevel, type TapedeckConfig } from '../config/config.js';
import { UsageError } from './errors.js';
import { render, resolveFormat, writeStdout, type Printable } from './output.js';
import { fetchOptionsFrom, type DistributionFlags } from './distribution-options.js';

export interface GlobalOptions extends DistributionFlags {
  componentDir?: string;
  pluginDir?: string;
  secretsDir?: string;
  config?: string;
  outputFormat?: string;
  logLevel?: string;
}

export interface OpenOptions {
  watch?: boolean;
  environment?: Record<string, string>;
  timeoutMs?: number;
  logger?: Logger;
  /** A person watches this command (progress bars on a TTY); false for servers. */
  interactive?: boolean;
}

export class CliContext {
  private configPromise?: Promise<TapedeckConfig>;
  private loggerPromise?: Promise<Logger>;

  constructor(
    readonly command: Command,
    private readonly extra: { bindAddress?: string; defaultLogLevel?: LogLevel } = {},
  ) {}

  get globals(): GlobalOptions {
    return this.command.optsWithGlobals() as GlobalOptions;
  }

  config(): Promise<TapedeckConfig> {
    this.configPromise ??= (async () => {
      const g = this.globals;
      if (g.componentDir && g.pluginDir && g.componentDir !== g.pluginDir) {
        throw new UsageError('--component-dir and --plugin-dir name the same setting; give only one');
      }
      return loadConfig({
        configFile: g.config,
        componentDir: g.componentDir ?? g.pluginDir,
        secretsDir: g.secretsDir,
        bindAddress: this.extra.bindAddress,
        logLevel: g.logLevel,
      });
    })();
    return this.configPromise;
  }

  /**
   * The logger at the configured level. Commands other than serve/run default
   * to `warn` so routine runtime messages do not clutter their output.
   */
  logger(): Promise<Logger> {
    this.loggerPromise ??= (async () => {
      const config = await this.config();
      const level = config.sources.logLevel === 'default' ? (this.extra.defaultLogLevel ?? 'warn') : config.logLevel;
      const { createLogger } = await import('./logger.js');
      return createLogger(level);
    })();
    return this.loggerPromise;
  }

  async openDeck(options: OpenOptions = {}): Promise<Tapedeck> {
    const config = await this.config();
    const logger = options.logger ?? (await this.logger());
    const { Tapedeck } = await import('../app/tapedeck.js');
    return Tapedeck.open({
      componentDir: config.componentDir,
      secretsDir: config.secretsDir,
      environment: options.environment ?? config.environmentVars,
      logger,
      watch: options.watch ?? false,
      timeoutMs: options.timeoutMs,
      fetch: await this.fetchOptions(options.interactive ?? !options.watch),
    });
  }

  /** Options for fetching from registries and HTTPS, from the global flags. */
  fetchOptions(interactive = true) {
    return fetchOptionsFrom(this.globals, { interactive });
  }

  /** Opens the runtime, runs `work`, and always closes it. */
  async withDeck<T>(work: (deck: Tapedeck) => Promise<T>, options: OpenOptions = {}): Promise<T> {
    const deck = await this.openDeck(options);
    try {
      return await work(deck);
    } finally {
      await deck.close();
    }
  }

  async print(out: Printable): Promise<void> {
    const format = resolveFormat(this.globals.outputFormat, Boolean(out.table));
    await writeStdout(await render(out, format));
  }

  /** A note for the human on stderr (stdout stays machine-readable). */
  note(text: string): void {
    process.stderr.write(`${text}\n`);
  }
}

/** Commander's `(value, previous)` collector for repeatable options. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `30s`, `500ms`, `2m` or a number of seconds -> milliseconds. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${option} '${text}': use a duration such as 30s, 500ms or 2m`);
  const n = Number(match[1]);
  const ms = match[2] === 'ms' ? n : match[2] === 'm' ? n * 60_000 : n * 1000;
  if (ms <= 0) throw new UsageError(`${option} '${text}': must be greater than zero`);
  return ms;
}
