// The `--aws-rate-limit` flag of every command: the process-wide AWS request budget, per service.
import { AwsService } from '../aws/calls.js';
import { defaultRateLimits, type RateLimits } from '../aws/rate-limit.js';
import { AlbatrossError } from '../model/errors.js';

/** How the flag is written, for usage texts. */
export const rateLimitUsage = 'SERVICE=N[,...]: requests a second to elbv2, ec2, acm or tagging (reads and changes each; a burst of 2N)';

/**
 * Parses `elbv2=20,ec2=10`: each named service gets N reads and N changes a second, with bursts
 * of 2N; services not named keep their defaults (`defaultRateLimits`).
 * @throws AlbatrossError coded `usage` naming the flag and the part that is wrong
 */
export function parseRateLimits(value: string | undefined): RateLimits {
  if (value === undefined) return defaultRateLimits;
  const limits: Record<AwsService, RateLimits[AwsService]> = { ...defaultRateLimits };
  for (const part of value.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const match = /^([a-z0-9]+)=(\d+(?:\.\d+)?)$/.exec(part);
    const service = match?.[1];
    const perSecond = Number(match?.[2]);
    if (match === null || service === undefined || !(AwsService as readonly string[]).includes(service) || !(perSecond > 0)) {
      throw new AlbatrossError('usage', `--aws-rate-limit: "${part}" is not SERVICE=N with SERVICE one of ${AwsService.join(', ')} and N a number above 0`);
    }
    const budget = { perSecond, burst: Math.max(1, Math.round(perSecond * 2)) };
    limits[service as AwsService] = { reads: budget, changes: budget };
  }
  return limits;
}
