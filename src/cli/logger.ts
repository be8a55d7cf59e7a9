/**
 * Logs go to stderr, never stdout (stdout carries the MCP stdio transport and
 * command output). JSON lines by default; one readable line per entry when
 * stderr is a terminal (unless TAPEDECK_LOG_FORMAT=json).
 */
import type { Logger } from 'pino';
import type { LogLevel } from '../config/config.js';

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name']);

/** Formats one pino JSON line for a human. Exported for tests. */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 19) : '';
  const level = (LEVEL_NAMES[entry.level as number] ?? String(entry.level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  return `${time} ${level} ${String(entry.msg ?? '')}${fields.length ? `  ${fields.join(' ')}` : ''}\n`;
}

export async function createLogger(level: LogLevel, options: { pretty?: boolean } = {}): Promise<Logger> {
  const { pino } = await import('pino');
  const pretty = options.pretty ?? (Boolean(process.stderr.isTTY) && process.env.TAPEDECK_LOG_FORMAT !== 'json');
  const base = { name: 'tapedeck' };
  if (pretty) {
    const stream = { write: (line: string) => void process.stderr.write(prettyLine(line)) };
    return pino({ level, base }, stream);
  }
  return pino({ level, base }, pino.destination({ dest: 2, sync: true }));
}
