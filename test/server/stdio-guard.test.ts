import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJSONRPCMessage } from '@modelcontextprotocol/server';
import { isPlainJsonRpcMessage } from '../../src/server/transports/stdio-guard.js';

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
