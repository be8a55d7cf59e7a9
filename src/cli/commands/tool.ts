/** `tapedeck tool list|read|invoke`: the tools of the loaded components, called in-process. */
import type { Command } from 'commander';
import type { ToolCallOutcome, ToolDefinition } from '../../app/types.js';
import { componentEnvironment } from '../../config/config.js';
import { CliContext, collect, parseDuration } from '../context.js';
import { ExitCode, NotFoundError, UsageError } from '../errors.js';
import { renderPairs, renderTable } from '../output.js';

export function parseArgsJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`invalid --args: not valid JSON (${(error as Error).message}); give an object such as --args '{"city":"Paris"}'`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`invalid --args: the arguments must be a JSON object keyed by parameter name, such as '{"city":"Paris"}'`);
  }
  return value as Record<string, unknown>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The MCP `tools/call` result shape. */
export function callResult(outcome: ToolCallOutcome): Record<string, unknown> {
  const result: Record<string, unknown> = { content: [{ type: 'text', text: outcome.text }], isError: outcome.isError };
  if (outcome.structured) result.structuredContent = outcome.structured;
  if (outcome.denials.length > 0) result.denials = outcome.denials;
  return result;
}

export function registerTool(program: Command): void {
  const tool = program.command('tool').description('List, describe and call the tools of the loaded components');

  tool
    .command('list')
    .description('List every tool with the component that provides it')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const components = await ctx.withDeck(async (deck) => deck.listComponents());
      const tools = components.flatMap((c) => c.tools.map((t) => ({ ...t, component_id: c.id })));
      tools.sort((a, b) => a.name.localeCompare(b.name));
      await ctx.print({
        data: { tools, total: tools.length },
        table: () =>
          renderTable(
            ['Name', 'Component', 'Description'],
            tools.map((t) => [t.name, t.component_id, t.description]),
            { empty: 'No tools: no component is loaded. Load one with: tapedeck component load <uri>' },
          ),
      });
    });

  tool
    .command('read')
    .description("Show a tool's description and its input and output JSON schemas")
    .argument('<name>', 'tool name (see: tapedeck tool list)')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const found = await ctx.withDeck(async (deck) => {
        for (const c of deck.listComponents()) {
          const t = c.tools.find((x) => x.name === name);
          if (t) return { tool: t, componentId: c.id };
        }
        return undefined;
      });
      if (!found) throw new NotFoundError(`Tool '${name}' not found. List the available tools with: tapedeck tool list`);
      const t: ToolDefinition = found.tool;
      await ctx.print({
        data: { ...t, component_id: found.componentId },
        table: () =>
          renderPairs([
            ['Name', t.name],
            ['Component', found.componentId],
            ['Description', t.description],
          ]) +
          `Input schema:\n${indent(JSON.stringify(t.inputSchema, null, 2))}\nOutput schema:\n${indent(JSON.stringify(t.outputSchema, null, 2))}\n`,
      });
    });

  tool
    .command('invoke')
    .description('Call a tool in the sandbox, with the permissions its component has been granted')
    .argument('<name>', 'tool name')
    .option('--args <json>', "arguments as a JSON object, e.g. '{\"city\":\"Paris\"}' ('-' reads it from stdin)", '{}')
    .option('--env <KEY=VALUE>', 'a value the component may be granted (repeatable; KEY alone passes it through)', collect)
    .option('--env-file <file>', 'read KEY=VALUE lines from a file (repeatable)', collect)
    .option('--timeout <duration>', 'call timeout when the policy sets none, e.g. 30s')
    .action(async (name: string, opts: { args: string; env?: string[]; envFile?: string[]; timeout?: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const args = parseArgsJson(opts.args === '-' ? await readStdin() : opts.args);
      const timeoutMs = opts.timeout === undefined ? undefined : parseDuration(opts.timeout, '--timeout');
      const config = await ctx.config();
      const environment = await componentEnvironment(config, { env: opts.env, envFile: opts.envFile });
      for (const key of environment.missing) ctx.note(`warning: --env ${key}: ${key} is not set in tapedeck's environment; nothing is passed`);
      const outcome = await ctx.withDeck((deck) => deck.callTool(name, args), { environment: environment.values, timeoutMs });
      for (const denial of outcome.denials) {
        ctx.note(denial.message.includes(denial.grant) ? `denied: ${denial.message}` : `denied: ${denial.message}\n  grant it with: ${denial.grant}`);
      }
      await ctx.print({
        data: callResult(outcome),
        table: () => (outcome.isError ? '' : okText(outcome)),
      });
      if (outcome.isError) {
        const text = errorText(outcome);
        if (text) ctx.note(text.startsWith('Error: ') ? text : `Error: ${text}`);
        process.exitCode = outcome.failure === 'invalid-arguments' ? ExitCode.usage : ExitCode.toolError;
      }
    });
}

/** The value to show a person: a WIT `ok` payload unwrapped (`{"ok":"x"}` -> `x`). */
function okText(outcome: ToolCallOutcome): string {
  const result = outcome.structured?.result as { ok?: unknown } | undefined;
  if (result && typeof result === 'object' && Object.keys(result).length === 1 && 'ok' in result) {
    return typeof result.ok === 'string' ? result.ok : JSON.stringify(result.ok, null, 2);
  }
  return outcome.text;
}

/** The error to show a person: a WIT `err` payload unwrapped (`{"err":"x"}` -> `x`). */
function errorText(outcome: ToolCallOutcome): string {
  const result = outcome.structured?.result as { err?: unknown } | undefined;
  if (result && typeof result === 'object' && Object.keys(result).length === 1 && 'err' in result) {
    return typeof result.err === 'string' ? result.err : JSON.stringify(result.err);
  }
  return outcome.text;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
