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

/** A read budget (Describe*, List*, Get*) and a budget for changes, as AWS meters them apart. */
export interface ServiceRateLimits {
  readonly reads: RateLimit;
  readonly changes: RateLimit;
}

/**
 * Per-service budgets.
 *
 * - `elbv2`: AWS's ELBv2 bucket for Describe* calls holds 40 tokens and refills 10 a second
 *   per account and region; mutating actions have buckets of their own ("Request throttling
 *   for the ELB API", Elastic Load Balancing User Guide). @default reads 8/s burst 30; changes 8/s burst 20
 * - `ec2`: EC2 meters each API on its own; a non-mutating one such as DescribeHosts holds 100
 *   tokens and refills 20 a second ("Request throttling for the Amazon EC2 API").
 *   @default reads 10/s burst 50; changes 4/s burst 20
 * - `acm`: ACM's per-operation quotas are single-digit to low tens per second. @default reads 5/s burst 10; changes 2/s burst 5
 * - `tagging`: the Resource Groups Tagging API. @default reads 5/s burst 10; changes 2/s burst 5
 */
export type RateLimits = Readonly<Record<AwsService, ServiceRateLimits>>;

export const defaultRateLimits: RateLimits = {
  elbv2: { reads: { perSecond: 8, burst: 30 }, changes: { perSecond: 8, burst: 20 } },
  ec2: { reads: { perSecond: 10, burst: 50 }, changes: { perSecond: 4, burst: 20 } },
  acm: { reads: { perSecond: 5, burst: 10 }, changes: { perSecond: 2, burst: 5 } },
  tagging: { reads: { perSecond: 5, burst: 10 }, changes: { perSecond: 2, burst: 5 } },
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

/** Token buckets per service and kind of call, shared by every caller of one `Aws`. */
export class RateLimiter {
  private readonly buckets: Record<AwsService, { reads: TokenBucket; changes: TokenBucket }>;

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
    const both = (l: ServiceRateLimits): { reads: TokenBucket; changes: TokenBucket } => ({ reads: bucket(l.reads), changes: bucket(l.changes) });
    this.buckets = { elbv2: both(limits.elbv2), ec2: both(limits.ec2), acm: both(limits.acm), tagging: both(limits.tagging) };
  }

  /** Resolves once one request to `service` may go; rejects when `signal` aborts first. */
  async acquire(service: AwsService, changing: boolean, signal?: AbortSignal): Promise<void> {
    const bucket = changing ? this.buckets[service].changes : this.buckets[service].reads;
    while (!bucket.tryRemoveTokens(1)) await sleep(Math.max(1, Math.ceil(bucket.getWaitTime(1))), signal);
  }
}
