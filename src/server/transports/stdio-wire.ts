/**
 * The stdio wire: newline-delimited JSON-RPC on stdin/stdout, as an SDK
 * `Transport` that `serveStdio` drives. It replaces the SDK's
 * StdioServerTransport for two reasons:
 *
 * - The SDK's transport drops, without a word, every line that is not valid
 *   JSON or not a valid JSON-RPC message (wrong id type, params that are not
 *   an object, batches, …), so a client waiting for an answer waits forever.
 *   This one answers those lines with the JSON-RPC error the specification
 *   asks for (-32700 parse error, -32600 invalid request; id null unless a
 *   valid id could be read) and refuses lines longer than the message size
 *   limit without buffering them.
 * - Each line is parsed once. (It used to be a line filter in front of the
 *   SDK's transport: every message was parsed twice and schema-checked twice.)
 *   Everyday request and notification shapes skip the SDK's envelope schema
 *   (see `isPlainJsonRpcMessage`); anything else goes through it.
 *
 * Unlike the SDK's transport it does not close itself when stdin ends: the
 * stdio server decides (it lets calls already running answer first).
 */
import type { Readable, Writable } from 'node:stream';
import { parseJSONRPCMessage, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/server';

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
const BLANK = /^\s*$/;
const PLAIN_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);

function validId(id: unknown): id is string | number {
  return typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True for the everyday request and notification shapes, which the SDK's
 * schema is certain to accept unchanged: a strict subset of valid messages,
 * checked without zod. Anything else (responses, `_meta`, odd ids) goes
 * through the SDK's own `parseJSONRPCMessage`.
 */
export function isPlainJsonRpcMessage(value: unknown): boolean {
  if (!isPlainObject(value) || value.jsonrpc !== '2.0' || typeof value.method !== 'string') return false;
  for (const key in value) if (!PLAIN_KEYS.has(key)) return false;
  if ('id' in value && !validId(value.id)) return false;
  if ('params' in value && (!isPlainObject(value.params) || '_meta' in value.params)) return false;
  return true;
}

export class StdioWire implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  /** The start of the current line, when it spans chunks. */
  private parts: Buffer[] = [];
  private size = 0;
  /** Skipping the rest of a line that is over the limit. */
  private discarding = false;
  private started = false;
  private closed = false;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly maxLineBytes: number,
  ) {}

  async start(): Promise<void> {
    if (this.started) throw new Error('StdioWire already started');
    this.started = true;
    this.input.on('data', this.onData);
    this.input.on('end', this.onEnd);
    this.input.on('error', this.onInputError);
    this.output.on('error', this.onOutputError);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.off('error', this.onInputError);
    // Keeps swallowing late write errors (EPIPE after the client left).
    this.output.off('error', this.onOutputError);
    this.output.on('error', () => undefined);
    this.parts = [];
    this.size = 0;
    this.onclose?.();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the stdio transport is closed'));
    return this.write(`${JSON.stringify(message)}\n`);
  }

  private write(line: string): Promise<void> {
    // Resolved at once unless stdout is backed up, then on 'drain' (as the SDK's transport does).
    if (this.output.write(line)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        this.output.off('drain', done);
        this.output.off('error', done);
        if (error) reject(error);
        else resolve();
      };
      this.output.once('drain', done);
      this.output.once('error', done);
    });
  }

  private readonly onData = (chunk: Buffer | string): void => {
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (let nl = data.indexOf(NEWLINE); nl >= 0 && !this.closed; nl = data.indexOf(NEWLINE, start)) {
      if (this.size === 0 && !this.discarding) this.line(data, start, nl);
      else {
        this.collect(data.subarray(start, nl));
        this.endSplitLine();
      }
      start = nl + 1;
    }
    if (start < data.length && !this.closed) this.collect(data.subarray(start));
  };

  /** A final line without a newline counts when the input ends. */
  private readonly onEnd = (): void => {
    if (this.size > 0 || this.discarding) this.endSplitLine();
  };

  private readonly onInputError = (error: Error): void => this.onerror?.(error);

  private readonly onOutputError = (error: Error): void => {
    if (this.closed) return;
    this.onerror?.(error);
    void this.close();
  };

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

  private endSplitLine(): void {
    if (this.discarding) {
      this.discarding = false;
      this.rejectTooLarge();
      return;
    }
    const line = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    this.line(line, 0, line.length);
  }

  /** One complete line: bytes [start, end) of `data`, without the newline. */
  private line(data: Buffer, start: number, end: number): void {
    if (end - start > this.maxLineBytes) {
      this.rejectTooLarge();
      return;
    }
    if (end > start && data[end - 1] === CARRIAGE_RETURN) end--;
    const text = data.toString('utf8', start, end);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      if (!BLANK.test(text)) this.reject(null, PARSE_ERROR, 'Parse error: the message is not valid JSON');
      return;
    }
    let message: JSONRPCMessage;
    try {
      message = isPlainJsonRpcMessage(value) ? (value as JSONRPCMessage) : parseJSONRPCMessage(value);
    } catch {
      const id = isPlainObject(value) ? value.id : undefined;
      this.reject(
        validId(id) ? id : null,
        INVALID_REQUEST,
        Array.isArray(value)
          ? 'Invalid Request: JSON-RPC batches are not supported; send one message per line'
          : 'Invalid Request: not a valid JSON-RPC 2.0 message (jsonrpc "2.0", a string or integer id, a string method, params an object)',
      );
      return;
    }
    try {
      this.onmessage?.(message);
    } catch (error) {
      this.onerror?.(error as Error);
    }
  }

  private rejectTooLarge(): void {
    this.reject(null, INVALID_REQUEST, `Invalid Request: the message is larger than ${this.maxLineBytes} bytes`);
  }

  private reject(id: string | number | null, code: number, message: string): void {
    if (this.closed) return;
    this.write(`${JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } })}\n`).catch(() => undefined);
  }
}
