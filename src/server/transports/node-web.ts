/**
 * node:http <-> web-standard Request/Response, for the SDK's fetch-shaped
 * handlers. Bodies are read (and size-limited) before conversion; responses
 * are streamed with backpressure and cancelled when the client goes away.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A web Request for a node request whose body was already read. */
export function toWebRequest(req: IncomingMessage, body: Buffer | undefined, signal: AbortSignal | undefined, host: string): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    try {
      headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    } catch {
      // skip header values the fetch Headers class refuses
    }
  }
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', `http://${host}`);
  const init: RequestInit = { method, headers };
  if (signal) init.signal = signal;
  if (body !== undefined && method !== 'GET' && method !== 'HEAD') init.body = new Uint8Array(body) as Uint8Array<ArrayBuffer>;
  return new Request(url, init);
}

/** An AbortSignal that fires when the client disconnects before the response finished. */
export function disconnectSignal(req: IncomingMessage, res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  req.once('aborted', () => controller.abort());
  return controller.signal;
}

function waitForDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/**
 * Writes a web Response to a node response. Resolves when the body ended (or
 * the client went away). `onStream` is called when a streaming (SSE) body
 * starts, and the function it returns when the stream ends.
 */
export async function sendWebResponse(res: ServerResponse, response: Response, onStream?: () => () => void): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  const streaming = (response.headers.get('content-type') ?? '').includes('text/event-stream');
  if (!response.body || !streaming) {
    // One write for a complete body (JSON answers, errors).
    const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
    if (body) headers['content-length'] = String(body.length);
    res.writeHead(response.status, headers);
    res.end(body);
    return;
  }
  res.writeHead(response.status, headers);
  const ended = onStream?.();
  res.flushHeaders();
  const reader = response.body.getReader();
  const cancel = () => {
    reader.cancel().catch(() => undefined);
  };
  res.once('close', cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) break;
      if (!res.write(value)) await waitForDrain(res);
    }
  } catch {
    // the stream was cancelled or failed: end what we have
  } finally {
    res.off('close', cancel);
    ended?.();
    if (!res.destroyed) res.end();
  }
}

/** A JSON body with the right headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A JSON-RPC error response (id null: it answers no particular request). */
export function sendJsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { jsonrpc: '2.0', id: null, error: { code, message } }, headers);
}
