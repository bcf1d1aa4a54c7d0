// What integration tests use to reach the AWS emulator that global-setup.ts started (moto) or
// that AWS_ENDPOINT_URL names (LocalStack, a moto started by hand).
import type { RateLimits } from '../../../src/aws/rate-limit.js';
import { answersAsMoto, EMULATOR_KIND_VAR } from './global-setup.js';

const DEFAULT_REGION = 'us-east-1';

export interface EmulatorCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Configuration for any AWS SDK v3 client, e.g. `new EC2Client(awsClientConfig())`. */
export interface EmulatorClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: EmulatorCredentials;
  readonly maxAttempts: number;
}

/**
 * The emulator's URL. Throws when AWS_ENDPOINT_URL is unset, so that a test run outside the
 * integration project's setup never talks to a real AWS account by accident.
 */
export function endpoint(): string {
  const url = process.env['AWS_ENDPOINT_URL'];
  if (url === undefined || url === '') {
    throw new Error(
      'AWS_ENDPOINT_URL is not set: run integration tests through the Jest `integration` project ' +
        '(its global setup starts moto) or point AWS_ENDPOINT_URL at an emulator',
    );
  }
  return url;
}

/** The region tests use: AWS_REGION, us-east-1 by default. */
export function region(): string {
  return process.env['AWS_REGION'] || DEFAULT_REGION;
}

let motoAnswer: Promise<boolean> | undefined;
let motoAnswerFor: string | undefined;

/** True when the emulator is moto: we started it, or the endpoint answers moto's own API. */
export async function isMoto(): Promise<boolean> {
  if (process.env[EMULATOR_KIND_VAR] === 'moto') {
    return true;
  }
  const url = endpoint();
  if (motoAnswer === undefined || motoAnswerFor !== url) {
    motoAnswerFor = url;
    motoAnswer = answersAsMoto(url);
  }
  return await motoAnswer;
}

export interface ResetOptions {
  /** Seeds moto's id generator after the reset, so generated ids repeat from run to run. */
  readonly seed?: number;
}

/**
 * Wipes all emulator state (every account and region) on moto; does nothing elsewhere.
 *
 * The server is shared by every test file of the run, and Jest runs files in parallel workers:
 * only reset when the integration tests run one file at a time (`--runInBand`); otherwise
 * isolate tests by unique names and tags instead.
 */
export async function resetEmulator(options: ResetOptions = {}): Promise<void> {
  if (!(await isMoto())) {
    return;
  }
  await motoApi('/moto-api/reset');
  if (options.seed !== undefined) {
    await motoApi(`/moto-api/seed?a=${encodeURIComponent(String(options.seed))}`);
  }
}

/**
 * Endpoint, region and credentials for an SDK v3 client. `maxAttempts` is 1 unless given, so
 * that an emulator failure (moto answers some bugs with HTTP 500) fails the test at once rather
 * than after the SDK's retries.
 */
export function awsClientConfig(options: { maxAttempts?: number } = {}): EmulatorClientConfig {
  const sessionToken = process.env['AWS_SESSION_TOKEN'];
  return {
    endpoint: endpoint(),
    region: region(),
    credentials: {
      accessKeyId: process.env['AWS_ACCESS_KEY_ID'] || 'test',
      secretAccessKey: process.env['AWS_SECRET_ACCESS_KEY'] || 'test',
      ...(sessionToken ? { sessionToken } : {}),
    },
    maxAttempts: options.maxAttempts ?? 1,
  };
}

async function motoApi(path: string): Promise<void> {
  const url = new URL(path, endpoint());
  const response = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(30_000) });
  const body = await response.text();
  if (!response.ok) {
    throw new Error(`POST ${url.href} answered HTTP ${response.status}: ${body.slice(0, 500)}`);
  }
}

/**
 * Request budgets for tests against the emulator: far above AWS's, so that a test's many calls
 * are never paced (the emulator has no API limits to protect).
 */
const unpaced = { reads: { perSecond: 10_000, burst: 10_000 }, changes: { perSecond: 10_000, burst: 10_000 } };
export const emulatorRateLimits: RateLimits = { elbv2: unpaced, ec2: unpaced, acm: unpaced, tagging: unpaced };
