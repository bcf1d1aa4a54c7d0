// The controller's half of the `albatross.dev/target-health` readiness gate. It never lists or
// watches Pods: it reads (GET) only the Pods that EndpointSlice endpoints which are not ready
// refer to, keeps in the ClusterStore only those with the gate, and, while leading, polls
// the health of the target groups those Pods wait on and writes the condition to
// `pods/status`. Everything is decided again from the objects and AWS, so a process started a
// minute ago reaches the same conditions as one that saw every event.
import { PodEniAnnotation } from '../pipeline/backend-security-group.js';
import { ApiException, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1EndpointSlice, type V1Pod, type V1PodCondition } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { Aws } from '../aws/clients.js';
import { sleep } from '../aws/rate-limit.js';
import { ServiceNameLabel, type ClusterStore } from '../cluster/view.js';
import { objectKey } from '../model/ids.js';
import type { ObjectKey } from '../model/resources.js';
import { gateCondition, podTargetGroups, readTargetHealth, StackCache, type GateCondition, type GroupHealth, type PodPlacement } from '../pipeline/readiness.js';
import { containersReady, hasTargetHealthGate, podCondition, TargetHealthGate } from '../translate/readiness.js';

export interface PodReadinessOptions {
  readonly clusterName: string;
  /** How often the target groups of waiting Pods are read, and waiting Pods read again, in ms. @default 2000 */
  readonly pollMs?: number;
  /**
   * A Pod whose containers stay unready this long (crash-looping, say) is read again only
   * every `slowReadMs`, in ms. @default 120000
   */
  readonly fastReadForMs?: number;
  /** @default 30000 */
  readonly slowReadMs?: number;
  /**
   * How long a Pod must have been tracked before `NoTargetGroup` is decided for it, in ms: the
   * slices of a Pod's several Services arrive one by one, and the one an Ingress uses may come
   * last. @default 5000
   */
  readonly settleMs?: number;
  /** Milliseconds on a clock that only moves forward. @default performance.now */
  readonly now?: () => number;
}

/** The leadership a pass runs under: its signal, its AWS scope and whether the lease is still held. */
export interface ReadinessSession {
  readonly signal: AbortSignal;
  readonly aws: Aws;
  readonly holdsLease: () => boolean;
}

/** A Pod some endpoint that is not ready refers to. */
interface Tracked {
  readonly namespace: string;
  readonly name: string;
  /** EndpointSlice key -> the Service and the addresses of its endpoint for this Pod. */
  readonly refs: Map<ObjectKey, { readonly service: ObjectKey; readonly addresses: readonly string[] }>;
  /** The Pod's uid as the endpoints name it, when they do: a new uid is a new Pod of that name. */
  uid: string | undefined;
  /**
   * `unread`: not read (yet, or the read failed); `gone`: 404; `ungated`: no gate, never read
   * again (a Pod's readiness gates cannot change); `gated`: kept in the store.
   */
  known: 'unread' | 'gone' | 'ungated' | 'gated';
  /** When it was first tracked and last read, on `now`'s clock. */
  readonly since: number;
  readAt: number;
  reading: Promise<void> | null;
}

const strategicMerge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

export class PodReadiness {
  private readonly core: CoreV1Api;
  private readonly tracked = new Map<ObjectKey, Tracked>();
  /** EndpointSlice key -> Pods its waiting endpoints refer to. */
  private readonly bySlice = new Map<ObjectKey, Set<ObjectKey>>();
  /** Group -> target group id -> ARN, remembered between passes; refreshed when an id is missing. */
  private readonly arns = new Map<string, Map<string, string>>();
  private readonly reads = pLimit(8);
  private readonly now: () => number;
  private signal: AbortSignal | null = null;
  private wake: (() => void) | null = null;

  /**
   * @param onTargetsChanged called with the Services (`namespace/name`) of a Pod that became,
   *   or stopped being, a target through the gate (its containers became ready or unready)
   */
  constructor(
    kubeConfig: KubeConfig,
    private readonly store: ClusterStore,
    private readonly onTargetsChanged: (services: ReadonlySet<ObjectKey>) => void,
    private readonly options: PodReadinessOptions,
    private readonly logger: Logger,
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.now = options.now ?? (() => performance.now());
  }

  /** Starts reading Pods (until `signal` aborts); Pods tracked before are read now. */
  start(signal: AbortSignal): void {
    this.signal = signal;
    for (const key of this.tracked.keys()) this.read(key);
  }

  /** How many Pods are tracked, and how many of them have the gate: for tests and logs. */
  counts(): { readonly tracked: number; readonly gated: number } {
    let gated = 0;
    for (const t of this.tracked.values()) if (t.known === 'gated') gated++;
    return { tracked: this.tracked.size, gated };
  }

  /**
   * Follows an EndpointSlice added, changed or (`deleted`) gone: Pods of endpoints that are
   * not ready and not terminating are tracked (and read when new); Pods no longer referred to
   * are forgotten, and leave the store.
   */
  sliceChanged(slice: V1EndpointSlice, deleted: boolean): void {
    const sliceKey = objectKey(slice);
    const namespace = slice.metadata?.namespace ?? 'default';
    const service = `${namespace}/${slice.metadata?.labels?.[ServiceNameLabel] ?? ''}`;
    const waiting = new Map<ObjectKey, { readonly addresses: readonly string[]; readonly uid: string | undefined }>();
    if (!deleted) {
      for (const e of slice.endpoints ?? []) {
        if (e.conditions?.ready !== false || e.conditions.terminating === true) continue;
        if (e.targetRef?.kind !== 'Pod' || typeof e.targetRef.name !== 'string') continue;
        waiting.set(`${namespace}/${e.targetRef.name}`, { addresses: [...(e.addresses ?? [])], uid: e.targetRef.uid });
      }
    }
    for (const pod of this.bySlice.get(sliceKey) ?? []) if (!waiting.has(pod)) this.forget(pod, sliceKey);
    if (waiting.size === 0) this.bySlice.delete(sliceKey);
    else this.bySlice.set(sliceKey, new Set(waiting.keys()));
    for (const [key, { addresses, uid }] of waiting) {
      let t = this.tracked.get(key);
      if (t === undefined) {
        const now = this.now();
        t = { namespace, name: key.slice(namespace.length + 1), refs: new Map(), uid, known: 'unread', since: now, readAt: now, reading: null };
        this.tracked.set(key, t);
        t.refs.set(sliceKey, { service, addresses });
        this.read(key);
      } else {
        t.refs.set(sliceKey, { service, addresses });
        if (uid !== undefined && uid !== t.uid) {
          // Another Pod of the same name (a StatefulSet's, recreated): what was read is stale.
          t.uid = uid;
          t.known = 'unread';
          this.read(key);
        }
      }
    }
    this.nudge();
  }

  /** Wakes the polling loop now, say after targets were registered. */
  nudge(): void {
    this.wake?.();
  }

  /**
   * Reads again every tracked Pod that may have the gate. A new leader awaits this before its
   * first reconcile, so no target held by the gate is taken for gone. Never throws.
   */
  async refresh(): Promise<void> {
    await Promise.all([...this.tracked.entries()].filter(([, t]) => t.known !== 'ungated').map(async ([key]) => await this.readNow(key)));
  }

  /**
   * While leading: every `pollMs` (or sooner when nudged), reads again the waiting Pods that are
   * due, reads the health of the target groups the waiting Pods go into, and writes each
   * Pod's condition where it changed. Returns when `session.signal` aborts.
   */
  async run(session: ReadinessSession): Promise<void> {
    const pollMs = this.options.pollMs ?? 2_000;
    while (!session.signal.aborted) {
      try {
        await this.pass(session);
      } catch (err) {
        if (session.signal.aborted) return;
        this.logger.warn({ error: (err as Error).message }, 'readiness gate: could not check waiting Pods; trying again');
      }
      const woken = new Promise<void>((resolve) => (this.wake = resolve));
      try {
        await Promise.race([sleep(pollMs, session.signal), woken]);
      } catch {
        return;
      } finally {
        this.wake = null;
      }
    }
  }

  private async pass(session: ReadinessSession): Promise<void> {
    const now = this.now();
    const slow = this.options.slowReadMs ?? 30_000;
    const due = [...this.tracked.entries()].filter(
      ([, t]) =>
        t.known === 'unread' ||
        // Also once True: containers that fail before the pod is Ready make it a target no more.
        (t.known === 'gated' && now - t.readAt >= this.readInterval(t, now)) ||
        // A Pod the endpoints still name after a 404 may have been made again under that name.
        (t.known === 'gone' && now - t.readAt >= slow),
    );
    await Promise.all(due.map(async ([key]) => await this.readNow(key)));
    if (session.signal.aborted) return;

    const stacks = new StackCache(this.store, this.options.clusterName);
    const decided: { key: ObjectKey; pod: V1Pod; placement: PodPlacement }[] = [];
    for (const [key, t] of this.tracked) {
      const pod = t.known === 'gated' ? this.store.pod(t.namespace, t.name) : undefined;
      if (pod === undefined || !this.waits(t)) continue;
      const addresses = new Set([...t.refs.values()].flatMap((r) => r.addresses));
      const placement = podTargetGroups(this.store, stacks, [...t.refs.values()].map((r) => r.service), addresses);
      // Containers not ready: not a target yet, so nothing to report unless nothing ever waits on it.
      if (!containersReady(pod) && placement.used) continue;
      // Unused so far, but the slice of a Service an Ingress uses may still be on its way.
      if (!placement.used && now - t.since < (this.options.settleMs ?? 5_000)) continue;
      decided.push({ key, pod, placement });
    }
    const wanted = new Map<string, Set<string>>();
    for (const { placement } of decided) for (const tg of placement.targetGroups) wanted.set(tg.group, (wanted.get(tg.group) ?? new Set()).add(tg.id));
    const health = new Map<string, GroupHealth>();
    const failed = new Set<string>();
    for (const [group, ids] of wanted) {
      const arns = this.arns.get(group) ?? new Map<string, string>();
      this.arns.set(group, arns);
      try {
        health.set(group, await readTargetHealth(session.aws, this.options.clusterName, group, ids, arns));
      } catch (err) {
        // One group's failure leaves the Pods of the others to be decided; its ARNs are read again.
        if (session.signal.aborted) throw err;
        failed.add(group);
        this.arns.delete(group);
        this.logger.warn({ group, error: (err as Error).message }, 'readiness gate: could not read the target health of a group; trying again');
      }
    }
    for (const { key, pod, placement } of decided) {
      if (session.signal.aborted) return;
      // Unread health says nothing: the Pod's condition waits for the next pass.
      if (placement.targetGroups.some((tg) => failed.has(tg.group))) continue;
      try {
        await this.write(key, pod, gateCondition(placement, health), session);
      } catch (err) {
        // One Pod's refused write leaves the others to be written.
        if (session.signal.aborted) return;
        this.logger.warn({ pod: key, error: (err as Error).message }, 'readiness gate: could not write the condition; trying again');
      }
    }
    // Target group ARNs of groups nobody waits on are not kept.
    for (const group of this.arns.keys()) if (!wanted.has(group)) this.arns.delete(group);
  }

  /** Whether a gated Pod still waits for its condition (it is not `True` yet). */
  private waits(t: Tracked): boolean {
    const pod = this.store.pod(t.namespace, t.name);
    return pod !== undefined && podCondition(pod, TargetHealthGate) !== 'True';
  }

  /** Containers not ready for long: read slowly; otherwise every pass while containers are unready, else now and then. */
  private readInterval(t: Tracked, now: number): number {
    const pod = this.store.pod(t.namespace, t.name);
    const slow = this.options.slowReadMs ?? 30_000;
    if (pod !== undefined && containersReady(pod)) return slow;
    return now - t.since < (this.options.fastReadForMs ?? 120_000) ? 0 : slow;
  }

  /** Writes the condition when status, reason or message differ from the Pod's; only while the lease is held. */
  private async write(key: ObjectKey, pod: V1Pod, condition: GateCondition, session: ReadinessSession): Promise<void> {
    const conditions = pod.status?.conditions ?? [];
    const current = conditions.find((c) => c.type === TargetHealthGate);
    if (current?.status === condition.status && current.reason === condition.reason && current.message === condition.message) return;
    if (!session.holdsLease()) return;
    const written: V1PodCondition = {
      type: TargetHealthGate,
      status: condition.status,
      reason: condition.reason,
      message: condition.message,
      lastTransitionTime: current?.status === condition.status && current.lastTransitionTime !== undefined ? current.lastTransitionTime : new Date(),
    };
    const namespace = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    try {
      await this.core.patchNamespacedPodStatus(
        // The uid makes the patch fail (409) rather than land on a new Pod of the same name.
        { name, namespace, body: { metadata: { uid: pod.metadata?.uid }, status: { conditions: [written] } } },
        strategicMerge,
      );
    } catch (err) {
      if (err instanceof ApiException && (err.code === 404 || err.code === 409 || err.code === 422)) {
        // Gone, or another Pod of that name now (a uid that does not match is 422 on
        // kube-apiserver 1.36): read it again before anything else.
        this.readNow(key).catch(() => undefined);
        return;
      }
      throw err;
    }
    // Into the Pod as the store has it now (read again, or forgotten, while this pass ran).
    const t = this.tracked.get(key);
    const kept = this.store.pod(namespace, name);
    if (t?.known === 'gated' && kept !== undefined && kept.metadata?.uid === pod.metadata?.uid) {
      this.store.upsert({ kind: 'Pod', object: { ...kept, status: { ...kept.status, conditions: [...(kept.status?.conditions ?? []).filter((c) => c.type !== TargetHealthGate), written] } } });
    }
    this.logger.info({ pod: key, status: condition.status, reason: condition.reason, message: condition.message }, `set ${TargetHealthGate} on Pod`);
  }

  private forget(key: ObjectKey, sliceKey: ObjectKey): void {
    const t = this.tracked.get(key);
    if (t === undefined) return;
    t.refs.delete(sliceKey);
    if (t.refs.size > 0) return;
    this.tracked.delete(key);
    if (t.known === 'gated') this.store.remove('Pod', key);
  }

  /** Reads a Pod in the background once reading has started; a failed read is retried by the next pass. */
  private read(key: ObjectKey): void {
    if (this.signal === null) return;
    this.readNow(key).catch(() => undefined);
  }

  /** Reads a Pod (one read at a time per Pod, eight at most at once) and keeps what the gate needs. */
  private async readNow(key: ObjectKey): Promise<void> {
    const t = this.tracked.get(key);
    if (t === undefined || this.signal === null || this.signal.aborted) return;
    if (t.reading !== null) {
      await t.reading;
      return;
    }
    t.reading = this.reads(async () => {
      let pod: V1Pod | null;
      try {
        pod = await this.core.readNamespacedPod({ name: t.name, namespace: t.namespace });
      } catch (err) {
        if (!(err instanceof ApiException && err.code === 404)) {
          this.logger.warn({ pod: key, error: (err as Error).message }, 'readiness gate: could not read a Pod an endpoint refers to; trying again');
          return;
        }
        pod = null;
      }
      t.readAt = this.now();
      if (this.tracked.get(key) !== t) return;
      const before = this.heldTarget(t);
      if (pod === null) {
        t.known = 'gone';
        this.store.remove('Pod', key);
      } else if (!hasTargetHealthGate(pod)) {
        t.known = 'ungated';
        this.store.remove('Pod', key);
      } else {
        t.known = 'gated';
        this.store.upsert({ kind: 'Pod', object: slimPod(pod) });
      }
      if (before !== this.heldTarget(t)) this.onTargetsChanged(new Set([...t.refs.values()].map((r) => r.service)));
      if (t.known === 'gated') this.nudge();
    });
    try {
      await t.reading;
    } finally {
      t.reading = null;
    }
  }

  /** Whether the Pod is a target through the gate now: gated, containers ready, not being deleted. */
  private heldTarget(t: Tracked): boolean {
    const pod = t.known === 'gated' ? this.store.pod(t.namespace, t.name) : undefined;
    return pod !== undefined && pod.metadata?.deletionTimestamp === undefined && containersReady(pod);
  }
}

/** The conditions the gate reads and writes; the rest of a Pod's status is not kept. */
const keptConditions = new Set(['ContainersReady', 'Ready', TargetHealthGate]);

/**
 * A Pod cut down to what the gate reads: its identity, readiness gates and a few conditions,
 * and its `vpc.amazonaws.com/pod-eni` annotation where it has one.
 */
export function slimPod(pod: V1Pod): V1Pod {
  const m = pod.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(m.name === undefined ? {} : { name: m.name }),
      ...(m.namespace === undefined ? {} : { namespace: m.namespace }),
      ...(m.uid === undefined ? {} : { uid: m.uid }),
      ...(m.deletionTimestamp === undefined ? {} : { deletionTimestamp: m.deletionTimestamp }),
      // Security groups for pods: the branch interface the backend rules go on.
      ...(m.annotations?.[PodEniAnnotation] === undefined ? {} : { annotations: { [PodEniAnnotation]: m.annotations[PodEniAnnotation] } }),
    },
    spec: { containers: [], ...(pod.spec?.readinessGates === undefined ? {} : { readinessGates: pod.spec.readinessGates }) },
    status: { conditions: (pod.status?.conditions ?? []).filter((c) => keptConditions.has(c.type)) },
  };
}
