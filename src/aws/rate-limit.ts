// One request budget per AWS service for the whole process, so that any number of group
// reconciles running at once stay together under the account's API limits. AWS meters
// requests with token buckets (a burst size and a refill rate per second); ours are the same
// shape, sized below AWS's so that other tools in the account keep some room.
import { TokenBucket } from 'limiter';
import { AlbatrossError } from '../model/errors.js';
import type { AwsService } from './calls.js';

/** A token bucket: up to `burst` requests at once, refilled at `perSecond`. */
export interface RateLimit {
  /** Requests per second, sustained. */
  readonly perSecond: number;
  /** Requests that may go at once after a quiet spell. */
  readonly burst: number;
}

/**
 * Per-service budgets.
 *
 * - `elbv2`: AWS's ELBv2 bucket for Describe* calls holds 40 tokens and refills 10 a second
 *   per account and region ("Request throttling for the ELB API", Elastic Load Balancing
 *   User Guide); mutating calls have smaller per-action buckets. @default 8/s, burst 20
 * - `ec2`: EC2's non-mutating bucket holds 100 and refills 20 a second ("Request throttling
 *   for the Amazon EC2 API"). @default 10/s, burst 20
 * - `acm`: ACM's per-operation quotas are single-digit to low tens per second. @default 5/s, burst 10
 * - `tagging`: the Resource Groups Tagging API. @default 5/s, burst 10
 */
export type RateLimits = Readonly<Record<AwsService, RateLimit>>;

export const defaultRateLimits: RateLimits = {
  elbv2: { perSecond: 8, burst: 20 },
  ec2: { perSecond: 10, burst: 20 },
  acm: { perSecond: 5, burst: 10 },
  tagging: { perSecond: 5, burst: 10 },
};

/** Waits `ms`, or rejects at once when `signal` aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) throw aborted(signal);
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(aborted(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An abort reason in words; an object that is not an Error has none worth printing. */
function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  if (typeof reason === 'string' || typeof reason === 'number' || typeof reason === 'boolean' || typeof reason === 'bigint') return String(reason);
  return 'aborted';
}

/** The error every abandoned AWS call or wait ends with. */
export function aborted(signal: AbortSignal | undefined): AlbatrossError {
  const reason: unknown = signal?.reason;
  return new AlbatrossError('aborted', `abandoned: ${reasonText(reason)}`, { cause: reason });
}

/** Token buckets per service, shared by every caller of one `Aws`. */
export class RateLimiter {
  private readonly buckets: Record<AwsService, TokenBucket>;

  constructor(limits: RateLimits = defaultRateLimits) {
    const bucket = ({ perSecond, burst }: RateLimit): TokenBucket => {
      if (!(perSecond > 0) || !(burst >= 1)) {
        throw new AlbatrossError('usage', `an AWS rate limit needs perSecond > 0 and burst >= 1; got perSecond ${perSecond}, burst ${burst}`);
      }
      const b = new TokenBucket({ bucketSize: burst, tokensPerInterval: perSecond, interval: 'second' });
      // AWS's buckets start full; the library's start empty.
      b.content = burst;
      return b;
    };
    this.buckets = { elbv2: bucket(limits.elbv2), ec2: bucket(limits.ec2), acm: bucket(limits.acm), tagging: bucket(limits.tagging) };
  }

  /** Resolves once one request to `service` may go; rejects when `signal` aborts first. */
  async acquire(service: AwsService, signal?: AbortSignal): Promise<void> {
    const bucket = this.buckets[service];
    while (!bucket.tryRemoveTokens(1)) await sleep(Math.max(1, Math.ceil(bucket.getWaitTime(1))), signal);
  }
}
