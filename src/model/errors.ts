// The one error type thrown inside Albatross. `code` tells callers what kind of failure it
// is; `isRetryable` (in aws/retry.ts) decides retry versus give up for AWS, and `failureOf`
// (pipeline/failure.ts) turns anything thrown into a Failure value.

export const ErrorCode = [
  /** Input files could not be read or parsed; nothing is changed. */
  'input',
  /** Command-line usage. */
  'usage',
  /** AWS rejected a request as invalid; retrying the same call cannot help. */
  'aws-validation',
  /** AWS answered with throttling, a 5xx or a network failure, after retries ran out. */
  'aws-unavailable',
  /** AWS state that Albatross cannot work with (no VPC, no subnets, a limit reached). */
  'aws-state',
  /** Work abandoned on purpose (shutdown, lost leadership): neither a success nor a fault. */
  'aborted',
  /**
   * The Kubernetes API server refused or failed a request (adding a finalizer, say); worth
   * retrying for a conflict (409), throttling (429) or a server error (5xx).
   */
  'kubernetes-api',
  'internal',
] as const;
export type ErrorCode = (typeof ErrorCode)[number];

export class AlbatrossError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AlbatrossError';
    this.code = code;
  }
}

/**
 * A failure as a value, for callers that decide what to do next (the CLI's exit code, the
 * controller's requeue) rather than catch.
 */
export interface Failure {
  readonly code: ErrorCode;
  /** Says what failed, naming the operation or resource, and AWS's own words where it answered. */
  readonly message: string;
  /** Whether the same work may succeed later without any change by the user. */
  readonly retryable: boolean;
  /** When a retry makes sense at the earliest, in milliseconds; absent when there is no hint. */
  readonly retryAfterMs?: number;
}
