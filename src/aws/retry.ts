// Decides which AWS failures are worth another attempt, and runs a call with backoff.
// Throttling, 5xx and network failures are retried; validation errors never are.
import pRetry, { AbortError } from 'p-retry';
import { AlbatrossError } from '../model/errors.js';

const throttlingCodes = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
  'PriorRequestNotComplete',
]);

const networkCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET']);

export interface AwsErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: unknown;
}

/** The error code AWS answered with (`name` in SDK v3), or a Node network error code. */
export function awsErrorCode(err: unknown): string {
  const e = err as AwsErrorShape | undefined;
  return e?.name === 'Error' || e?.name === undefined ? (e?.code ?? 'Unknown') : e.name;
}

/** True for AWS's throttling answers, whatever HTTP status carried them (ELBv2 uses 400). */
export function isThrottling(err: unknown): boolean {
  const e = err as AwsErrorShape | undefined;
  return throttlingCodes.has(awsErrorCode(err)) || e?.$metadata?.httpStatusCode === 429;
}

/**
 * The one place that decides retry versus give up. Throttling, 5xx, timeouts and network
 * failures are worth another attempt; AWS rejecting the request itself is not.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof AlbatrossError) return err.code === 'aws-unavailable';
  const e = err as AwsErrorShape | undefined;
  if (e === undefined || e === null) return false;
  const code = awsErrorCode(err);
  if (isThrottling(err) || networkCodes.has(code) || networkCodes.has(e.code ?? '')) return true;
  if (e.name === 'TimeoutError' || e.$retryable !== undefined) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && (status >= 500 || status === 429);
}

export interface RetryPolicy {
  /** Attempts after the first. @default 6 */
  readonly retries: number;
  /** First backoff in ms; doubles each time, randomised. @default 200 */
  readonly minDelayMs: number;
  /** @default 10000 */
  readonly maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { retries: 6, minDelayMs: 200, maxDelayMs: 10_000 };

/**
 * Runs `call`, retrying with exponential backoff while `retryable(err)` holds. A failure
 * that is not retryable surfaces at once; so does an abort of `signal`, also mid-wait.
 */
export async function withRetry<T>(
  call: (attempt: number) => Promise<T>,
  policy: RetryPolicy = defaultRetryPolicy,
  retryable: (err: unknown) => boolean = isRetryable,
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void,
  signal?: AbortSignal,
): Promise<T> {
  return await pRetry(
    async (attempt) => {
      try {
        return await call(attempt);
      } catch (err) {
        // p-retry only retries Error instances; SDK errors always are, but be safe.
        const error = err instanceof Error ? err : new AlbatrossError('internal', String(err), { cause: err });
        throw retryable(err) ? error : new AbortError(error);
      }
    },
    {
      retries: policy.retries,
      minTimeout: policy.minDelayMs,
      maxTimeout: policy.maxDelayMs,
      factor: 2,
      randomize: true,
      // An abort ends the wait between attempts at once.
      ...(signal === undefined ? {} : { signal }),
      onFailedAttempt: ({ error, attemptNumber, retryDelay, retriesLeft }) => {
        if (retriesLeft > 0) onRetry?.(error, attemptNumber, retryDelay);
      },
    },
  );
}
