// Leader election against a real kube-apiserver: two electors on one Lease with short durations.
// Only one leads; the other takes over when the leader stops renewing, and at once on release.
// The assertions hold however slowly a busy machine runs the test: they compare the order of
// requests and the lease duration, never how many requests fit in some stretch of time.
import { CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import {
  ApiLeaseStore,
  LeaderElector,
  type LeaderElectionOptions,
  type LeaseStore,
} from '../../src/controller/leader.js';
import { silentLogger } from '../../src/observability/logger.js';
import { envtestPerFile } from './suite.js';

const TEST_TIMEOUT_MS = 60_000;
const NAMESPACE = 'default';
const OPTIONS: Omit<LeaderElectionOptions, 'identity' | 'name'> = {
  namespace: NAMESPACE,
  leaseDurationMs: 3_000,
  renewDeadlineMs: 2_000,
  retryPeriodMs: 500,
};

const started = envtestPerFile({ crdPaths: [] });

type Call = 'get' | 'create' | 'replace' | 'conflict';

/** The real store, recording each request and whether a write met a 409. */
function recording(store: LeaseStore, calls: Call[]): LeaseStore {
  return {
    get: async (signal) => {
      calls.push('get');
      return await store.get(signal);
    },
    create: async (lease, signal) => {
      calls.push('create');
      const result = await store.create(lease, signal);
      if (result === 'conflict') calls.push('conflict');
      return result;
    },
    replace: async (lease, signal) => {
      calls.push('replace');
      const result = await store.replace(lease, signal);
      if (result === 'conflict') calls.push('conflict');
      return result;
    },
  };
}

interface Replica {
  readonly identity: string;
  readonly elector: LeaderElector;
  readonly calls: Call[];
  readonly stop: AbortController;
  readonly done: Promise<void>;
  startedAt: number | undefined;
  /** How many requests it had made when it started leading. */
  callsAtStart: number | undefined;
  leadership: AbortSignal | undefined;
}

function replica(name: string, identity: string, options: Partial<LeaderElectionOptions> = {}): Replica {
  const { kubeConfig } = started();
  const calls: Call[] = [];
  const stop = new AbortController();
  const self: Omit<Replica, 'elector' | 'done'> = { identity, calls, stop, startedAt: undefined, callsAtStart: undefined, leadership: undefined };
  const elector = new LeaderElector(
    kubeConfig,
    { ...OPTIONS, ...options, name, identity },
    {
      onStartedLeading: (signal) => {
        self.startedAt = Date.now();
        self.callsAtStart = calls.length;
        self.leadership = signal;
      },
      onStoppedLeading: () => undefined,
    },
    silentLogger(),
    { store: recording(new ApiLeaseStore(kubeConfig, NAMESPACE, name), calls) },
  );
  return Object.assign(self, { elector, done: elector.run(stop.signal) });
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function lease(name: string): Promise<V1Lease> {
  return await started().kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ name, namespace: NAMESPACE });
}

describe('LeaderElector (kube-apiserver)', () => {
  it(
    'lets one of two replicas lead with one request per renewal, and hands over when the leader stops renewing',
    async () => {
      const a = replica('takeover', 'replica-a');
      await waitFor(() => a.elector.isLeader, 10_000);
      const b = replica('takeover', 'replica-b');
      try {
        // Steady state: a renews, b checks, for 4 s (8 retry periods).
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const aBefore = a.calls.length;
        const bBefore = b.calls.length;
        const windowStart = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 4_000));
        const windowMs = Date.now() - windowStart;
        const aWindow = a.calls.slice(aBefore);
        const bWindow = b.calls.slice(bBefore);

        expect(a.elector.isLeader).toBe(true);
        expect(b.elector.isLeader).toBe(false);
        expect(a.calls.slice(0, 2)).toEqual(['get', 'create']);
        // Every renewal was one replace that succeeded; every standby check one GET.
        expect(new Set(aWindow)).toEqual(new Set(['replace']));
        expect(new Set(bWindow)).toEqual(new Set(['get']));
        expect(a.elector.requests).toBe(a.calls.length);
        expect(b.elector.requests).toBe(b.calls.length);
        const perHour = ((aWindow.length + bWindow.length) * 3_600_000) / windowMs;
        // At 0.5 s retry periods; the defaults (10 s) make 20 times fewer.
        console.log(
          `Lease requests in ${windowMs} ms: leader ${aWindow.length}, standby ${bWindow.length}; ` +
            `${Math.round(perHour)}/h at a 0.5 s retry period, ${Math.round(perHour / 20)}/h scaled to the 10 s default`,
        );
        expect(aWindow.length).toBeGreaterThan(0);
        expect(bWindow.length).toBeGreaterThan(0);
        expect((await lease('takeover')).spec?.holderIdentity).toBe('replica-a');

        // The leader stops renewing without releasing (as a killed process would).
        a.stop.abort();
        await a.done;
        expect(a.leadership?.aborted).toBe(true);
        expect(a.elector.isLeader).toBe(false);
        const lastRenewal = new Date((await lease('takeover')).spec?.renewTime ?? 0).getTime();
        await waitFor(() => b.elector.isLeader, 30_000);
        const takeoverMs = (b.startedAt ?? 0) - lastRenewal;
        console.log(`takeover ${takeoverMs} ms after the leader's last renewal (lease duration 3000 ms)`);
        // Never before the lease duration since a's last renewal: b waits for expiry. (renewTime is
        // wall time, expiry is timed on the monotonic clock: NTP slewing may part them by a few ms.)
        expect(takeoverMs).toBeGreaterThanOrEqual(OPTIONS.leaseDurationMs - 10);
        const current = await lease('takeover');
        expect(current.spec?.holderIdentity).toBe('replica-b');
        expect(current.spec?.leaseTransitions).toBe(1);
      } finally {
        a.stop.abort();
        b.stop.abort();
        await Promise.all([a.done, b.done]);
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'hands over at once when the leader releases the lease',
    async () => {
      // A lease long next to the retry period, so that a takeover by expiry cannot pass for a handover.
      const long = { leaseDurationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 500 };
      const a = replica('release', 'replica-a', long);
      await waitFor(() => a.elector.isLeader, 10_000);
      const b = replica('release', 'replica-b', long);
      try {
        await waitFor(() => b.calls.length >= 2, 10_000);
        const releasedAt = Date.now();
        await a.elector.release();
        await a.done;
        expect(a.leadership?.aborted).toBe(true);

        await waitFor(() => b.elector.isLeader, 20_000);
        const handoverMs = (b.startedAt ?? Infinity) - releasedAt;
        console.log(`handover ${handoverMs} ms after release (retry period 500 ms, lease duration 30000 ms)`);
        // Taken because the lease was released, not because it expired: the lease lasts 30 s,
        // and b checks every 0.5 s. How many checks a busy machine fits in between is not asserted.
        expect(handoverMs).toBeLessThan(long.leaseDurationMs);
        // It took the released Lease over with a replace (the Lease object stays; only its holder goes).
        expect(b.calls.slice(0, b.callsAtStart).at(-1)).toBe('replace');
        expect((await lease('release')).spec?.holderIdentity).toBe('replica-b');
      } finally {
        a.stop.abort();
        b.stop.abort();
        await Promise.all([a.done, b.done]);
      }
    },
    TEST_TIMEOUT_MS,
  );
});
