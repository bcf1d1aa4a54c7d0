// The AWS SDK v3 clients Albatross uses, pointed at AWS or an emulator, and the one way every
// request goes out: under a process-wide rate budget per service, counted, retried with
// backoff, and abandoned at once when its AbortSignal fires.
import { ACMClient } from '@aws-sdk/client-acm';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { Logger } from 'pino';
import { AlbatrossError } from '../model/errors.js';
import { CallLog, isChangingOperation, type AwsService, type CallOutcome } from './calls.js';
import { aborted, defaultRateLimits, RateLimiter, type RateLimits } from './rate-limit.js';
import { awsErrorCode, defaultRetryPolicy, isRetryable, isThrottling, withRetry, type RetryPolicy } from './retry.js';

export { CallLog, isChangingOperation, type CallRecord } from './calls.js';

/** Anything with the SDK v3 client's `send`: a real client, or a recording fake in unit tests. */
export interface SdkClient {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  destroy?(): void;
  readonly middlewareStack?: unknown;
}

/** The clients, one per service. */
export interface AwsClients {
  readonly elbv2: SdkClient;
  readonly ec2: SdkClient;
  readonly acm: SdkClient;
  readonly tagging: SdkClient;
}

export interface AwsOptions {
  readonly region: string;
  /** An emulator or LocalStack endpoint. @default the SDK's own resolution (`AWS_ENDPOINT_URL`, else AWS) */
  readonly endpoint?: string | undefined;
  /** @default defaultRetryPolicy: 6 retries, 200 ms doubling to 10 s */
  readonly retryPolicy?: RetryPolicy;
  /** Per-service request budgets for the whole process. @default defaultRateLimits */
  readonly rateLimits?: RateLimits;
  readonly logger?: Logger;
  /**
   * Clients to use instead of building SDK clients: a unit test passes recording fakes here.
   * Requests to injected clients are counted by `send` rather than by SDK middleware.
   * @default SDK v3 clients for `region` and `endpoint`
   */
  readonly clients?: AwsClients;
}

/** Options of one `send`. */
export interface SendOptions<Output> {
  /**
   * For creates: a failed attempt may have taken effect with only its answer lost, so before
   * each retry this looks for the resource (by its tags) and, if found, returns it instead of
   * creating it twice.
   */
  readonly recover?: () => Promise<Output | undefined>;
  /**
   * AWS error codes that are worth retrying for this call only, with their own policy, such
   * as `DependencyViolation` while AWS releases a deleted load balancer's network interfaces.
   */
  readonly retryAlso?: { readonly codes: readonly string[]; readonly policy: RetryPolicy };
}

/**
 * Asked right before each changing request (see `isChangingOperation`) goes on the wire: false
 * means the request is not sent and fails as `aborted`. The controller passes whether this
 * replica still holds its Lease, which a timer alone cannot tell in a process that was paused.
 */
export type ChangeGuard = () => boolean;

/** What one `withSignal` scope adds to the shared clients. */
interface Scope {
  readonly shared: Shared;
  readonly signal: AbortSignal | undefined;
  readonly guard: ChangeGuard | undefined;
}

/** The output type of an SDK v3 command, read off its middleware handler. */
type CommandOutput<C> = C extends { resolveMiddleware(...args: never[]): (args: never) => Promise<{ output: infer O }> } ? O : never;

/** The part of the SDK's middleware stack used here, common to every client. */
interface MiddlewareStackLike {
  add(
    middleware: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>,
    options: { step: 'build'; name: string; priority: 'low' },
  ): void;
}

/** What every `Aws` made from one other by `withSignal` shares. */
interface Shared {
  readonly clients: AwsClients;
  readonly calls: CallLog;
  readonly limiter: RateLimiter;
  readonly retryPolicy: RetryPolicy;
  readonly logger: Logger | undefined;
  /** Whether `send` counts requests itself (injected clients) or SDK middleware does. */
  readonly countInSend: boolean;
}

export class Aws {
  readonly region: string;
  /** What ends this scope's requests (see `withSignal`); `undefined` for the root. */
  readonly signal: AbortSignal | undefined;
  /** Whether changing requests may still be sent (see `withSignal`); `undefined`: always. */
  private readonly guard: ChangeGuard | undefined;
  private readonly shared: Shared;

  constructor(options: AwsOptions);
  constructor(options: AwsOptions, scope: Scope);
  constructor(options: AwsOptions, scope?: Scope) {
    this.region = options.region;
    this.signal = scope?.signal;
    this.guard = scope?.guard;
    if (scope !== undefined) {
      this.shared = scope.shared;
      return;
    }
    const calls = new CallLog();
    let clients = options.clients;
    if (clients === undefined) {
      // Retries are ours (p-retry, see retry.ts), so the SDK makes exactly one attempt.
      const config = {
        region: options.region,
        maxAttempts: 1,
        // A hung connection becomes a TimeoutError, which is retried like any network failure.
        requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      };
      clients = {
        elbv2: counted(new ElasticLoadBalancingV2Client(config), 'elbv2', calls),
        ec2: counted(new EC2Client(config), 'ec2', calls),
        acm: counted(new ACMClient(config), 'acm', calls),
        tagging: counted(new ResourceGroupsTaggingAPIClient(config), 'tagging', calls),
      };
    }
    this.shared = {
      clients,
      calls,
      limiter: new RateLimiter(options.rateLimits ?? defaultRateLimits),
      retryPolicy: options.retryPolicy ?? defaultRetryPolicy,
      logger: options.logger,
      countInSend: options.clients !== undefined,
    };
  }

  get elbv2(): SdkClient {
    return this.shared.clients.elbv2;
  }
  get ec2(): SdkClient {
    return this.shared.clients.ec2;
  }
  get acm(): SdkClient {
    return this.shared.clients.acm;
  }
  get tagging(): SdkClient {
    return this.shared.clients.tagging;
  }
  /** Every request of this `Aws` and of all its `withSignal` scopes. */
  get calls(): CallLog {
    return this.shared.calls;
  }

  /**
   * The same clients, budget and call log, with every request and every wait between
   * retries abandoned as soon as `signal` aborts (with an `AlbatrossError` coded `aborted`),
   * and, with `guard`, every changing request refused (also `aborted`, and not sent) when the
   * guard says no right before it would go on the wire. A scope of a scope keeps the signal and
   * guard it had: it ends when either signal aborts and changes only when both guards agree.
   *
   * @param guard @default none: changes are refused only through `signal`
   */
  withSignal(signal: AbortSignal, guard?: ChangeGuard): Aws {
    if (signal === this.signal && guard === undefined) return this;
    const outer = this.signal;
    const combined = outer === undefined || outer === signal ? signal : AbortSignal.any([outer, signal]);
    const kept = this.guard;
    const guards = kept === undefined ? guard : guard === undefined ? kept : (): boolean => kept() && guard();
    return new Aws({ region: this.region }, { shared: this.shared, signal: combined, guard: guards });
  }

  /**
   * Sends one command: waits for the service's rate budget, retries what `isRetryable`
   * allows, and turns a failure for good into an `AwsCallError` naming the operation and
   * AWS's own code and message (`aws-unavailable` when it was retryable, such as throttling
   * that outlasted our retries; `aws-validation` otherwise).
   */
  async send<C extends { readonly input: object }>(client: SdkClient, command: C, options: SendOptions<CommandOutput<C>> = {}): Promise<CommandOutput<C>> {
    type Output = CommandOutput<C>;
    const { shared, signal } = this;
    const operation = command.constructor.name.replace(/Command$/, '');
    const service = this.serviceOf(client);
    const extra = options.retryAlso;
    const retryable = (err: unknown): boolean => isRetryable(err) || (extra !== undefined && extra.codes.includes(awsErrorCode(err)));
    const stopped = (): boolean => signal?.aborted === true;
    try {
      return await withRetry(
        async (attempt) => {
          if (stopped()) throw aborted(signal);
          const found = attempt > 1 && options.recover !== undefined ? await options.recover() : undefined;
          if (found !== undefined) {
            shared.logger?.info({ operation }, 'found the resource a failed attempt had created');
            return found;
          }
          const changing = isChangingOperation(operation);
          await shared.limiter.acquire(service, changing, signal);
          // Checked after the wait for the budget, which can be long, and right before sending.
          if (stopped()) throw aborted(signal);
          if (changing && this.guard !== undefined && !this.guard()) {
            throw new AlbatrossError('aborted', `${operation} not sent: this process may no longer make changes (leadership not confirmed within the renew deadline)`);
          }
          if (!shared.countInSend) return (await client.send(command, signal === undefined ? {} : { abortSignal: signal })) as Output;
          try {
            const output = (await client.send(command, signal === undefined ? {} : { abortSignal: signal })) as Output;
            shared.calls.record({ service, operation, changing: isChangingOperation(operation), outcome: 'success' });
            return output;
          } catch (err) {
            shared.calls.record({ service, operation, changing: isChangingOperation(operation), outcome: outcomeOf(err) });
            throw err;
          }
        },
        extra?.policy ?? shared.retryPolicy,
        retryable,
        (err, attempt, delayMs) => shared.logger?.warn({ operation, attempt, delayMs, error: awsErrorCode(err) }, 'AWS call failed; retrying'),
        signal,
      );
    } catch (err) {
      if (signal?.aborted === true) throw aborted(signal);
      if (err instanceof AlbatrossError) throw err;
      throw new AwsCallError(isRetryable(err) ? 'aws-unavailable' : 'aws-validation', operation, awsErrorCode(err), (err as Error).message, err);
    }
  }

  destroy(): void {
    for (const client of Object.values(this.shared.clients) as SdkClient[]) client.destroy?.();
  }

  private serviceOf(client: SdkClient): AwsService {
    const { clients } = this.shared;
    if (client === clients.elbv2) return 'elbv2';
    if (client === clients.ec2) return 'ec2';
    if (client === clients.acm) return 'acm';
    if (client === clients.tagging) return 'tagging';
    throw new AlbatrossError('internal', 'Aws.send was given a client that is not one of its own');
  }
}

function outcomeOf(err: unknown): CallOutcome {
  return isThrottling(err) ? 'throttled' : 'error';
}

/** Counts every request the SDK puts on the wire, each retry included, with its outcome. */
function counted<C extends SdkClient>(client: C, service: AwsService, calls: CallLog): C {
  (client.middlewareStack as MiddlewareStackLike).add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
      const changing = isChangingOperation(operation);
      try {
        const output = await next(args);
        calls.record({ service, operation, changing, outcome: 'success' });
        return output;
      } catch (err) {
        calls.record({ service, operation, changing, outcome: outcomeOf(err) });
        throw err;
      }
    },
    { step: 'build', name: 'albatrossCallLog', priority: 'low' },
  );
  return client;
}

/** An AWS call that failed for good. `awsCode` is AWS's error code (`ValidationError`, ...). */
export class AwsCallError extends AlbatrossError {
  readonly operation: string;
  readonly awsCode: string;

  constructor(code: 'aws-validation' | 'aws-unavailable', operation: string, awsCode: string, message: string, cause: unknown) {
    super(code, `${operation} failed: ${awsCode}: ${message}`, { cause });
    this.operation = operation;
    this.awsCode = awsCode;
  }
}
