/**
 * Errors raised while fetching, pushing or verifying components. `code` is
 * stable (callers branch on it); `message` says what failed and what to do.
 */
export type DistributionErrorCode =
  | 'invalid-reference'
  | 'invalid-uri'
  | 'insecure-registry'
  | 'auth-failed'
  | 'not-found'
  | 'http-error'
  | 'network-error'
  | 'timeout'
  | 'too-large'
  | 'digest-mismatch'
  | 'invalid-manifest'
  | 'no-wasm-layer'
  | 'no-matching-platform'
  | 'not-wasm'
  | 'redirect'
  | 'signature-verification-failed'
  | 'signing-failed'
  | 'invalid-key'
  | 'aborted';

export class DistributionError extends Error {
  readonly code: DistributionErrorCode;

  constructor(code: DistributionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DistributionError';
    this.code = code;
  }
}

export function isDistributionError(error: unknown): error is DistributionError {
  return error instanceof DistributionError;
}
