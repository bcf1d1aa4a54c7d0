// Anything thrown during a reconcile, as a Failure value whose message becomes an Event: AWS
// errors by `isRetryable` (aws/retry.ts), Kubernetes API errors by their HTTP status, and the
// unexpected in one sentence (its stack belongs in the log, never in an Event).
import { STATUS_CODES } from 'node:http';
import { ApiException } from '@kubernetes/client-node';
import { isRetryable, isThrottling, type AwsErrorShape } from '../aws/retry.js';
import { AlbatrossError, type Failure } from '../model/errors.js';

/** How long to hold off a whole group after AWS throttled it past our own retries, in ms. */
const throttledBackoffMs = 30_000;

/**
 * A request to the Kubernetes API server that failed, coded `kubernetes-api`. Its message is
 * one sentence: the operation, the HTTP status and the API server's own message.
 */
export class KubernetesApiError extends AlbatrossError {
  /** The HTTP status the API server answered with. */
  readonly status: number;
  /** A conflict (409), throttling (429) or server error (5xx): the same request may succeed later. */
  readonly retryable: boolean;
  /** The API server's `Retry-After`, in ms, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(operation: string, status: number, serverMessage: string | undefined, retryAfterMs: number | undefined, cause: unknown) {
    const statusText = STATUS_CODES[status];
    const answered = `${status}${statusText === undefined ? '' : ` ${statusText}`}`;
    super('kubernetes-api', `${operation}: the Kubernetes API server answered ${answered}${serverMessage === undefined ? '' : `: ${serverMessage}`}`, { cause });
    this.name = 'KubernetesApiError';
    this.status = status;
    this.retryable = status === 409 || status === 429 || status >= 500;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * `err` as a {@link KubernetesApiError} naming `operation` when it is an `ApiException` of
 * @kubernetes/client-node; anything else is returned as it is.
 *
 * @param operation what was being done, such as `add finalizer alb.group.albatross.dev/shop on Ingress shop/web`
 */
export function kubernetesApiError(operation: string, err: unknown): unknown {
  if (!(err instanceof ApiException)) return err;
  const status = typeof err.code === 'number' ? err.code : 0;
  return new KubernetesApiError(operation, status, statusMessage(err.body), retryAfterOf(err.headers), err);
}

/** The `message` of a metav1.Status body, which client-node gives as text or as an object. */
function statusMessage(body: unknown): string | undefined {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      const line = body.trim().split('\n')[0];
      return line === undefined || line === '' ? undefined : line.slice(0, 300);
    }
  }
  const message = (parsed as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' && message !== '' ? message : undefined;
}

/** `Retry-After` in seconds, as the API server sends it with a 429, in ms. */
function retryAfterOf(headers: unknown): number | undefined {
  const value = (headers as Record<string, unknown> | undefined)?.['retry-after'];
  const seconds = Number(value);
  return typeof value === 'string' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/**
 * Turns anything thrown during a reconcile into a `Failure` whose message is fit for an Event.
 * An `AlbatrossError` keeps its code (`aws-unavailable` and a retryable `kubernetes-api` may be
 * retried); other AWS errors are `aws-unavailable` when `isRetryable` says so and
 * `aws-validation` otherwise; a Kubernetes `ApiException` is `kubernetes-api`, retryable for
 * 409, 429 and 5xx; anything else is `internal`, in one sentence without its stack (log the
 * error itself for that).
 *
 * @param context prefixed to the message, such as `create rule rule/80/3f2a`
 */
export function failureOf(err: unknown, context?: string): Failure {
  const prefix = context === undefined ? '' : `${context}: `;
  const classified = kubernetesApiError('a Kubernetes API request', err);
  if (classified instanceof KubernetesApiError) {
    const after = classified.retryAfterMs === undefined ? {} : { retryAfterMs: classified.retryAfterMs };
    return { code: classified.code, message: `${prefix}${classified.message}`, retryable: classified.retryable, ...(classified.retryable ? after : {}) };
  }
  const message = `${prefix}${err instanceof Error ? err.message : String(err)}`;
  if (err instanceof AlbatrossError) {
    const retryable = err.code === 'aws-unavailable';
    const throttled = retryable && isThrottling(err.cause);
    return { code: err.code, message, retryable, ...(throttled ? { retryAfterMs: throttledBackoffMs } : {}) };
  }
  if (isRetryable(err)) return { code: 'aws-unavailable', message, retryable: true, ...(isThrottling(err) ? { retryAfterMs: throttledBackoffMs } : {}) };
  const status = (err as AwsErrorShape | undefined)?.$metadata?.httpStatusCode;
  if (status !== undefined) return { code: 'aws-validation', message, retryable: false };
  return { code: 'internal', message: `${prefix}unexpected failure: ${oneLine(err)}`, retryable: false };
}

/** `Name: message` of an error, first line only; the value itself for anything else. */
function oneLine(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.split('\n')[0] ?? text;
}
