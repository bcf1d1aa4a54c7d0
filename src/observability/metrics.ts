// The controller's Prometheus metrics: one registry per controller (not prom-client's global one),
// so tests and two controllers in one process never share counters.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallRecord } from '../aws/calls.js';

/** How a reconcile of one group ended. */
export const ReconcileResult = ['success', 'error'] as const;
export type ReconcileResult = (typeof ReconcileResult)[number];

/** The metric names, as dashboards and alerts refer to them. */
export const METRIC_NAMES = [
  'albatross_reconcile_total',
  'albatross_reconcile_duration_seconds',
  'albatross_sync_latency_seconds',
  'albatross_aws_api_calls_total',
  'albatross_workqueue_depth',
  'albatross_managed_groups',
  'albatross_managed_ingresses',
  'albatross_leader',
  'albatross_certificate_expiry_timestamp_seconds',
] as const;

// A reconcile reads a group in a few calls and changes in tens; minutes only when AWS is slow
// or a security group waits for a deleted load balancer's network interfaces.
const RECONCILE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
// Sync latency adds queue wait and backoff to the reconcile: up to the 5 minute backoff cap.
const SYNC_BUCKETS = [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * The metrics the controller reports, with the methods it calls. Names keep controller-runtime's
 * meanings (`controller_runtime_reconcile_total`, `workqueue_depth`,
 * `leader_election_master_status`) under the `albatross_` prefix; prom-client's default process
 * and Node.js metrics come along.
 */
export class ControllerMetrics {
  /** The registry to scrape; its own, never prom-client's global one. */
  readonly registry = new Registry();

  readonly #reconciles = new Counter({
    name: 'albatross_reconcile_total',
    help: 'Reconciles of an Ingress group, by result (success or error).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly #reconcileDuration = new Histogram({
    name: 'albatross_reconcile_duration_seconds',
    help: 'Time one reconcile of an Ingress group took, in seconds.',
    buckets: RECONCILE_BUCKETS,
    registers: [this.registry],
  });
  readonly #syncLatency = new Histogram({
    name: 'albatross_sync_latency_seconds',
    help: 'Time from observing a change in the cluster to AWS matching it, in seconds.',
    buckets: SYNC_BUCKETS,
    registers: [this.registry],
  });
  readonly #awsCalls = new Counter({
    name: 'albatross_aws_api_calls_total',
    help: 'AWS API requests (each retry counts), by service, operation and outcome (success, throttled or error).',
    labelNames: ['service', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly #queueDepth = new Gauge({
    name: 'albatross_workqueue_depth',
    help: 'Ingress groups waiting in the work queue, not counting those being reconciled.',
    registers: [this.registry],
  });
  readonly #managedGroups = new Gauge({
    name: 'albatross_managed_groups',
    help: 'Ingress groups this controller manages.',
    registers: [this.registry],
  });
  readonly #managedIngresses = new Gauge({
    name: 'albatross_managed_ingresses',
    help: 'Ingresses this controller manages.',
    registers: [this.registry],
  });
  readonly #leader = new Gauge({
    name: 'albatross_leader',
    help: 'Whether this replica is the leader (1) or a standby (0); 1 without leader election.',
    registers: [this.registry],
  });
  readonly #certificateExpiry = new Gauge({
    name: 'albatross_certificate_expiry_timestamp_seconds',
    help: 'When the certificate of a TLS Secret used by a managed Ingress expires, in seconds since the epoch.',
    labelNames: ['namespace', 'secret'] as const,
    registers: [this.registry],
  });

  /**
   * @param defaultMetrics whether to add prom-client's process and Node.js metrics. @default true
   */
  constructor(defaultMetrics = true) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry });
    // Series with no labels exist from the start, so a scrape shows 0 rather than nothing.
    this.#leader.set(0);
    this.#queueDepth.set(0);
    this.#managedGroups.set(0);
    this.#managedIngresses.set(0);
    for (const result of ReconcileResult) this.#reconciles.inc({ result }, 0);
  }

  /** One reconcile of a group ended, after `seconds`. */
  reconciled(result: ReconcileResult, seconds: number): void {
    this.#reconciles.inc({ result });
    this.#reconcileDuration.observe(seconds);
  }

  /** AWS matched a change `seconds` after the controller observed it in the cluster. */
  synced(seconds: number): void {
    this.#syncLatency.observe(seconds);
  }

  /** One AWS request went out; fits `CallLog.onCall` of `aws/calls.ts`. */
  awsCall(call: Pick<CallRecord, 'service' | 'operation' | 'outcome'>): void {
    this.#awsCalls.inc({ service: call.service, operation: call.operation, outcome: call.outcome });
  }

  /** Groups waiting in the work queue (`WorkQueue.depth`). */
  setQueueDepth(depth: number): void {
    this.#queueDepth.set(depth);
  }

  /** How many groups and Ingresses the controller manages now. */
  setManaged(groups: number, ingresses: number): void {
    this.#managedGroups.set(groups);
    this.#managedIngresses.set(ingresses);
  }

  /** Whether this replica leads (always true without leader election). */
  setLeader(leader: boolean): void {
    this.#leader.set(leader ? 1 : 0);
  }

  /**
   * When the certificate of Secret `namespace/secret` expires; `null` removes the series (the
   * Secret is gone or no longer used).
   */
  setCertificateExpiry(namespace: string, secret: string, expires: Date | null): void {
    if (expires === null) this.#certificateExpiry.remove({ namespace, secret });
    else this.#certificateExpiry.set({ namespace, secret }, expires.getTime() / 1000);
  }

  /** The scrape, in Prometheus text format. */
  async text(): Promise<string> {
    return await this.registry.metrics();
  }

  /** The scrape's Content-Type header. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
