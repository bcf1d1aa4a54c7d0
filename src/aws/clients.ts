// Builds the SDK v3 clients Albatross uses, pointed at AWS or an emulator, with a
// middleware that counts every request (reads and changes) for logs, tests and benchmarks.
import { AsyncLocalStorage } from 'node:async_hooks';
import { ACMClient } from '@aws-sdk/client-acm';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Logger } from 'pino';
import { AlbatrossError } from '../model/errors.js';
import { awsErrorCode, defaultRetryPolicy, withRetry, type RetryPolicy } from './retry.js';

export interface AwsOptions {
  readonly region: string;
  /** An emulator or LocalStack endpoint. @default the SDK's own resolution (`AWS_ENDPOINT_URL`, else AWS) */
  readonly endpoint?: string | undefined;
  readonly retryPolicy?: RetryPolicy;
  readonly logger?: Logger;
}

/** One AWS request as sent on the wire (each retry attempt counts). */
export interface CallRecord {
  readonly service: 'elbv2' | 'ec2' | 'acm';
  readonly operation: string;
  /** Everything but Describe/List/Get changes AWS state. */
  readonly changing: boolean;
  /** The group being reconciled when the call was made; `null` for cluster-wide reads. */
  readonly group: string | null;
}

export class CallLog {
  readonly calls: CallRecord[] = [];
  private readonly scope = new AsyncLocalStorage<string>();

  record(call: Omit<CallRecord, 'group'>): void {
    this.calls.push({ ...call, group: this.scope.getStore() ?? null });
  }

  /** Attributes the calls made inside `work` to `group`. */
  async forGroup<T>(group: string, work: () => Promise<T>): Promise<T> {
    return await this.scope.run(group, work);
  }

  get total(): number {
    return this.calls.length;
  }

  get changing(): number {
    return this.calls.filter((c) => c.changing).length;
  }

  changingOperations(): string[] {
    return this.calls.filter((c) => c.changing).map((c) => c.operation);
  }

  reset(): void {
    this.calls.length = 0;
  }
}

export function isChangingOperation(operation: string): boolean {
  return !/^(Describe|List|Get)/.test(operation);
}

type AnyClient = ElasticLoadBalancingV2Client | EC2Client | ACMClient;

/** The part of the SDK's middleware stack used here, common to every client. */
interface MiddlewareStackLike {
  add(
    middleware: (
      next: (args: unknown) => Promise<unknown>,
      context: { commandName?: string },
    ) => (args: unknown) => Promise<unknown>,
    options: { step: 'build'; name: string; priority: 'low' },
  ): void;
}
/** The output type of an SDK v3 command, read off its middleware handler. */
type CommandOutput<C> = C extends { resolveMiddleware(...args: never[]): (args: never) => Promise<{ output: infer O }> } ? O : never;

export class Aws {
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly ec2: EC2Client;
  readonly acm: ACMClient;
  readonly calls = new CallLog();
  readonly region: string;
  private readonly retryPolicy: RetryPolicy;
  private readonly logger: Logger | undefined;

  constructor(options: AwsOptions) {
    this.region = options.region;
    this.retryPolicy = options.retryPolicy ?? defaultRetryPolicy;
    this.logger = options.logger;
    // Retries are ours (p-retry, see retry.ts), so the SDK makes exactly one attempt.
    const config = {
      region: options.region,
      maxAttempts: 1,
      // A hung connection becomes a TimeoutError, which is retried like any network failure.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    };
    this.elbv2 = this.counted(new ElasticLoadBalancingV2Client(config), 'elbv2');
    this.ec2 = this.counted(new EC2Client(config), 'ec2');
    this.acm = this.counted(new ACMClient(config), 'acm');
  }

  /**
   * Sends one command with retries. Failures that are not worth retrying become an
   * AlbatrossError naming the operation and AWS's own message.
   *
   * `options.recover`, for creates: a failed attempt may have taken effect with only its
   * answer lost, so before each retry it looks for the resource (by its tags) and returns
   * it if found, instead of creating it twice.
   */
  async send<C extends { readonly input: object }>(
    client: AnyClient,
    command: C,
    options: { readonly recover?: () => Promise<CommandOutput<C> | undefined> } = {},
  ): Promise<CommandOutput<C>> {
    type Output = CommandOutput<C>;
    const operation = command.constructor.name.replace(/Command$/, '');
    try {
      return await withRetry(
        async (attempt) => {
          const found = attempt > 1 && options.recover !== undefined ? await options.recover() : undefined;
          if (found !== undefined) {
            this.logger?.info({ operation }, 'found the resource a failed attempt had created');
            return found;
          }
          return await (client as unknown as { send(c: unknown): Promise<Output> }).send(command);
        },
        this.retryPolicy,
        undefined,
        (err, attempt, delayMs) =>
          this.logger?.warn({ operation, attempt, delayMs, error: awsErrorCode(err) }, 'AWS call failed; retrying'),
      );
    } catch (err) {
      if (err instanceof AlbatrossError) throw err;
      const code = awsErrorCode(err);
      const message = (err as Error).message;
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const kind = status !== undefined && status >= 400 && status < 500 && status !== 429 ? 'aws-validation' : 'aws-unavailable';
      throw new AwsCallError(kind, operation, code, message, err);
    }
  }

  destroy(): void {
    this.elbv2.destroy();
    this.ec2.destroy();
    this.acm.destroy();
  }

  private counted<C extends AnyClient>(client: C, service: CallRecord['service']): C {
    (client.middlewareStack as unknown as MiddlewareStackLike).add(
      (next, context) => async (args) => {
        const operation = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
        this.calls.record({ service, operation, changing: isChangingOperation(operation) });
        return await next(args);
      },
      { step: 'build', name: 'albatrossCallLog', priority: 'low' },
    );
    return client;
  }
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
