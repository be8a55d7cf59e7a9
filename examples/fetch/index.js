const LIMIT = 64 * 1024;

export async function fetch(url) {
  let response;
  try {
    response = await globalThis.fetch(url);
  } catch (error) {
    throw `fetch ${url} failed: ${error && error.message ? error.message : String(error)}`;
  }
  const text = await response.text();
  const body = text.length > LIMIT ? `${text.slice(0, LIMIT)}\n[truncated]` : text;
  return `${response.status} ${body}`;
}
