// Counts AWS requests as they go on the wire, for logs, metrics, tests and benchmarks. Counters,
// not a list: a controller runs for months and must not grow with the calls it made.
import { AsyncLocalStorage } from 'node:async_hooks';
import { compareStrings } from '../model/compare.js';

/** The AWS services Albatross calls. */
export const AwsService = ['elbv2', 'ec2', 'acm', 'tagging'] as const;
export type AwsService = (typeof AwsService)[number];

/** How a request ended: `throttled` is AWS's rate limit answer, `error` any other failure. */
export type CallOutcome = 'success' | 'throttled' | 'error';

/** One AWS request as sent on the wire (each retry attempt is a request). */
export interface CallRecord {
  readonly service: AwsService;
  /** The API operation, such as `DescribeRules`. */
  readonly operation: string;
  /** Everything but Describe*, List* and Get* changes AWS state. */
  readonly changing: boolean;
  readonly outcome: CallOutcome;
}

/** Counts of requests by service, operation and outcome. */
export class CallCounts {
  private readonly counts = new Map<string, { record: CallRecord; count: number }>();

  add(record: CallRecord): void {
    const key = `${record.service} ${record.operation} ${record.outcome}`;
    const entry = this.counts.get(key);
    if (entry === undefined) this.counts.set(key, { record, count: 1 });
    else entry.count++;
  }

  /** Every request counted. */
  get total(): number {
    return this.sum(() => true);
  }

  /** Requests that change AWS state. */
  get changing(): number {
    return this.sum((r) => r.changing);
  }

  /** Requests that only read. */
  get reads(): number {
    return this.sum((r) => !r.changing);
  }

  /** Requests of one operation, such as `DescribeTags`, whatever their outcome. */
  count(operation: string): number {
    return this.sum((r) => r.operation === operation);
  }

  /** The changing operations, once per request, sorted by name. */
  changingOperations(): string[] {
    return this.operations((r) => r.changing);
  }

  /** Read operations, once per request, sorted by name. */
  readOperations(): string[] {
    return this.operations((r) => !r.changing);
  }

  /** Counts per service, operation and outcome, sorted. */
  entries(): (CallRecord & { readonly count: number })[] {
    return [...this.counts.values()]
      .map(({ record, count }) => ({ ...record, count }))
      .sort((a, b) => compareStrings(a.service + a.operation + a.outcome, b.service + b.operation + b.outcome));
  }

  reset(): void {
    this.counts.clear();
  }

  private sum(keep: (r: CallRecord) => boolean): number {
    let n = 0;
    for (const { record, count } of this.counts.values()) if (keep(record)) n += count;
    return n;
  }

  private operations(keep: (r: CallRecord) => boolean): string[] {
    return this.entries()
      .filter(keep)
      .flatMap((e) => Array.from({ length: e.count }, () => e.operation))
      .sort();
  }
}

/**
 * The process-wide call log of one `Aws`: counters for everything, counters for the work
 * running inside `measure`, and listeners (such as a Prometheus counter) told of each request.
 */
export class CallLog extends CallCounts {
  private readonly scopes = new AsyncLocalStorage<CallCounts[]>();
  private readonly listeners: ((record: CallRecord) => void)[] = [];

  record(record: CallRecord): void {
    this.add(record);
    for (const counts of this.scopes.getStore() ?? []) counts.add(record);
    for (const listener of this.listeners) listener(record);
  }

  /**
   * Runs `work` and counts the requests made inside it (nested measures count into each
   * enclosing one), whatever else runs at the same time.
   */
  async measure<T>(work: () => Promise<T>): Promise<{ readonly result: T; readonly calls: CallCounts }> {
    const calls = new CallCounts();
    const result = await this.scopes.run([...(this.scopes.getStore() ?? []), calls], work);
    return { result, calls };
  }

  /** Calls `listener` for every request from now on. */
  onCall(listener: (record: CallRecord) => void): void {
    this.listeners.push(listener);
  }
}

export function isChangingOperation(operation: string): boolean {
  return !/^(Describe|List|Get)/.test(operation);
}
