// Uses the engine's global fetch() (StarlingMonkey implements it over
// wasi:http/outgoing-handler). The host decides which hosts are reachable;
// StarlingMonkey reports every host-side failure as the same generic error.
const LIMIT = 64 * 1024;

function truncate(text) {
  return text.length > LIMIT ? `${text.slice(0, LIMIT)}\n[truncated]` : text;
}

function failure(url, error) {
  return `fetch ${url} failed: ${error && error.message ? error.message : String(error)}`;
}

export async function fetch(url) {
  let response;
  let text;
  try {
    response = await globalThis.fetch(url);
    text = await response.text();
  } catch (error) {
    throw failure(url, error);
  }
  return `${response.status} ${truncate(text)}`;
}

export async function fetchWithOptions(url, method, headers, body) {
  try {
    const init = { method: method || 'GET', headers: new Headers(headers) };
    if (body !== undefined) init.body = body;
    const response = await globalThis.fetch(url, init);
    const text = await response.text();
    return { status: response.status, headers: [...response.headers], body: truncate(text) };
  } catch (error) {
    throw failure(url, error);
  }
}
