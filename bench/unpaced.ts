// Request budgets for benchmarks against the emulator, which has no API limits to protect.
import type { RateLimits } from '../src/aws/rate-limit.js';

const none = { reads: { perSecond: 10_000, burst: 10_000 }, changes: { perSecond: 10_000, burst: 10_000 } };
export const unpaced: RateLimits = { elbv2: none, ec2: none, acm: none, tagging: none };
