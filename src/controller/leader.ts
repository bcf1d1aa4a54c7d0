// Leader election on a coordination.k8s.io/v1 Lease, with client-go's leaderelection semantics,
// in as few API requests as the protocol allows: one write per renewal, one read per standby check.
import {
  ApiException,
  CoordinationV1Api,
  Observable,
  V1MicroTime,
  type KubeConfig,
  type ObservableMiddleware,
  type V1Lease,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { systemClock, type Clock, type Timer } from './durations.js';
import { AlbatrossError } from '../model/errors.js';

/**
 * Where and how long the lease is held. The defaults named here are the controller's flags'
 * defaults (`--leader-election-*`), the same as controller-runtime's; they must satisfy
 * `leaseDurationMs > renewDeadlineMs > retryPeriodMs`, as client-go's `NewLeaderElector` requires.
 */
export interface LeaderElectionOptions {
  /** Namespace of the Lease. */
  readonly namespace: string;
  /** Name of the Lease, e.g. `albatross-leader`. */
  readonly name: string;
  /** This replica, unique among replicas (pod name plus a random suffix). */
  readonly identity: string;
  /**
   * How long a standby waits, from the last change of the Lease it saw, before it takes over a
   * lease whose holder stopped renewing. Written to the Lease in whole seconds (at least 1). 30 s.
   */
  readonly leaseDurationMs: number;
  /** How long the leader keeps trying to renew before it gives leadership up. 20 s. */
  readonly renewDeadlineMs: number;
  /** Time between a leader's renewals, and between a standby's checks. 10 s. */
  readonly retryPeriodMs: number;
}

export interface LeaderCallbacks {
  /**
   * This replica now holds the lease. `signal` aborts, with an `aborted` AlbatrossError as its
   * reason, the moment leadership is lost (renew deadline passed, another holder, release, or
   * `run`'s signal): reconciles in flight must stop then.
   */
  onStartedLeading(signal: AbortSignal): void;
  /** Called once after each leadership ends, after `signal` above was aborted. */
  onStoppedLeading(): void;
}

/** The three Lease requests the elector makes; each call is one API request. */
export interface LeaseStore {
  /** The Lease, or undefined when it does not exist (404). */
  get(signal: AbortSignal): Promise<V1Lease | undefined>;
  /** Creates the Lease; `conflict` when it exists already (409). */
  create(lease: V1Lease, signal: AbortSignal): Promise<V1Lease | 'conflict'>;
  /** Replaces the Lease if its `metadata.resourceVersion` is still current, else `conflict` (409). */
  replace(lease: V1Lease, signal: AbortSignal): Promise<V1Lease | 'conflict'>;
}

/** Test seams; the controller passes none. */
export interface LeaderElectorDependencies {
  /** @default the Lease through CoordinationV1Api of the KubeConfig */
  readonly store?: LeaseStore;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** The Lease through the Kubernetes API; a request is abandoned when its signal aborts. */
export class ApiLeaseStore implements LeaseStore {
  readonly #api: CoordinationV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly namespace: string,
    private readonly name: string,
  ) {
    this.#api = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  async get(signal: AbortSignal): Promise<V1Lease | undefined> {
    try {
      return await this.#api.readNamespacedLease({ name: this.name, namespace: this.namespace }, withSignal(signal));
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  async create(lease: V1Lease, signal: AbortSignal): Promise<V1Lease | 'conflict'> {
    return await conflictAsValue(
      this.#api.createNamespacedLease({ namespace: this.namespace, body: lease }, withSignal(signal)),
    );
  }

  async replace(lease: V1Lease, signal: AbortSignal): Promise<V1Lease | 'conflict'> {
    return await conflictAsValue(
      this.#api.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body: lease }, withSignal(signal)),
    );
  }
}

async function conflictAsValue(request: Promise<V1Lease>): Promise<V1Lease | 'conflict'> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ApiException && error.code === 409) return 'conflict';
    throw error;
  }
}

function withSignal(signal: AbortSignal): { middleware: ObservableMiddleware[]; middlewareMergeStrategy: 'append' } {
  return {
    middleware: [
      {
        pre: (context) => {
          context.setSignal(signal);
          return new Observable(Promise.resolve(context));
        },
        post: (response) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/**
 * Holds a Lease for one replica among several, so that only one reconciles. As client-go's
 * `leaderelection` package (and the Kubernetes "Leases" concept page) define it:
 * - a standby takes the lease when it is free (no holder, as after a release) or expired: it has
 *   not changed for `leaseDurationSeconds` of this replica's own clock since it was last seen to
 *   change. Like client-go, expiry is timed from when this replica observed the last change, not
 *   from the `renewTime` written by another replica's clock, so clock skew between nodes cannot
 *   make a standby take over early. Every duration is measured on the monotonic clock, so a step
 *   of the wall clock can neither lengthen nor shorten a lease; `renewTime` and `acquireTime`
 *   still carry wall time, for people and other tools;
 * - the leader renews every `retryPeriodMs`, and gives leadership up when no renewal succeeded
 *   for `renewDeadlineMs` since the start of the last successful one (it stops before any standby
 *   may take over, as renewDeadline < leaseDuration);
 * - every write carries the resourceVersion last seen; a 409 means another replica wrote first.
 *
 * Requests (the target is at most 1,500 an hour for two replicas together). A renewal is
 * ONE request, a replace with the resourceVersion of the leader's own last write; the Lease is
 * read again only after a 409. A standby makes ONE GET per check. At the defaults (retry period
 * 10 s): leader 3600 / 10 = 360 replaces an hour, standby 3600 / 10 = 360 GETs an hour, together
 * 720 an hour (client-go reads before every renewal: 360 x 2 + 360 = 1,080). A failed renewal is
 * retried after half a retry period until the deadline; taking over adds one replace.
 */
export class LeaderElector {
  readonly #options: LeaderElectionOptions;
  readonly #callbacks: LeaderCallbacks;
  readonly #logger: Logger;
  readonly #store: LeaseStore;
  readonly #clock: Clock;
  readonly #leaseDurationSeconds: number;

  /** The Lease as last read or written. */
  #observed: V1Lease | undefined;
  /** Monotonic time at which #observed was first seen with its resourceVersion. */
  #observedAt = 0;
  #leading: AbortController | undefined;
  /** Monotonic time at the start of the last successful acquire or renew. */
  #lastRenewAt = 0;
  #deadlineTimer: Timer | undefined;
  #requests = 0;
  #released = false;
  /** Aborted by release(): ends run()'s wait and its request in flight. */
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;

  /**
   * @throws AlbatrossError `usage` when the durations are not leaseDuration > renewDeadline >
   *   retryPeriod > 0.
   */
  constructor(
    kubeConfig: KubeConfig,
    options: LeaderElectionOptions,
    callbacks: LeaderCallbacks,
    logger: Logger,
    dependencies: LeaderElectorDependencies = {},
  ) {
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = options;
    if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > retryPeriodMs && retryPeriodMs > 0)) {
      throw new AlbatrossError(
        'usage',
        `leader election: lease duration (${leaseDurationMs} ms) must be greater than the renew deadline (${renewDeadlineMs} ms), which must be greater than the retry period (${retryPeriodMs} ms)`,
      );
    }
    this.#options = options;
    this.#callbacks = callbacks;
    this.#logger = logger.child({ lease: `${options.namespace}/${options.name}`, identity: options.identity });
    this.#store = dependencies.store ?? new ApiLeaseStore(kubeConfig, options.namespace, options.name);
    this.#clock = dependencies.clock ?? systemClock;
    this.#leaseDurationSeconds = Math.max(1, Math.ceil(leaseDurationMs / 1000));
  }

  /** Whether this replica holds the lease right now. */
  get isLeader(): boolean {
    return this.#leading !== undefined;
  }

  /**
   * Whether this replica may still act as the leader right now: it leads, and less than the
   * renew deadline has passed on the monotonic clock since the start of its last successful
   * renewal. Unlike {@link isLeader}, which ends only when the deadline timer runs, this turns
   * false the moment the deadline passes, also in a process that was paused (SIGSTOP, a VM
   * freeze) and handles what arrived meanwhile before its timers. Changing AWS calls ask it
   * right before they are sent: a standby may take over once the lease duration has passed.
   */
  holdsLease(): boolean {
    return this.#leading !== undefined && this.#clock.monotonic() - this.#lastRenewAt < this.#options.renewDeadlineMs;
  }

  /** API requests made so far (for the requests-per-hour measurement). */
  get requests(): number {
    return this.#requests;
  }

  /**
   * Tries to acquire and then keeps renewing until `signal` aborts or {@link release} is called;
   * leadership ends then (callbacks told), but the Lease is left to expire unless
   * {@link release} writes it free. Never rejects: failed requests are logged and retried.
   *
   * @throws AlbatrossError `internal` when called while already running.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new AlbatrossError('internal', 'leader election is already running');
    this.#running = this.#loop(signal);
    await this.#running;
  }

  /**
   * Gives the lease up for good: ends {@link run} and leadership (callbacks told), and if this
   * replica holds the Lease, writes it free (no holder, lease duration 1 s, as client-go's
   * ReleaseOnCancel does) so that a standby takes over on its next check instead of waiting for
   * expiry. Call it on shutdown after reconciles stopped. Never rejects: a failed write is
   * logged, and the Lease then expires on its own.
   */
  async release(): Promise<void> {
    this.#released = true;
    this.#stop.abort();
    await this.#running;
    this.#stopLeading('released');
    if (this.#observed?.spec?.holderIdentity !== this.#options.identity) return;
    // Shutdown must not hang on an unresponsive API server.
    const signal = AbortSignal.timeout(this.#options.renewDeadlineMs);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const now = this.#clock.monotonic();
        const wall = new V1MicroTime(this.#clock.now());
        const lease = this.#observed;
        const written = await this.#request(() =>
          this.#store.replace(
            {
              ...lease,
              spec: {
                ...lease.spec,
                holderIdentity: '',
                leaseDurationSeconds: 1,
                acquireTime: wall,
                renewTime: wall,
              },
            },
            signal,
          ),
        );
        if (written !== 'conflict') {
          this.#observe(written, now);
          this.#logger.info('released the lease');
          return;
        }
        // Our own renewal may have landed after the version we hold: read and try once more.
        const current = await this.#request(() => this.#store.get(signal));
        if (!current) return;
        this.#observe(current, this.#clock.monotonic());
        if (current.spec?.holderIdentity !== this.#options.identity) return;
      }
    } catch (error) {
      this.#logger.warn({ err: error }, 'could not release the lease; it expires on its own');
    }
  }

  async #loop(signal: AbortSignal): Promise<void> {
    const stop = AbortSignal.any([signal, this.#stop.signal]);
    try {
      while (!stop.aborted) {
        const started = this.#clock.monotonic();
        let wait = this.#options.retryPeriodMs;
        const leading = this.#leading;
        if (leading) {
          const renewed = await this.#attempt(stop, this.#lastRenewAt + this.#options.renewDeadlineMs - started, (s) =>
            this.#renew(started, s),
          );
          // The deadline timer may have ended this leadership while the request was out.
          if (this.#leading !== leading) continue;
          if (renewed === 'renewed') this.#renewed(started);
          else if (renewed === 'lost') this.#stopLeading('another replica holds the lease');
          else wait = this.#options.retryPeriodMs / 2;
        } else {
          const acquired = await this.#attempt(stop, this.#options.renewDeadlineMs, (s) => this.#tryAcquire(started, s));
          if (acquired === 'renewed' && !stop.aborted) this.#startLeading(started);
        }
        await sleep(this.#clock, wait, stop);
      }
    } finally {
      this.#stopLeading(this.#released ? 'released' : 'stopped');
    }
  }

  /** One acquire or renew with a time limit; failures are logged and count as 'failed'. */
  async #attempt(
    stop: AbortSignal,
    timeoutMs: number,
    work: (signal: AbortSignal) => Promise<'renewed' | 'lost'>,
  ): Promise<'renewed' | 'lost' | 'failed'> {
    const timeout = new AbortController();
    const timer = this.#clock.setTimer(() => timeout.abort(), Math.max(1, timeoutMs));
    try {
      return await work(AbortSignal.any([stop, timeout.signal]));
    } catch (error) {
      if (!stop.aborted) this.#logger.warn({ err: error }, 'lease request failed');
      return 'failed';
    } finally {
      timer.cancel();
    }
  }

  /**
   * The leader's renewal: one replace with the version last seen; a read only after a 409.
   * @param now monotonic time at the start of the attempt
   */
  async #renew(now: number, signal: AbortSignal): Promise<'renewed' | 'lost'> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const lease = this.#observed;
      if (lease?.spec?.holderIdentity !== this.#options.identity) return 'lost';
      const written = await this.#request(() =>
        this.#store.replace(
          {
            ...lease,
            spec: {
              ...lease.spec,
              leaseDurationSeconds: this.#leaseDurationSeconds,
              renewTime: new V1MicroTime(this.#clock.now()),
            },
          },
          signal,
        ),
      );
      if (written !== 'conflict') {
        this.#observe(written, now);
        return 'renewed';
      }
      const current = await this.#request(() => this.#store.get(signal));
      if (!current) return 'lost';
      this.#observe(current, this.#clock.monotonic());
    }
    return 'lost';
  }

  /**
   * A standby's check: one GET; a create or replace only when the lease is free or expired.
   * @param now monotonic time at the start of the check
   */
  async #tryAcquire(now: number, signal: AbortSignal): Promise<'renewed' | 'lost'> {
    const identity = this.#options.identity;
    // What the Lease shows others; durations are never computed from it.
    const wall = (): V1MicroTime => new V1MicroTime(this.#clock.now());
    const current = await this.#request(() => this.#store.get(signal));
    if (!current) {
      const created = await this.#request(() =>
        this.#store.create(
          {
            metadata: { name: this.#options.name, namespace: this.#options.namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: this.#leaseDurationSeconds,
              acquireTime: wall(),
              renewTime: wall(),
              leaseTransitions: 0,
            },
          },
          signal,
        ),
      );
      if (created === 'conflict') return 'lost';
      this.#observe(created, now);
      return 'renewed';
    }
    // As client-go, a change counts from when its answer arrived, not from when the check began.
    const seenAt = this.#clock.monotonic();
    this.#observe(current, seenAt);
    const holder = current.spec?.holderIdentity ?? '';
    if (holder !== '' && holder !== identity && !leaseExpired(this.#observedAt, current, seenAt)) return 'lost';
    const transitions = current.spec?.leaseTransitions ?? 0;
    const written = await this.#request(() =>
      this.#store.replace(
        {
          ...current,
          spec: {
            ...current.spec,
            holderIdentity: identity,
            leaseDurationSeconds: this.#leaseDurationSeconds,
            renewTime: wall(),
            ...(holder === identity ? {} : { acquireTime: wall(), leaseTransitions: transitions + 1 }),
          },
        },
        signal,
      ),
    );
    if (written === 'conflict') return 'lost';
    this.#observe(written, now);
    return 'renewed';
  }

  async #request<T>(call: () => Promise<T>): Promise<T> {
    this.#requests++;
    return await call();
  }

  #observe(lease: V1Lease, now: number): void {
    if (lease.metadata?.resourceVersion !== this.#observed?.metadata?.resourceVersion) this.#observedAt = now;
    this.#observed = lease;
  }

  #startLeading(at: number): void {
    this.#leading = new AbortController();
    this.#renewed(at);
    this.#logger.info('started leading');
    try {
      this.#callbacks.onStartedLeading(this.#leading.signal);
    } catch (error) {
      this.#logger.error({ err: error }, 'onStartedLeading failed');
    }
  }

  #renewed(at: number): void {
    this.#lastRenewAt = at;
    this.#deadlineTimer?.cancel();
    // A hung request must not keep us leading past the deadline, so a timer ends it.
    this.#deadlineTimer = this.#clock.setTimer(
      () => this.#stopLeading('renew deadline passed'),
      at + this.#options.renewDeadlineMs - this.#clock.monotonic(),
    );
  }

  #stopLeading(reason: string): void {
    const leading = this.#leading;
    if (!leading) return;
    this.#leading = undefined;
    this.#deadlineTimer?.cancel();
    this.#deadlineTimer = undefined;
    leading.abort(new AlbatrossError('aborted', `lost leadership: ${reason}`));
    this.#logger.info({ reason }, 'stopped leading');
    try {
      this.#callbacks.onStoppedLeading();
    } catch (error) {
      this.#logger.error({ err: error }, 'onStoppedLeading failed');
    }
  }
}

/**
 * Whether a lease held by another replica may be taken: unchanged for its
 * `leaseDurationSeconds` since `observedAt`, the time it was first seen as it is now.
 *
 * @param observedAt monotonic time in ms ({@link Clock.monotonic}) when this replica first
 *   saw the Lease's current resourceVersion
 * @param now monotonic time in ms; never the wall clock, which may be stepped
 */
export function leaseExpired(observedAt: number, lease: V1Lease, now: number): boolean {
  const seconds = lease.spec?.leaseDurationSeconds ?? 0;
  return observedAt + seconds * 1000 <= now;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
async function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await new Promise<void>((resolve) => {
    const onAbort = (): void => {
      timer.cancel();
      resolve();
    };
    const timer = clock.setTimer(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
