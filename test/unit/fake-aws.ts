// A recording stand-in for the SDK clients behind an `Aws`, injected through its `clients`
// option: every command of every service goes to a handler that answers or throws as AWS
// would, and the calls are kept in order for assertions.
import { Aws, type AwsClients, type SdkClient } from '../../src/aws/clients.js';
import type { AwsService } from '../../src/aws/calls.js';
import type { RateLimits } from '../../src/aws/rate-limit.js';

export interface RecordedCall {
  readonly service: AwsService;
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

export type Handler = (operation: string, input: Record<string, unknown>, service: AwsService) => unknown;

export interface FakeAws {
  readonly aws: Aws;
  readonly calls: RecordedCall[];
  /** Operation names in call order. */
  operations(): string[];
}

const unpaced = { reads: { perSecond: 10_000, burst: 10_000 }, changes: { perSecond: 10_000, burst: 10_000 } };

export interface FakeAwsOptions {
  /** @default 3 retries, 1 ms apart */
  readonly retries?: number;
  /** @default no pacing */
  readonly rateLimits?: RateLimits;
}

/** An `Aws` whose clients answer through `handler`. */
export function fakeAws(handler: Handler, options: FakeAwsOptions = {}): FakeAws {
  const calls: RecordedCall[] = [];
  const client = (service: AwsService): SdkClient => ({
    async send(command: unknown, sendOptions?: { abortSignal?: AbortSignal }): Promise<unknown> {
      const c = command as { readonly input: Record<string, unknown> };
      const operation = c.constructor.name.replace(/Command$/, '');
      calls.push({ service, operation, input: c.input });
      if (sendOptions?.abortSignal?.aborted === true) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      return await Promise.resolve(handler(operation, c.input, service));
    },
  });
  const clients: AwsClients = { elbv2: client('elbv2'), ec2: client('ec2'), acm: client('acm'), tagging: client('tagging') };
  const aws = new Aws({
    region: 'us-east-1',
    clients,
    retryPolicy: { retries: options.retries ?? 3, minDelayMs: 1, maxDelayMs: 1 },
    rateLimits: options.rateLimits ?? { elbv2: unpaced, ec2: unpaced, acm: unpaced, tagging: unpaced },
  });
  return { aws, calls, operations: () => calls.map((c) => c.operation) };
}

/** An error shaped like the SDK's for an AWS error answer (HTTP 400 by default). */
export function awsError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} from the fake`), { name, $metadata: { httpStatusCode: status } });
}

/** The error Node gives when the connection drops before the answer arrives. */
export function connectionReset(): Error {
  return Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });
}

/** A DescribeSubnets answer: two subnets of vpc-1 in two zones, tagged for internal load balancers. */
export function internalSubnets(): { Subnets: object[] } {
  return {
    Subnets: ['a', 'b'].map((zone) => ({
      SubnetId: `subnet-${zone}`,
      VpcId: 'vpc-1',
      AvailabilityZone: `us-east-1${zone}`,
      AvailableIpAddressCount: 100,
      Tags: [{ Key: 'kubernetes.io/role/internal-elb', Value: '1' }],
    })),
  };
}
