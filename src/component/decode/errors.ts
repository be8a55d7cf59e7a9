/** Why a binary could not be decoded; `code` lets callers react without parsing the message. */
export type ComponentDecodeErrorCode = 'not-wasm' | 'core-module' | 'malformed' | 'unsupported-version';

export class ComponentDecodeError extends Error {
  override name = 'ComponentDecodeError';
  constructor(
    readonly code: ComponentDecodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** `malformed component: <what> at byte offset N`. */
export function malformed(what: string, offset: number): ComponentDecodeError {
  return new ComponentDecodeError('malformed', `malformed component: ${what} at byte offset ${offset}`);
}
