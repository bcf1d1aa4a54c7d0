// Controller mode: watches keep a ClusterView current; every change enqueues exactly the
// groups it affects (what the view reports, and its reverse indexes); workers run the same
// `reconcileGroup` as the CLI, one group at a time each, and the Ingress lifecycle
// (lifecycle.ts) writes back finalizers, status and Events. Reconciles and every write start
// only once every cache has synced and (with leader election) the lease is held; losing the
// lease aborts in-flight AWS work and drops the queue and whatever was kept for it.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  NetworkingV1Api,
  type KubeConfig,
  type V1EndpointSlice,
  type V1Node,
  type V1Secret,
  type V1Service,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Aws } from '../aws/clients.js';
import { parseTlsSecret } from '../certificates/secret.js';
import { ClusterStore, type ClusterObject, type ViewChange } from '../cluster/view.js';
import { sleep } from '../aws/rate-limit.js';
import { AlbatrossError, type Failure } from '../model/errors.js';
import { failureOf } from '../pipeline/failure.js';
import type { Change } from '../plan/describe.js';
import { objectKey } from '../model/ids.js';
import type { ObjectKey } from '../model/resources.js';
import type { ControllerMetrics } from '../observability/metrics.js';
import { listGroups } from '../observe/group.js';
import { discoverNetwork, type Network } from '../observe/network.js';
import { reconcileDeps, reconcileGroup, type BackendUse, type GroupResult } from '../pipeline/reconcile.js';
import { secretsOfGroup } from '../pipeline/translate.js';
import { deleteUnusedCertificates } from '../pipeline/certificates.js';
import { reconcileTargets } from '../pipeline/targets.js';
import {
  BackendSecurityGroup,
  reconcileBackendRules,
  releaseBackendSecurityGroup,
  type BackendRulesResult,
  type BackendSecurityGroupSetting,
  type BackendTarget,
} from '../pipeline/backend-security-group.js';
import { jitter } from './durations.js';
import { LeaderElector } from './leader.js';
import { IngressLifecycle } from './lifecycle.js';
import { GatewayClassKey, GatewayLifecycle } from './gateways.js';
import { GatewayKey } from '../gateway/keys.js';
import { GatewayApiGroup, GatewayControllerName, GatewayFinalizer, type RouteParentStatus, type V1Gateway, type V1HTTPRoute } from '../gateway/types.js';
import { isDeleting, isOurGatewayClass } from '../gateway/references.js';
import { PodReadiness } from './readiness.js';
import { WorkQueue } from './queue.js';
import { metadataOnly, Reflector, slimEndpointSlice, slimNode, type KubeObject, type ListPage } from './reflector.js';
import { ClusterWrites } from './writes.js';

export interface ControllerOptions {
  readonly clusterName: string;
  /** @default the VPC whose subnets are tagged for load balancers */
  readonly vpcId?: string | undefined;
  /** Namespaces to watch; `null` for all. */
  readonly watchNamespaces: readonly string[] | null;
  /** Every group is reconciled at least this often, with up to 10% jitter, in ms. */
  readonly syncPeriodMs: number;
  readonly maxConcurrentReconciles: number;
  /** `null` when leader election is off: this process always leads. */
  readonly leaderElection: {
    readonly namespace: string;
    readonly name: string;
    readonly leaseDurationMs: number;
    readonly renewDeadlineMs: number;
    readonly retryPeriodMs: number;
  } | null;
  /** This replica's name in the Lease and in Events. @default hostname + random suffix */
  readonly identity?: string;
  /** `--enable-backend-security-group` and `--backend-security-group`. @default managed */
  readonly backendSecurityGroup?: BackendSecurityGroupSetting;
}

/** One period of leadership: the signal that ends it, its queue and its workers. */
interface Session {
  readonly abort: AbortController;
  /** Every AWS call of the session: ends with `abort`, changes only while the lease is held. */
  readonly aws: Aws;
  readonly queue: WorkQueue;
  workers: Promise<void>[];
}

/** How often the readiness gate reads the target groups of waiting Pods, in ms. */
const readinessPollMs = 2_000;

/** Why a group is waiting: a full reconcile, or only the targets of these Services. */
type Pending = { readonly kind: 'full' } | { readonly kind: 'targets'; readonly services: Set<ObjectKey> };

const ingressGroupVersion = '/apis/networking.k8s.io/v1';

/** The first wait before a failed orphan scan or Secret read is tried again, doubling to `retryCapMs`. */
const retryFirstMs = 1_000;
const retryCapMs = 5 * 60_000;

export class Controller {
  readonly store = new ClusterStore();
  private readonly writes: ClusterWrites;
  private readonly lifecycle: IngressLifecycle;
  /** Finalizer, status and Events of Gateways, HTTPRoutes and GatewayClasses. */
  private readonly gateways: GatewayLifecycle;
  /** The `albatross.dev/target-health` readiness gate: the Pods it reads, and their condition. */
  private readonly readiness: PodReadiness;
  private readonly reflectors: Reflector[] = [];
  /** While leading: why each queued group waits. Empty on a standby. */
  private readonly pending = new Map<string, Pending>();
  /** While leading: when the first change not yet in AWS was seen, per group (for the sync latency). */
  private readonly changedAt = new Map<string, number>();
  private readonly identity: string;
  /** While leading: the signal that ends the work, the queue and the workers. */
  private session: Session | null = null;
  /** Resolves once the workers of the last session finished. */
  private stopped: Promise<void> = Promise.resolve();
  /** Certificate ARNs each group's listeners use, from its last converged reconcile. */
  private readonly certificatesInUse = new Map<string, readonly string[]>();
  /** Secrets (ACM tag values) that failed validation in each group's last reconcile. */
  private readonly brokenSecrets = new Map<string, ReadonlySet<string>>();
  /** For reading Secrets in full, made on first use. */
  private core: CoreV1Api | null = null;
  private networkRead: { readonly at: number; readonly read: Promise<Network> } | null = null;
  /** Whether some group's certificates changed since the last cleanup. */
  private certificatesChanged = true;
  /** The cluster's backend security group, looked up again every sync period. */
  private readonly backendSecurityGroup: BackendSecurityGroup;
  /** Per group, from its last converged reconcile: whether it uses the backend group, and its targets (`null`: unknown). */
  private readonly backendTargets = new Map<string, BackendUse | null>();
  /** Whether the cluster-wide backend rules step should run when the queue is next idle. */
  private backendChanged = true;
  /** The backend rules step in progress, if any: the next one waits for it. */
  private backendRules: Promise<unknown> = Promise.resolve();
  private paramsWarned = false;
  /** Gateway API kinds (plurals) whose CRD was missing at the last list. */
  private readonly gatewayApiMissing = new Set<string>();
  /** Secrets being read in full now, so that one is never read twice at once. */
  private readonly secretReads = new Set<ObjectKey>();
  /** Ends Secret reads and their retries when the controller stops. */
  private runSignal: AbortSignal | null = null;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly aws: Aws,
    private readonly options: ControllerOptions,
    private readonly metrics: ControllerMetrics,
    private readonly logger: Logger,
  ) {
    this.identity = options.identity ?? `${hostname()}_${randomUUID().slice(0, 8)}`;
    this.writes = new ClusterWrites(kubeConfig, this.identity, logger);
    this.lifecycle = new IngressLifecycle(this.store, this.writes, logger);
    this.gateways = new GatewayLifecycle(kubeConfig, this.store, this.writes, logger);
    this.backendSecurityGroup = new BackendSecurityGroup(options.backendSecurityGroup ?? { kind: 'managed' }, options.clusterName, options.syncPeriodMs);
    this.readiness = new PodReadiness(kubeConfig, this.store, (services) => this.enqueueTargets(services), { clusterName: options.clusterName, pollMs: readinessPollMs }, logger);
    aws.calls.onCall((call) => metrics.awsCall({ service: call.service, operation: call.operation, outcome: call.outcome }));
  }

  /** Whether every cache has delivered its first list. */
  get synced(): boolean {
    return this.reflectors.length > 0 && this.reflectors.every((r) => r.hasSynced);
  }

  get isLeader(): boolean {
    return this.session !== null;
  }

  /**
   * Runs until `signal` aborts: starts the watches, waits for the caches, then reconciles
   * while leading. Resolves once everything stopped and (with leader election) the lease
   * was released.
   */
  async run(signal: AbortSignal): Promise<void> {
    this.runSignal = signal;
    this.readiness.start(signal);
    this.buildReflectors();
    const watching = this.reflectors.map(async (r) => await r.run(signal));
    await Promise.race([Promise.all(this.reflectors.map(async (r) => await r.waitForSync())), new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))]);
    if (signal.aborted) {
      await Promise.all(watching);
      return;
    }
    this.logger.info({ groups: this.store.counts().groups }, 'caches synced');
    this.updateManaged();

    if (this.options.leaderElection === null) {
      this.startLeading();
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      await this.stopLeading();
    } else {
      const elector = new LeaderElector(
        this.kubeConfig,
        { ...this.options.leaderElection, identity: this.identity },
        {
          onStartedLeading: () => this.startLeading(() => elector.holdsLease()),
          onStoppedLeading: () => void this.stopLeading(),
        },
        this.logger,
      );
      await elector.run(signal);
      await this.stopLeading();
      await elector.release();
    }
    await Promise.all(watching);
  }

  private startLeading(holdsLease?: () => boolean): void {
    this.logger.info({ identity: this.identity }, 'leading: reconciling');
    this.metrics.setLeader(true);
    const abort = new AbortController();
    const session: Session = { abort, aws: this.aws.withSignal(abort.signal, holdsLease), queue: new WorkQueue(), workers: [] };
    this.session = session;
    // Every group of the view, and every group an Ingress's finalizer still records (say, of an
    // Ingress deleted while no one was leading).
    for (const group of this.store.grouping().groups) this.enqueue(group.name, { kind: 'full' }, 'resync');
    for (const group of this.store.recordedGroupNames()) this.enqueue(group, { kind: 'full' }, 'resync');
    // Gateways: every one of ours, and every one our finalizer marks (deleted, or its class gone).
    for (const group of this.store.gatewayGroups()) this.enqueue(group, { kind: 'full' }, 'resync');
    for (const gateway of this.store.gateways())
      if ((gateway.metadata?.finalizers ?? []).includes(GatewayFinalizer)) this.enqueue(GatewayKey.of(gateway.metadata?.namespace ?? 'default', gateway.metadata?.name ?? ''), { kind: 'full' }, 'resync');
    for (const gatewayClass of this.store.gatewayClasses()) if (isOurGatewayClass(gatewayClass)) this.enqueue(GatewayClassKey.of(gatewayClass.metadata?.name ?? ''), { kind: 'full' }, 'resync');
    // Workers of an earlier session finish first: one group is never reconciled twice at once.
    // Pods held by the readiness gate are read afresh first, so none is taken for gone.
    const previous = this.stopped;
    const podsRead = previous.then(async () => await this.readiness.refresh());
    session.workers = [
      ...Array.from({ length: this.options.maxConcurrentReconciles }, async () => {
        await podsRead;
        await this.work(session);
      }),
      this.scanForOrphans(session),
      podsRead.then(async () => await this.readiness.run({ signal: abort.signal, aws: session.aws, holdsLease: holdsLease ?? (() => true) })),
    ];
  }

  /**
   * Groups only AWS still knows (their Ingresses and finalizers are gone, say removed by hand
   * while no one was leading) are looked up on every resync while leading; a failed lookup
   * (throttled, refused, credentials not ready yet) is tried again with backoff.
   */
  private async scanForOrphans(session: Session): Promise<void> {
    const signal = session.abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      let waitMs: number;
      try {
        const names = await listGroups(session.aws, this.options.clusterName);
        for (const name of names) if (!this.groupExists(name)) this.enqueue(name, { kind: 'full' }, 'resync');
        failures = 0;
        // Rules changed by hand are put back, and stale ones revoked, once a sync period.
        this.backendChanged = true;
        // With no group to reconcile, the workers never reach the cleanup: the scan does.
        if (session.queue.depth === 0 && session.queue.inFlight === 0) await this.idle(session);
        waitMs = jitter(this.options.syncPeriodMs);
      } catch (err) {
        if (signal.aborted) return;
        failures++;
        waitMs = jitter(Math.min(retryFirstMs * 2 ** (failures - 1), retryCapMs));
        this.logger.warn({ error: (err as Error).message, retryInMs: Math.round(waitMs) }, 'could not list the groups in AWS; trying again');
      }
      try {
        await sleep(waitMs, signal);
      } catch {
        return;
      }
    }
  }

  /** Ends the session: its work is abandoned, its queue dropped; resolves once its workers stopped. */
  private async stopLeading(): Promise<void> {
    const session = this.session;
    if (session !== null) {
      this.session = null;
      this.logger.info('no longer leading: abandoning work in flight');
      session.abort.abort(new AlbatrossError('aborted', 'no longer leading'));
      session.queue.clear();
      // Wakes workers waiting on an empty queue.
      session.queue.shutDown();
      // What was kept for this leadership goes with it: a standby keeps nothing per group.
      this.pending.clear();
      this.changedAt.clear();
      this.certificatesInUse.clear();
      this.brokenSecrets.clear();
      this.certificatesChanged = true;
      this.backendTargets.clear();
      this.backendChanged = true;
      this.metrics.setLeader(false);
      this.metrics.setQueueDepth(0);
      const previous = this.stopped;
      this.stopped = Promise.all([previous, ...session.workers]).then(() => undefined);
    }
    await this.stopped;
  }

  private async work(session: Session): Promise<void> {
    const { queue, abort } = session;
    while (!abort.signal.aborted) {
      const group = await queue.get();
      if (group === undefined || abort.signal.aborted) return;
      try {
        await this.process(group, session);
      } catch (err) {
        // A failed write to the cluster (a refused finalizer or status patch) never stops the
        // worker: the group is tried again with backoff, and the failure is logged.
        if (!abort.signal.aborted) {
          this.logger.error({ group, error: err instanceof Error ? err.message : String(err) }, 'reconcile failed');
          this.metrics.reconciled('error', 0);
          this.pending.set(group, { kind: 'full' });
          queue.addRateLimited(group);
        }
      } finally {
        queue.done(group);
        this.metrics.setQueueDepth(queue.depth);
      }
      if (queue.depth === 0 && queue.inFlight === 0) await this.idle(session);
    }
  }

  /** The cluster-wide steps, when nothing waits: certificates no group uses, and the backend rules. */
  private async idle(session: Session): Promise<void> {
    await this.cleanCertificates(session);
    await this.sweepBackend(session);
  }

  /**
   * The cluster-wide backend step, in controller mode: once every group of the view converged
   * since its last change and nothing waits, the rules on the targets' security groups are
   * brought to exactly what every group's targets need (narrowed, stale ones revoked), and the
   * backend group is released when no load balancer uses it. Runs again after a group's
   * targets changed, and once a sync period.
   */
  private async sweepBackend(session: Session): Promise<void> {
    if (!this.backendChanged || !this.synced || this.pending.size > 0) return;
    if (!this.allGroups().every((g) => this.backendTargets.get(g)?.complete === true)) return;
    this.backendChanged = false;
    const users = [...this.backendTargets.values()].filter((b) => b?.uses === true).map((b) => b as BackendUse);
    const vpcId = users.map((b) => b.vpcId).find((v) => v !== null);
    try {
      const release = (scope: 'everything' | 'managed-group'): Promise<Change[]> =>
        this.oneBackendStepAtATime(async () => await releaseBackendSecurityGroup(session.aws, this.backendSecurityGroup, this.options.clusterName, 'apply', scope));
      const changes =
        vpcId == null
          ? await release('everything')
          : [
              ...(await this.openBackend(session, vpcId, users.flatMap((b) => b.targets), 'complete')).changes,
              // A managed group left from before --backend-security-group (or the feature turned off).
              ...(this.backendSecurityGroup.setting.kind === 'managed' ? [] : await release('managed-group')),
            ];
      if (changes.length > 0) this.logger.info({ changes: changes.map((c) => `${c.action} ${c.kind} ${c.id}`) }, 'backend security group rules brought to what every group needs');
    } catch (err) {
      this.backendChanged = true;
      if (!session.abort.signal.aborted) this.logger.warn({ error: (err as Error).message }, 'could not bring the backend security group rules up to date; trying again after the next reconcile');
    }
  }

  /**
   * Rules for these targets on their security groups; warnings about addresses go to the log.
   * One at a time: a sweep reads the rules and then revokes, and must not meet another worker's
   * rule made in between.
   */
  private async openBackend(session: Session, vpcId: string, targets: readonly BackendTarget[], scope: 'complete' | 'additive'): Promise<BackendRulesResult> {
    const result = await this.oneBackendStepAtATime(async () => {
      const backendGroupId = (await this.backendSecurityGroup.ensure(session.aws, vpcId, 'apply')).groupId;
      return await reconcileBackendRules(session.aws, { clusterName: this.options.clusterName, vpcId, backendGroupId, targets, scope, mode: 'apply', logger: this.logger });
    });
    for (const w of result.warnings) this.logger.warn({ group: w.group, ingress: w.ingress }, w.message);
    return result;
  }

  /**
   * The cluster-wide certificate step, in controller mode: once every group of the view has
   * converged since its last change and nothing waits, imported certificates no group uses
   * are deleted. Runs again only after some group's certificates changed.
   */
  private async cleanCertificates(session: Session): Promise<void> {
    if (!this.certificatesChanged || !this.synced || this.pending.size > 0) return;
    if (!this.allGroups().every((g) => this.certificatesInUse.has(g))) return;
    this.certificatesChanged = false;
    const inUse = new Set([...this.certificatesInUse.values()].flat());
    const keep = new Set([...this.brokenSecrets.values()].flatMap((s) => [...s]));
    try {
      const deleted = await deleteUnusedCertificates(session.aws, this.options.clusterName, inUse, keep, 'apply', this.logger);
      if (deleted.length > 0) this.logger.info({ certificates: deleted.map((d) => d.arn) }, 'deleted imported certificates no group uses');
    } catch (err) {
      this.certificatesChanged = true;
      if (!session.abort.signal.aborted) this.logger.warn({ error: (err as Error).message }, 'could not clean up unused certificates; trying again after the next reconcile');
    }
  }

  /** Queues a group while leading; a standby keeps nothing (it enqueues every group when it starts leading). */
  private enqueue(group: string, reason: Pending, lane: 'change' | 'resync' = 'change'): void {
    if (this.session === null) return;
    const before = this.pending.get(group);
    if (reason.kind === 'full' || before?.kind === 'full') this.pending.set(group, { kind: 'full' });
    else if (before === undefined) this.pending.set(group, { kind: 'targets', services: new Set(reason.services) });
    else for (const s of reason.services) before.services.add(s);
    if (lane === 'change' && !this.changedAt.has(group)) this.changedAt.set(group, Date.now());
    this.session.queue.add(group, lane);
    this.metrics.setQueueDepth(this.session.queue.depth);
  }

  private async process(group: string, session: Session): Promise<void> {
    const { queue } = session;
    const signal = session.abort.signal;
    const reason = this.pending.get(group) ?? { kind: 'full' };
    this.pending.delete(group);
    const gatewayClass = GatewayClassKey.parse(group);
    if (gatewayClass !== undefined) {
      // A GatewayClass has no load balancer: only its Accepted condition is written.
      await this.gateways.reportClass(gatewayClass);
      queue.forget(group);
      return;
    }
    const gateway = GatewayKey.is(group);
    // Only Ingresses outside the group before this reconcile read the view may be let go after it.
    const kept = this.lifecycle.keptBy(group);
    const started = process.hrtime.bigint();
    const deps = reconcileDeps(session.aws, {
      clusterName: this.options.clusterName,
      vpcId: this.options.vpcId,
      mode: 'apply',
      logger: this.logger,
      network: () => this.network(),
      signal,
      beforeChanges: async (keys) => await (gateway ? this.gateways.record(group) : this.lifecycle.record(group, keys)),
      backendSecurityGroup: this.backendSecurityGroup,
    });

    if (reason.kind === 'targets') {
      const targets = await reconcileTargets(this.store, group, reason.services, deps);
      if (targets.kind === 'done') {
        // Refused endpoint addresses; the next full reconcile reports them as Events too.
        for (const w of targets.warnings) this.logger.warn({ group, ingress: w.ingress }, w.message);
        // Pods on a new node or behind another security group are let in without a full reconcile.
        const failure = targets.failure ?? (targets.backend === undefined ? null : await this.backendFailure(session, targets.backend.vpcId, targets.backend.registered));
        // What the sweep narrows to must include these Services' targets as they are now.
        if (failure === null && targets.backend !== undefined) this.recordBackendTargets(group, reason.services, targets.backend.targets);
        this.finish(group, failure === null, started);
        if (failure !== null) {
          this.requeueAfterFailure(queue, group, failure.retryable, failure.retryAfterMs);
          return;
        }
        this.observeSyncLatency(group);
        // Targets may have been registered: Pods waiting on their health are checked now.
        this.readiness.nudge();
        return;
      }
      this.logger.info({ group, reason: targets.reason }, 'endpoint change needs a full reconcile');
    }

    // A TLS Secret of the group being read in full right now: the read queues the group when it
    // ends (whether it succeeded or not), so the reconcile waits for it rather than report the
    // Secret broken for want of its key material.
    const reading = [...secretsOfGroup(this.store, group)].filter((key) => this.secretReads.has(key));
    if (reading.length > 0) {
      this.logger.debug({ group, secrets: reading }, 'waiting for TLS Secrets being read');
      return;
    }
    const reconciled = await reconcileGroup(this.store, group, deps, { deleteIfEmpty: this.synced });
    if (reconciled.failure?.code === 'aborted' || signal.aborted) return;
    const backend = reconciled.failure === null && reconciled.backend?.uses === true && reconciled.backend.vpcId !== null ? reconciled.backend : null;
    const backendFailure = backend === null ? null : await this.backendFailure(session, backend.vpcId ?? '', backend.targets);
    const result = backendFailure === null ? reconciled : { ...reconciled, failure: backendFailure };
    if (gateway) await this.gateways.report(group, result);
    else await this.lifecycle.report(group, result, kept);
    this.finish(group, result.failure === null, started);
    if (result.failure === null) {
      this.recordCertificates(group, result, deps.certificates.brokenSecrets);
      this.recordBackend(group, result);
      queue.forget(group);
      this.observeSyncLatency(group);
      if (this.groupExists(group)) queue.addAfter(group, jitter(this.options.syncPeriodMs), 'resync');
    } else {
      this.requeueAfterFailure(queue, group, result.failure.retryable, result.failure.retryAfterMs);
    }
  }

  /**
   * The VPC and its subnets, read once per sync period for every group (a failed read is
   * tried again by the next group that needs it).
   */
  private async network(): Promise<Network> {
    const now = Date.now();
    if (this.networkRead === null || now - this.networkRead.at > this.options.syncPeriodMs) {
      const read = discoverNetwork(this.aws, { vpcId: this.options.vpcId, clusterName: this.options.clusterName });
      this.networkRead = { at: now, read };
      read.catch(() => {
        if (this.networkRead?.read === read) this.networkRead = null;
      });
    }
    return await this.networkRead.read;
  }

  /** From the first change seen since the group last converged, to now that it has. */
  private observeSyncLatency(group: string): void {
    const since = this.changedAt.get(group);
    if (since !== undefined) this.metrics.synced((Date.now() - since) / 1000);
    this.changedAt.delete(group);
  }

  /** The additive backend rules step for one group's targets; its failure fails the reconcile. */
  private async backendFailure(session: Session, vpcId: string, targets: readonly BackendTarget[]): Promise<Failure | null> {
    if (targets.length === 0) return null;
    try {
      await this.openBackend(session, vpcId, targets, 'additive');
      return null;
    } catch (err) {
      const failure = failureOf(err, 'backend security group rules');
      if (failure.code !== 'aborted') this.logger.error({ code: failure.code }, failure.message);
      return failure;
    }
  }

  /**
   * Narrowing and revoking is not urgent: the sweep runs once a sync period, and sooner only when
   * a group stopped using the backend group or is gone (its rules and perhaps the group may go).
   */
  private async oneBackendStepAtATime<T>(step: () => Promise<T>): Promise<T> {
    const run = this.backendRules.then(step);
    this.backendRules = run.catch(() => undefined);
    return await run;
  }

  /** After an endpoint-only reconcile: the group's recorded targets of `services` replaced by `targets`. */
  private recordBackendTargets(group: string, services: ReadonlySet<ObjectKey>, targets: readonly BackendTarget[]): void {
    const before = this.backendTargets.get(group);
    if (before == null) return;
    this.backendTargets.set(group, { ...before, targets: [...before.targets.filter((t) => !services.has(t.service.key)), ...targets] });
  }

  private recordBackend(group: string, result: GroupResult): void {
    const before = this.backendTargets.get(group);
    // The view may have lost the group while this reconcile ran (its Ingress or Gateway being
    // deleted): what it found then is no use any more, and the sweep must look again.
    const now = this.groupExists(group) ? result.backend : undefined;
    if (now === undefined) this.backendTargets.delete(group);
    else this.backendTargets.set(group, now);
    if ((before?.uses === true || result.backend?.uses === true) && now?.uses !== true) this.backendChanged = true;
  }

  private recordCertificates(group: string, result: GroupResult, broken: ReadonlySet<string>): void {
    const before = this.certificatesInUse.get(group);
    if (!this.groupExists(group)) {
      this.certificatesInUse.delete(group);
      this.brokenSecrets.delete(group);
      this.certificatesChanged = true;
      return;
    }
    const inUse = [...new Set(result.certificates.inUse)].sort();
    if (before === undefined || before.join() !== inUse.join()) this.certificatesChanged = true;
    this.certificatesInUse.set(group, inUse);
    this.brokenSecrets.set(group, new Set(broken));
  }

  /**
   * Whether the view has the group now: Ingresses placed in it, or a Gateway of ours, or one our
   * finalizer still marks that is not being deleted (its class gone: held as it is).
   */
  private groupExists(group: string): boolean {
    const gateway = GatewayKey.parse(group);
    if (gateway === undefined) return this.store.group(group) !== undefined;
    if (this.store.gatewayGroups().includes(group)) return true;
    const object = this.store.gateway(gateway.namespace, gateway.name);
    return object !== undefined && !isDeleting(object) && (object.metadata?.finalizers ?? []).includes(GatewayFinalizer);
  }

  /** Every group of the view: Ingress groups and our Gateways. */
  private allGroups(): string[] {
    return [...this.store.grouping().groups.map((g) => g.name), ...this.store.gatewayGroups()];
  }

  private finish(group: string, success: boolean, started: bigint): void {
    this.metrics.reconciled(success ? 'success' : 'error', Number(process.hrtime.bigint() - started) / 1e9);
    this.logger.info({ group, result: success ? 'success' : 'error' }, 'reconciled group');
  }

  private requeueAfterFailure(queue: WorkQueue, group: string, retryable: boolean, retryAfterMs: number | undefined): void {
    this.pending.set(group, { kind: 'full' });
    if (retryAfterMs !== undefined) queue.addRateLimited(group, 'change', { atLeastMs: retryAfterMs });
    else if (retryable) queue.addRateLimited(group);
    // A failure no retry can fix waits for a change by the user, or the next resync.
    else queue.addAfter(group, jitter(this.options.syncPeriodMs), 'resync');
  }

  private updateManaged(): void {
    const counts = this.store.counts();
    this.metrics.setManaged(counts.groups, counts.members);
  }

  // --- watches -------------------------------------------------------------------------

  private buildReflectors(): void {
    const networking = this.kubeConfig.makeApiClient(NetworkingV1Api);
    const core = this.kubeConfig.makeApiClient(CoreV1Api);
    const discovery = this.kubeConfig.makeApiClient(DiscoveryV1Api);
    const custom = this.kubeConfig.makeApiClient(CustomObjectsApi);
    const namespaces = this.options.watchNamespaces ?? [null];
    const add = (description: string, watchPath: string, listPage: (token: string | undefined, limit: number) => Promise<ListPage>, kind: ClusterObject['kind'], watchQuery?: Record<string, string>): void => {
      // Endpoints are the bulk of the cache: only their addresses and readiness are kept.
      const slim = kind === 'EndpointSlice' ? { slim: slimEndpointSlice } : kind === 'Node' ? { slim: slimNode } : {};
      // The reflector remembers Secrets by metadata alone; the store keeps key material only for those in use.
      const remember = kind === 'Secret' ? { remember: metadataOnly } : {};
      this.reflectors.push(
        new Reflector(
          this.kubeConfig,
          {
            description,
            watchPath,
            ...(watchQuery === undefined ? {} : { watchQuery }),
            ...slim,
            ...remember,
            listPage,
            onUpsert: (o) => this.onUpsert(kind, o),
            onDelete: (o) => this.onDelete(kind, o),
          },
          this.logger,
        ),
      );
    };
    // `_continue` only when there is one: the API types do not take `undefined` for it.
    const more = (t: string | undefined, limit: number): { limit: number; _continue?: string } => (t === undefined ? { limit } : { limit, _continue: t });
    const page = <T extends { items: unknown[]; metadata?: { resourceVersion?: string; _continue?: string } }>(list: T): ListPage => ({ items: list.items, metadata: list.metadata });
    const tls = 'type=kubernetes.io/tls';
    for (const ns of namespaces) {
      const where = ns === null ? '' : ` in ${ns}`;
      const path = (group: string, plural: string): string => (ns === null ? `${group}/${plural}` : `${group}/namespaces/${ns}/${plural}`);
      add(
        `Ingress${where}`,
        path(ingressGroupVersion, 'ingresses'),
        async (t, limit) => page(ns === null ? await networking.listIngressForAllNamespaces(more(t, limit)) : await networking.listNamespacedIngress({ namespace: ns, ...more(t, limit) })),
        'Ingress',
      );
      add(
        `Service${where}`,
        path('/api/v1', 'services'),
        async (t, limit) => page(ns === null ? await core.listServiceForAllNamespaces(more(t, limit)) : await core.listNamespacedService({ namespace: ns, ...more(t, limit) })),
        'Service',
      );
      add(
        `EndpointSlice${where}`,
        path('/apis/discovery.k8s.io/v1', 'endpointslices'),
        async (t, limit) =>
          page(ns === null ? await discovery.listEndpointSliceForAllNamespaces(more(t, limit)) : await discovery.listNamespacedEndpointSlice({ namespace: ns, ...more(t, limit) })),
        'EndpointSlice',
      );
      // Only TLS Secrets are ever read: the field selector keeps every other Secret out.
      add(
        `Secret (${tls})${where}`,
        path('/api/v1', 'secrets'),
        async (t, limit) =>
          page(
            ns === null
              ? await core.listSecretForAllNamespaces({ fieldSelector: tls, ...more(t, limit) })
              : await core.listNamespacedSecret({ namespace: ns, fieldSelector: tls, ...more(t, limit) }),
          ),
        'Secret',
        { fieldSelector: tls },
      );
    }
    add('IngressClass', `${ingressGroupVersion}/ingressclasses`, async (t, limit) => page(await networking.listIngressClass(more(t, limit))), 'IngressClass');
    add('Namespace', '/api/v1/namespaces', async (t, limit) => page(await core.listNamespace(more(t, limit))), 'Namespace');
    // Nodes name the instances whose interfaces hold pod addresses: only with a backend group.
    if ((this.options.backendSecurityGroup ?? { kind: 'managed' }).kind !== 'off') add('Node', '/api/v1/nodes', async (t, limit) => page(await core.listNode(more(t, limit))), 'Node');
    add(
      'IngressClassParams',
      '/apis/albatross.dev/v1/ingressclassparams',
      async (t, limit) => {
        try {
          const list = (await custom.listClusterCustomObject({ group: 'albatross.dev', version: 'v1', plural: 'ingressclassparams', ...more(t, limit) })) as {
            items: unknown[];
            metadata?: { resourceVersion?: string; _continue?: string };
          };
          if (this.paramsWarned) {
            this.logger.info('the IngressClassParams CRD is installed now; IngressClasses get their params');
            this.paramsWarned = false;
            this.afterChange(this.store.setIngressClassParamsServed(true));
          }
          return page(list);
        } catch (err) {
          if (!(err instanceof ApiException && err.code === 404)) throw err;
          // No CRD installed: every class has no params until it appears (the watch fails and
          // the list is tried again with backoff, which picks the CRD up).
          if (!this.paramsWarned) {
            this.logger.warn('the IngressClassParams CRD (ingressclassparams.albatross.dev) is not installed; IngressClasses have no params until it is');
            this.afterChange(this.store.setIngressClassParamsServed(false));
          }
          this.paramsWarned = true;
          return { items: [], metadata: { resourceVersion: '' } };
        }
      },
      'IngressClassParams',
    );
    this.addGatewayApiReflectors(add, namespaces, custom, more);
  }

  /**
   * Gateway API kinds, when their CRDs are installed: without them each list answers empty (its
   * watch fails and the list is tried again with backoff, which picks the CRDs up once they are
   * installed, with no restart). ReferenceGrant is read as `v1beta1`, which every v1.x release
   * serves.
   */
  private addGatewayApiReflectors(
    add: (description: string, watchPath: string, listPage: (token: string | undefined, limit: number) => Promise<ListPage>, kind: ClusterObject['kind']) => void,
    namespaces: readonly (string | null)[],
    custom: CustomObjectsApi,
    more: (t: string | undefined, limit: number) => { limit: number; _continue?: string },
  ): void {
    const list = async (version: string, plural: string, namespace: string | null, t: string | undefined, limit: number): Promise<ListPage> => {
      try {
        const answer = (namespace === null
          ? await custom.listClusterCustomObject({ group: GatewayApiGroup, version, plural, ...more(t, limit) })
          : await custom.listNamespacedCustomObject({ group: GatewayApiGroup, version, namespace, plural, ...more(t, limit) })) as ListPage;
        if (this.gatewayApiMissing.delete(plural) && this.gatewayApiMissing.size === 0) this.logger.info('the Gateway API CRDs are installed now; Gateways of our classes are served');
        return { items: answer.items, metadata: answer.metadata };
      } catch (err) {
        if (!(err instanceof ApiException && err.code === 404)) throw err;
        if (this.gatewayApiMissing.size === 0) this.logger.warn(`the Gateway API CRDs (${GatewayApiGroup}) are not installed; Gateways are not served until they are`);
        this.gatewayApiMissing.add(plural);
        return { items: [], metadata: { resourceVersion: '' } };
      }
    };
    const base = `/apis/${GatewayApiGroup}`;
    add('GatewayClass', `${base}/v1/gatewayclasses`, async (t, limit) => await list('v1', 'gatewayclasses', null, t, limit), 'GatewayClass');
    for (const ns of namespaces) {
      const where = ns === null ? '' : ` in ${ns}`;
      const path = (v: string, plural: string): string => (ns === null ? `${base}/${v}/${plural}` : `${base}/${v}/namespaces/${ns}/${plural}`);
      add(`Gateway${where}`, path('v1', 'gateways'), async (t, limit) => await list('v1', 'gateways', ns, t, limit), 'Gateway');
      add(`HTTPRoute${where}`, path('v1', 'httproutes'), async (t, limit) => await list('v1', 'httproutes', ns, t, limit), 'HTTPRoute');
      add(`ReferenceGrant${where}`, path('v1beta1', 'referencegrants'), async (t, limit) => await list('v1beta1', 'referencegrants', ns, t, limit), 'ReferenceGrant');
    }
  }

  /** Gateway API objects are not watched yet; when they are, their ViewChange names the gateway groups they touch. */
  private onUpsert(kind: ClusterObject['kind'], received: unknown): void {
    const object = received as KubeObject;
    switch (kind) {
      case 'Service':
        this.store.upsert({ kind, object: received as V1Service });
        for (const g of this.store.groupsUsingService(object.metadata?.namespace ?? 'default', object.metadata?.name ?? '')) this.enqueue(g, { kind: 'full' });
        return;
      case 'EndpointSlice': {
        const slice = received as V1EndpointSlice;
        const affected = new Set(this.store.groupsUsingEndpointSlice(slice));
        this.readiness.sliceChanged(slice, false);
        this.store.upsert({ kind, object: slice });
        for (const g of this.store.groupsUsingEndpointSlice(slice)) affected.add(g);
        const service = `${slice.metadata?.namespace ?? 'default'}/${slice.metadata?.labels?.['kubernetes.io/service-name'] ?? ''}`;
        for (const g of affected) this.enqueue(g, { kind: 'targets', services: new Set([service]) });
        return;
      }
      case 'Secret': {
        const secret = received as V1Secret;
        const ns = secret.metadata?.namespace ?? 'default';
        const name = secret.metadata?.name ?? '';
        const users = this.store.groupsUsingSecret(ns, name);
        // Key material stays in memory only for Secrets an Ingress of ours uses.
        this.store.upsert({ kind, object: users.size > 0 ? secret : withoutData(secret) });
        this.recordExpiry(secret, users.size > 0);
        for (const g of users) this.enqueue(g, { kind: 'full' });
        return;
      }
      case 'Ingress':
      case 'IngressClass':
      case 'Namespace':
        this.afterChange(this.store.upsert({ kind, object: received } as ClusterObject));
        return;
      case 'IngressClassParams':
        this.afterChange(this.store.upsert({ kind, object: received } as ClusterObject));
        // GatewayClasses naming them are accepted or not by them.
        this.enqueueGatewayClasses();
        return;
      case 'GatewayClass':
        this.afterChange(this.store.upsert({ kind, object: received } as ClusterObject));
        // Its Accepted condition (its Gateways were queued by the change).
        if (isOurGatewayClass(this.store.gatewayClass(object.metadata?.name ?? ''))) this.enqueue(GatewayClassKey.of(object.metadata?.name ?? ''), { kind: 'full' });
        return;
      case 'Gateway':
      case 'HTTPRoute': {
        // Our own status writes come back through the watch: a change of status alone (the
        // generation, deletion, annotations and our status entries as they were) is kept, and
        // reconciles nothing.
        const ns = object.metadata?.namespace ?? 'default';
        const name = object.metadata?.name ?? '';
        const before = kind === 'Gateway' ? this.store.gateway(ns, name) : this.store.httpRoute(ns, name);
        const change = this.store.upsert({ kind, object: received } as ClusterObject);
        if (before === undefined || !statusOnly(before, received as typeof before)) this.afterChange(change);
        return;
      }
      case 'ReferenceGrant':
        this.afterChange(this.store.upsert({ kind, object: received } as ClusterObject));
        return;
      // Pods are never watched: PodReadiness reads the few the readiness gate needs.
      case 'Pod':
        return;
      case 'Node':
        // Read when rules are next made; a node's instance does not change while it exists.
        this.store.upsert({ kind, object: received as V1Node });
        return;
    }
  }

  private onDelete(kind: ClusterObject['kind'], received: unknown): void {
    const object = received as KubeObject;
    const key = kind === 'IngressClass' || kind === 'IngressClassParams' || kind === 'Namespace' || kind === 'Node' || kind === 'GatewayClass' ? (object.metadata?.name ?? '') : objectKey(object);
    switch (kind) {
      case 'Service': {
        const groups = this.store.groupsUsingService(object.metadata?.namespace ?? 'default', object.metadata?.name ?? '');
        this.store.remove(kind, key);
        for (const g of groups) this.enqueue(g, { kind: 'full' });
        return;
      }
      case 'EndpointSlice': {
        const slice = received as V1EndpointSlice;
        const groups = this.store.groupsUsingEndpointSlice(slice);
        this.readiness.sliceChanged(slice, true);
        this.store.remove(kind, key);
        const service = `${slice.metadata?.namespace ?? 'default'}/${slice.metadata?.labels?.['kubernetes.io/service-name'] ?? ''}`;
        for (const g of groups) this.enqueue(g, { kind: 'targets', services: new Set([service]) });
        return;
      }
      case 'Secret': {
        const groups = this.store.groupsUsingSecret(object.metadata?.namespace ?? 'default', object.metadata?.name ?? '');
        this.store.remove(kind, key);
        this.recordExpiry(received as V1Secret, false);
        for (const g of groups) this.enqueue(g, { kind: 'full' });
        return;
      }
      case 'Ingress':
      case 'IngressClass':
      case 'Namespace':
      case 'GatewayClass':
      case 'Gateway':
      case 'HTTPRoute':
      case 'ReferenceGrant':
        this.afterChange(this.store.remove(kind, key));
        return;
      case 'IngressClassParams':
        this.afterChange(this.store.remove(kind, key));
        this.enqueueGatewayClasses();
        return;
      case 'Pod':
        return;
      case 'Node':
        this.store.remove(kind, key);
        return;
    }
  }

  /** Our GatewayClasses' Accepted conditions, which depend on the params they name. */
  private enqueueGatewayClasses(): void {
    for (const c of this.store.gatewayClasses()) if (isOurGatewayClass(c)) this.enqueue(GatewayClassKey.of(c.metadata?.name ?? ''), { kind: 'full' });
  }

  /** A targets-only reconcile of every group using these Services (`namespace/name`). */
  private enqueueTargets(services: ReadonlySet<ObjectKey>): void {
    for (const service of services) {
      const slash = service.indexOf('/');
      for (const g of this.store.groupsUsingService(service.slice(0, slash), service.slice(slash + 1))) this.enqueue(g, { kind: 'targets', services: new Set([service]) });
    }
  }

  /**
   * After the grouping changed, for whatever reason (an Ingress, a class, params, a namespace's
   * labels): the groups it touched are queued, Secrets that came into use are read in full if
   * we lack their key material, and those no longer used lose it.
   */
  private afterChange(change: ViewChange): void {
    for (const g of change.groups) this.enqueue(g, { kind: 'full' });
    for (const key of change.secretsNowUsed) this.readSecret(key, 0);
    for (const key of change.secretsNoLongerUsed) {
      const [ns = 'default', name = ''] = key.split('/');
      const kept = this.store.secret(ns, name);
      if (kept !== undefined) {
        this.store.upsert({ kind: 'Secret', object: withoutData(kept) });
        this.recordExpiry(kept, false);
      }
    }
    if (change.groups.size > 0) this.updateManaged();
  }

  /**
   * Reads in full a Secret that a group uses and whose key material we lack (it was kept
   * without, as nobody's, when it arrived). A failed read is tried again with backoff for as
   * long as the Secret is used and still lacking.
   */
  private readSecret(key: ObjectKey, failures: number): void {
    const [ns = 'default', name = ''] = key.split('/');
    const kept = this.store.secret(ns, name);
    const signal = this.runSignal;
    // Not there yet: the watch brings it whole when it comes, and it is used by then.
    if (kept === undefined || hasData(kept) || this.secretReads.has(key) || signal?.aborted === true) return;
    if (this.store.groupsUsingSecret(ns, name).size === 0) return;
    this.secretReads.add(key);
    const core = (this.core ??= this.kubeConfig.makeApiClient(CoreV1Api));
    void core.readNamespacedSecret({ namespace: ns, name }).then(
      (secret) => {
        this.secretReads.delete(key);
        const users = this.store.groupsUsingSecret(ns, name);
        if (users.size === 0) return;
        this.store.upsert({ kind: 'Secret', object: secret });
        this.recordExpiry(secret, true);
        for (const g of users) this.enqueue(g, { kind: 'full' });
      },
      (err: unknown) => {
        this.secretReads.delete(key);
        // Groups that waited for the read go on without it (the Secret is reported as it is).
        for (const g of this.store.groupsUsingSecret(ns, name)) this.enqueue(g, { kind: 'full' });
        if (err instanceof ApiException && err.code === 404) return;
        const retryInMs = jitter(Math.min(retryFirstMs * 2 ** failures, retryCapMs));
        this.logger.warn({ secret: key, error: (err as Error).message, retryInMs: Math.round(retryInMs) }, 'could not read a TLS Secret an Ingress uses; trying again');
        sleep(retryInMs, signal ?? undefined).then(
          () => this.readSecret(key, failures + 1),
          () => undefined,
        );
      },
    );
  }

  private recordExpiry(secret: V1Secret, used: boolean): void {
    const ns = secret.metadata?.namespace ?? 'default';
    const name = secret.metadata?.name ?? '';
    if (!used) {
      this.metrics.setCertificateExpiry(ns, name, null);
      return;
    }
    const parsed = parseTlsSecret(secret, [], new Date(), `${ns}/${name}`);
    this.metrics.setCertificateExpiry(ns, name, parsed.ok ? parsed.value.notAfter : null);
  }
}

/**
 * Whether a Gateway or HTTPRoute changed in its status alone: the same generation (which the API
 * server bumps on every spec change), deletion, finalizers, annotations, and the Gateways our
 * status entries name.
 */
function statusOnly(before: V1Gateway | V1HTTPRoute, after: V1Gateway | V1HTTPRoute): boolean {
  const a = before.metadata;
  const b = after.metadata;
  const ourParents = (o: V1Gateway | V1HTTPRoute): string =>
    JSON.stringify(
      ((o.status as { parents?: RouteParentStatus[] } | undefined)?.parents ?? [])
        .filter((p) => p.controllerName === GatewayControllerName)
        .map((p) => `${p.parentRef.namespace ?? ''}/${p.parentRef.name}`)
        .sort(),
    );
  return (
    a?.generation !== undefined &&
    a.generation === b?.generation &&
    String(a.deletionTimestamp ?? '') === String(b.deletionTimestamp ?? '') &&
    JSON.stringify(a.finalizers ?? []) === JSON.stringify(b.finalizers ?? []) &&
    JSON.stringify(a.annotations ?? {}) === JSON.stringify(b.annotations ?? {}) &&
    ourParents(before) === ourParents(after)
  );
}

/** A Secret reduced to what a Secret nobody uses needs in memory: no key material. */
function withoutData(secret: V1Secret): V1Secret {
  const { data: _data, stringData: _stringData, ...rest } = secret;
  return rest;
}

function hasData(secret: V1Secret): boolean {
  return Object.keys(secret.data ?? {}).length > 0;
}
