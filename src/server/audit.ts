/**
 * The audit trail: one structured record per tool call at info level. It
 * names who called what and how it ended, never the argument values (they may
 * hold secrets); those are logged separately at debug level only.
 */
import type { Logger } from 'pino';
import type { Denial } from '../app/types.js';

export interface CallerInfo {
  transport: 'stdio' | 'streamable-http' | 'sse';
  /** Authenticated principal: the JWT subject/client, `bearer-token` for the static token. */
  principal?: string;
  /** Remote address (HTTP only). */
  client?: string;
  /** MCP session id (stateful transports). */
  session?: string;
}

export interface AuditRecord {
  caller: CallerInfo;
  component: string;
  tool: string;
  durationMs: number;
  /** ok, guest-error, trap, timeout, … (see metrics). */
  outcome: string;
  isError: boolean;
  denials: Denial[];
}

/** Keeps at most this many denial entries in one record. */
const MAX_DENIALS = 20;

export class Audit {
  constructor(private readonly logger: Logger) {}

  toolCall(record: AuditRecord): void {
    const { caller } = record;
    this.logger.info(
      {
        event: 'tool-call',
        transport: caller.transport,
        ...(caller.principal !== undefined && { principal: caller.principal }),
        ...(caller.client !== undefined && { client: caller.client }),
        ...(caller.session !== undefined && { session: caller.session }),
        component: record.component,
        tool: record.tool,
        durationMs: Math.round(record.durationMs * 1000) / 1000,
        outcome: record.outcome,
        isError: record.isError,
        denials: record.denials.slice(0, MAX_DENIALS).map((d) => ({ kind: d.kind, target: d.target })),
        ...(record.denials.length > MAX_DENIALS && { denialsOmitted: record.denials.length - MAX_DENIALS }),
      },
      'tool call',
    );
  }

  /** Argument values, at debug level only (they may contain secrets). */
  toolArguments(caller: CallerInfo, tool: string, args: unknown): void {
    if (!this.logger.isLevelEnabled('debug')) return;
    this.logger.debug({ event: 'tool-call-arguments', transport: caller.transport, session: caller.session, tool, arguments: args }, 'tool call arguments');
  }
}
