/**
 * Output formats for commands that print data: `json` (pretty-printed),
 * `yaml`, and `table` (human-readable). Without `-o`, a command prints a
 * table when stdout is a terminal and it has a table view, JSON otherwise —
 * so scripts and pipes always get JSON.
 */
import { UsageError } from './errors.js';

export const OUTPUT_FORMATS = ['json', 'yaml', 'table'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function resolveFormat(requested: string | undefined, hasTable: boolean, isTty = Boolean(process.stdout.isTTY)): OutputFormat {
  if (requested !== undefined) {
    const lower = requested.toLowerCase();
    if (!(OUTPUT_FORMATS as readonly string[]).includes(lower)) {
      throw new UsageError(`invalid output format '${requested}': use json, yaml or table`);
    }
    return lower as OutputFormat;
  }
  return hasTable && isTty ? 'table' : 'json';
}

export interface Printable {
  /** The structured value printed for json and yaml. */
  data: unknown;
  /** The human view; commands without one print YAML for `-o table`. */
  table?: () => string;
}

export async function render(out: Printable, format: OutputFormat): Promise<string> {
  switch (format) {
    case 'json':
      return `${JSON.stringify(out.data, null, 2)}\n`;
    case 'yaml': {
      const { stringify } = await import('yaml');
      return stringify(out.data, { lineWidth: 0 });
    }
    case 'table': {
      if (out.table) {
        const text = out.table();
        return text === '' || text.endsWith('\n') ? text : `${text}\n`;
      }
      const { stringify } = await import('yaml');
      return stringify(out.data, { lineWidth: 0 });
    }
  }
}

/** Writes to stdout and resolves once the data is handed to the OS (so an exit right after loses nothing). */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

export function writeStderr(text: string): Promise<void> {
  return new Promise((resolve) => {
    process.stderr.write(text, () => resolve());
  });
}

/**
 * A table in Wassette's style:
 *
 *   ID             | Tools | Description
 *   ---------------|-------|------------
 *   time-component | 1     | …
 */
export function renderTable(headers: string[], rows: string[][], options: { empty?: string } = {}): string {
  if (rows.length === 0 && options.empty) return `${options.empty}\n`;
  const cells = rows.map((row) => row.map((cell) => oneLine(cell)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
      .join(' | ')
      .trimEnd();
  const separator = widths.map((w, i) => '-'.repeat(i === 0 || i === widths.length - 1 ? w + 1 : w + 2)).join('|');
  return [line(headers), separator, ...cells.map(line)].join('\n') + '\n';
}

function oneLine(text: string): string {
  return String(text ?? '').replace(/\s*\n\s*/g, ' ');
}

/** Key/value block for single objects: `Key:   value`. */
export function renderPairs(pairs: [string, string | undefined][]): string {
  const present = pairs.filter((p): p is [string, string] => p[1] !== undefined);
  const width = Math.max(0, ...present.map(([k]) => k.length + 1));
  return present.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n') + '\n';
}
