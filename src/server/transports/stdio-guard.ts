/**
 * The line filter in front of the stdio transport. The SDK's
 * StdioServerTransport drops, without a word, every line that is not valid
 * JSON or not a valid JSON-RPC message (wrong id type, params that are not an
 * object, batches, …), so a client waiting for an answer waits forever. This
 * filter answers those lines with the JSON-RPC error the specification asks
 * for (-32700 parse error, -32600 invalid request; id null unless a valid id
 * could be read), refuses lines longer than the request size limit without
 * buffering them, and passes every valid message through unchanged.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { parseJSONRPCMessage } from '@modelcontextprotocol/server';

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;

function validId(id: unknown): id is string | number {
  return typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id));
}

const BLANK = /^\s*$/;
const PLAIN_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True for the everyday request and notification shapes, which the SDK's
 * schema is certain to accept: a strict subset of valid messages, checked
 * without zod (every stdio call used to be schema-checked twice, here and in
 * the SDK). Anything else (responses, `_meta`, odd ids) goes through the
 * SDK's own `parseJSONRPCMessage`.
 */
export function isPlainJsonRpcMessage(value: unknown): boolean {
  if (!isPlainObject(value) || value.jsonrpc !== '2.0' || typeof value.method !== 'string') return false;
  for (const key in value) if (!PLAIN_KEYS.has(key)) return false;
  if ('id' in value && !validId(value.id)) return false;
  if ('params' in value && (!isPlainObject(value.params) || '_meta' in value.params)) return false;
  return true;
}

export class StdioGuard extends Transform {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;

  /** `reply` writes one serialized JSON-RPC error line to the client. */
  constructor(
    private readonly reply: (line: string) => void,
    private readonly maxLineBytes: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, done: TransformCallback): void {
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
      this.collect(data.subarray(start, nl));
      this.endLine();
      start = nl + 1;
    }
    this.collect(data.subarray(start));
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.size > 0 || this.discarding) this.endLine();
    done();
  }

  private collect(part: Buffer): void {
    if (this.discarding || part.length === 0) return;
    if (this.size + part.length > this.maxLineBytes) {
      this.discarding = true;
      this.parts = [];
      this.size = 0;
      return;
    }
    this.parts.push(part);
    this.size += part.length;
  }

  private endLine(): void {
    if (this.discarding) {
      this.discarding = false;
      this.error(null, INVALID_REQUEST, `Invalid Request: the message is larger than ${this.maxLineBytes} bytes`);
      return;
    }
    // A line that arrived in one chunk (the usual case) is used in place, not copied.
    const line = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    const text = line.toString('utf8').replace(/\r$/, '');
    if (BLANK.test(text)) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.error(null, PARSE_ERROR, 'Parse error: the message is not valid JSON');
      return;
    }
    try {
      if (!isPlainJsonRpcMessage(value)) parseJSONRPCMessage(value);
    } catch {
      const id = value && typeof value === 'object' && !Array.isArray(value) ? (value as { id?: unknown }).id : undefined;
      this.error(
        validId(id) ? id : null,
        INVALID_REQUEST,
        Array.isArray(value)
          ? 'Invalid Request: JSON-RPC batches are not supported; send one message per line'
          : 'Invalid Request: not a valid JSON-RPC 2.0 message (jsonrpc "2.0", a string or integer id, a string method, params an object)',
      );
      return;
    }
    this.push(`${text}\n`);
  }

  private error(id: string | number | null, code: number, message: string): void {
    this.reply(`${JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } })}\n`);
  }
}
