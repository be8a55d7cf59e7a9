import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJSONRPCMessage } from '@modelcontextprotocol/server';
import { PassThrough } from 'node:stream';
import { StdioWire, isPlainJsonRpcMessage } from '../../src/server/transports/stdio-wire.js';

function sdkAccepts(value: unknown): boolean {
  try {
    parseJSONRPCMessage(value);
    return true;
  } catch {
    return false;
  }
}

// The fast path skips the SDK's schema only for messages that schema accepts:
// a false positive would reach the SDK transport, which drops it without an answer.
const ids: unknown[] = [1, 0, -5, 'a', '', 1.5, 2 ** 60, null, true, {}, [], undefined];
const methods: unknown[] = ['tools/call', '', 5, null, undefined];
const params: unknown[] = [undefined, {}, { name: 'add', arguments: { a: 1 } }, { _meta: { progressToken: 1 } }, { _meta: 5 }, null, [], 'x', 3];
const versions: unknown[] = ['2.0', '1.0', undefined, 2];
const extras: Record<string, unknown>[] = [{}, { result: {} }, { error: { code: 1, message: 'm' } }, { extra: 1 }, { __proto__x: 1 }];

test('the plain-message fast path accepts only what the SDK schema accepts, and the everyday shapes', () => {
  let fast = 0;
  for (const jsonrpc of versions)
    for (const id of ids)
      for (const method of methods)
        for (const p of params)
          for (const extra of extras) {
            const message: Record<string, unknown> = { ...extra };
            if (jsonrpc !== undefined) message.jsonrpc = jsonrpc;
            if (id !== undefined) message.id = id;
            if (method !== undefined) message.method = method;
            if (p !== undefined) message.params = p;
            // Round-trip through JSON: the guard only ever sees parsed lines.
            const value = JSON.parse(JSON.stringify(message));
            if (isPlainJsonRpcMessage(value)) {
              fast++;
              assert.ok(sdkAccepts(value), `fast path accepted what the SDK refuses: ${JSON.stringify(value)}`);
            }
          }
  assert.ok(fast > 0);
  assert.equal(isPlainJsonRpcMessage({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'add', arguments: { a: 1, b: 2 } } }), true);
  assert.equal(isPlainJsonRpcMessage({ jsonrpc: '2.0', method: 'notifications/initialized' }), true);
  assert.equal(isPlainJsonRpcMessage(JSON.parse('{"jsonrpc":"2.0","id":1,"method":"m","__proto__":{}}')), false);
  assert.equal(isPlainJsonRpcMessage([{ jsonrpc: '2.0', id: 1, method: 'm' }]), false);
});

// ---------------------------------------------------------------- the wire itself

interface Harness {
  wire: StdioWire;
  input: PassThrough;
  /** Messages handed to the server, in order. */
  messages: unknown[];
  /** Lines written to stdout (parsed). */
  written: () => Promise<Array<{ id?: unknown; error?: { code: number; message: string } }>>;
}

async function harness(maxLineBytes = 1024): Promise<Harness> {
  const input = new PassThrough();
  const output = new PassThrough();
  let out = '';
  output.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const wire = new StdioWire(input, output, maxLineBytes);
  const messages: unknown[] = [];
  wire.onmessage = (m) => messages.push(m);
  await wire.start();
  return {
    wire,
    input,
    messages,
    written: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return out
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l));
    },
  };
}

const call = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'add', arguments: { a: 1, b: 2 } } };

test('the wire delivers each line once, parsed, also when it spans chunks or ends in CRLF', async () => {
  const h = await harness();
  const line = JSON.stringify(call);
  h.input.write(`${line}\n${line.slice(0, 10)}`);
  h.input.write(line.slice(10, 30));
  h.input.write(`${line.slice(30)}\r\n\n   \n`);
  h.input.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(h.messages, [call, call, { jsonrpc: '2.0', method: 'notifications/initialized' }]);
  assert.deepEqual(await h.written(), [], 'blank lines are skipped without an answer');
});

test('the wire hands messages outside the fast path to the SDK schema (a response, _meta)', async () => {
  const h = await harness();
  const withMeta = { jsonrpc: '2.0', id: 'x', method: 'tools/call', params: { name: 'add', _meta: { progressToken: 3 } } };
  const response = { jsonrpc: '2.0', id: 4, result: {} };
  h.input.write(`${JSON.stringify(withMeta)}\n${JSON.stringify(response)}\n`);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(h.messages, [withMeta, response]);
});

test('the wire answers what is not JSON-RPC with the error the specification asks for, and keeps reading', async () => {
  const h = await harness();
  h.input.write('{"jsonrpc":"2.0","id":1,\n');
  h.input.write(`${JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: [1] })}\n`);
  h.input.write(`${JSON.stringify([{ jsonrpc: '2.0', id: 6, method: 'ping' }])}\n`);
  h.input.write(`${JSON.stringify({ jsonrpc: '1.0', id: 1.5, method: 'ping' })}\n`);
  h.input.write(`${JSON.stringify(call)}\n`);
  const answers = await h.written();
  assert.deepEqual(
    answers.map((a) => [a.id, a.error?.code]),
    [
      [null, -32700],
      [5, -32600],
      [null, -32600],
      [null, -32600],
    ],
  );
  assert.match(answers[0].error!.message, /Parse error: the message is not valid JSON/);
  assert.match(answers[1].error!.message, /params an object/);
  assert.match(answers[2].error!.message, /batches are not supported; send one message per line/);
  assert.deepEqual(h.messages, [call], 'the valid line after the bad ones still arrives');
});

test('the wire refuses a line over the limit, in one chunk or many, without buffering it', async () => {
  const h = await harness(64);
  const long = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { text: 'x'.repeat(100) } });
  h.input.write(`${long}\n`);
  h.input.write(long.slice(0, 40));
  h.input.write(long.slice(40, 80));
  h.input.write(`${long.slice(80)}\n`);
  const short = { jsonrpc: '2.0', id: 2, method: 'ping' };
  h.input.write(`${JSON.stringify(short)}\n`);
  const answers = await h.written();
  assert.equal(answers.length, 2);
  for (const a of answers) assert.deepEqual(a.error, { code: -32600, message: 'Invalid Request: the message is larger than 64 bytes' });
  assert.deepEqual(h.messages, [short]);
});

test('the wire takes a last line without a newline at the end of input, and leaves closing to the server', async () => {
  const h = await harness();
  let closed = 0;
  h.wire.onclose = () => closed++;
  h.input.end(JSON.stringify(call));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(h.messages, [call]);
  assert.equal(closed, 0, 'stdin ending does not close the wire by itself');
  await h.wire.send({ jsonrpc: '2.0', id: 7, result: { content: [] } });
  assert.deepEqual(await h.written(), [{ jsonrpc: '2.0', id: 7, result: { content: [] } }]);
  await h.wire.close();
  assert.equal(closed, 1);
  await assert.rejects(h.wire.send({ jsonrpc: '2.0', id: 8, result: {} }), /the stdio transport is closed/);
});
