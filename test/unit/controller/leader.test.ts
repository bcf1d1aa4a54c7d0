import { CreateRuleCommand, DescribeRulesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { V1Lease } from '@kubernetes/client-node';
import { KubeConfig } from '@kubernetes/client-node';
import {
  LeaderElector,
  leaseExpired,
  type LeaderElectionOptions,
  type LeaseStore,
} from '../../../src/controller/leader.js';
import type { AlbatrossError } from '../../../src/model/errors.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { fakeAws } from '../fake-aws.js';
import { FakeClock, flush } from './fake-clock.js';

type Call = 'get' | 'create' | 'replace';

/** One Lease with resourceVersions and 409s as the API server keeps it; each replica gets a view. */
class FakeLeaseServer {
  lease: V1Lease | undefined;
  #version = 0;
  readonly calls = new Map<string, Call[]>();
  readonly failing = new Set<string>();

  view(identity: string): LeaseStore {
    const record = (call: Call): void => {
      this.calls.set(identity, [...(this.calls.get(identity) ?? []), call]);
      if (this.failing.has(identity)) throw new Error('connection refused');
    };
    return {
      get: async () => {
        record('get');
        return await Promise.resolve(this.lease && structuredClone(this.lease));
      },
      create: async (lease) => {
        record('create');
        if (this.lease) return 'conflict';
        return await Promise.resolve(this.#store(lease));
      },
      replace: async (lease) => {
        record('replace');
        if (lease.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion) return 'conflict';
        return await Promise.resolve(this.#store(lease));
      },
    };
  }

  /** Someone else writes the Lease (another controller, a person). */
  overwrite(holderIdentity: string): void {
    this.#store({ ...this.lease, spec: { ...this.lease?.spec, holderIdentity } });
  }

  callsOf(identity: string): Call[] {
    return this.calls.get(identity) ?? [];
  }

  #store(lease: V1Lease): V1Lease {
    this.#version++;
    this.lease = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(this.#version) } };
    return structuredClone(this.lease);
  }
}

const DEFAULTS: Omit<LeaderElectionOptions, 'identity'> = {
  namespace: 'albatross-system',
  name: 'albatross-leader',
  leaseDurationMs: 30_000,
  renewDeadlineMs: 20_000,
  retryPeriodMs: 10_000,
};

interface Replica {
  readonly elector: LeaderElector;
  readonly stop: AbortController;
  readonly done: Promise<void>;
  signal: AbortSignal | undefined;
}

describe('LeaderElector (fake Lease, fake clock)', () => {
  let clock: FakeClock;
  let server: FakeLeaseServer;
  let events: string[];
  const t0 = 1_700_000_000_000;

  beforeEach(() => {
    clock = new FakeClock(t0);
    server = new FakeLeaseServer();
    events = [];
  });

  function at(): string {
    return `${(clock.now() - t0) / 1000}s`;
  }

  async function start(identity: string): Promise<Replica> {
    const stop = new AbortController();
    const replica: Partial<Replica> & { signal: AbortSignal | undefined } = { signal: undefined };
    const elector = new LeaderElector(
      new KubeConfig(),
      { ...DEFAULTS, identity },
      {
        onStartedLeading: (signal) => {
          replica.signal = signal;
          events.push(`${at()} ${identity} started`);
        },
        onStoppedLeading: () => events.push(`${at()} ${identity} stopped`),
      },
      silentLogger(),
      { store: server.view(identity), clock },
    );
    const done = elector.run(stop.signal);
    await flush();
    return Object.assign(replica, { elector, stop, done });
  }

  it('lets exactly one replica lead; a renewal is one replace, a standby check one GET', async () => {
    const a = await start('a');
    const b = await start('b');
    expect(a.elector.isLeader).toBe(true);
    expect(b.elector.isLeader).toBe(false);
    expect(server.callsOf('a')).toEqual(['get', 'create']);
    expect(server.callsOf('b')).toEqual(['get']);

    await clock.advanceAsync(100_000);
    expect(a.elector.isLeader).toBe(true);
    expect(b.elector.isLeader).toBe(false);
    expect(server.callsOf('a')).toEqual(['get', 'create', ...Array<Call>(10).fill('replace')]);
    expect(server.callsOf('b')).toEqual(Array<Call>(11).fill('get'));
    expect([a.elector.requests, b.elector.requests]).toEqual([12, 11]);
    expect(server.lease?.spec?.holderIdentity).toBe('a');
    expect(server.lease?.spec?.leaseDurationSeconds).toBe(30);
    expect(events).toEqual(['0s a started']);

    // An hour at the defaults: 360 + 360 requests, within the target of 1,500 for two replicas.
    await clock.advanceAsync(3_600_000);
    expect([a.elector.requests - 12, b.elector.requests - 11]).toEqual([360, 360]);

    a.stop.abort();
    b.stop.abort();
    await Promise.all([a.done, b.done]);
  });

  it('takes over a lease that stopped changing, after the lease duration of the standby own clock', async () => {
    const a = await start('a');
    await clock.advanceAsync(5_000);
    const b = await start('b');
    await clock.advanceAsync(95_000);
    // a renewed at 100 s; b saw that change at 105 s.
    a.stop.abort();
    await a.done;
    expect(a.elector.isLeader).toBe(false);
    expect(a.signal?.aborted).toBe(true);
    expect((a.signal?.reason as AlbatrossError).code).toBe('aborted');
    expect((a.signal?.reason as AlbatrossError).message).toBe('lost leadership: stopped');

    await clock.advanceAsync(34_999);
    expect(b.elector.isLeader).toBe(false);
    await clock.advanceAsync(1);
    expect(b.elector.isLeader).toBe(true);
    expect(events).toEqual(['0s a started', '100s a stopped', '135s b started']);
    expect(server.lease?.spec?.holderIdentity).toBe('b');
    expect(server.lease?.spec?.leaseTransitions).toBe(1);
    b.stop.abort();
    await b.done;
  });

  it('hands over at once on release(): the lease is written free with one request', async () => {
    const a = await start('a');
    await clock.advanceAsync(3_000);
    const b = await start('b');
    await clock.advanceAsync(15_000);
    const before = a.elector.requests;

    await a.elector.release();
    await a.done;
    expect(a.elector.requests - before).toBe(1);
    expect(a.elector.isLeader).toBe(false);
    expect(server.lease?.spec?.holderIdentity).toBe('');
    expect(server.lease?.spec?.leaseDurationSeconds).toBe(1);

    // b checks at 3 s, 13 s, 23 s: the next check takes the free lease.
    await clock.advanceAsync(5_000);
    expect(b.elector.isLeader).toBe(true);
    expect(events).toEqual(['0s a started', '18s a stopped', '23s b started']);
    expect(server.lease?.spec?.holderIdentity).toBe('b');
    b.stop.abort();
    await b.done;
  });

  it('gives leadership up when renewals fail for the renew deadline, before the standby takes over', async () => {
    const a = await start('a');
    const b = await start('b');
    await clock.advanceAsync(100_000);
    server.failing.add('a');

    await clock.advanceAsync(19_999);
    expect(a.elector.isLeader).toBe(true);
    await clock.advanceAsync(1);
    expect(a.elector.isLeader).toBe(false);
    expect((a.signal?.reason as AlbatrossError).message).toBe('lost leadership: renew deadline passed');
    // Failed renewals are retried after half a retry period (110 s, 115 s); at 120 s it checks as a standby.
    expect(server.callsOf('a').slice(12)).toEqual(['replace', 'replace', 'get']);

    await clock.advanceAsync(20_000);
    expect(b.elector.isLeader).toBe(true);
    expect(events).toEqual(['0s a started', '120s a stopped', '130s b started']);
    a.stop.abort();
    b.stop.abort();
    await Promise.all([a.done, b.done]);
  });

  it('reads the Lease after a 409 and stops leading when another replica holds it', async () => {
    const a = await start('a');
    await clock.advanceAsync(10_000);
    server.overwrite('c');
    await clock.advanceAsync(10_000);
    expect(a.elector.isLeader).toBe(false);
    expect(server.callsOf('a')).toEqual(['get', 'create', 'replace', 'replace', 'get']);
    expect(events).toEqual(['0s a started', '20s a stopped']);
    a.stop.abort();
    await a.done;
  });

  it('renews again after a 409 when the Lease still names it (its own earlier write)', async () => {
    const a = await start('a');
    server.overwrite('a');
    await clock.advanceAsync(10_000);
    expect(a.elector.isLeader).toBe(true);
    expect(server.callsOf('a')).toEqual(['get', 'create', 'replace', 'get', 'replace']);
    a.stop.abort();
    await a.done;
  });

  it('lets no changing AWS call out once the renew deadline passed without a renewal, though the deadline timer has not run yet', async () => {
    const a = await start('a');
    const b = await start('b');
    const leadership = a.signal;
    if (leadership === undefined) throw new Error('a did not start leading');
    let answerRead: (() => void) | undefined;
    const fake = fakeAws((operation) => {
      if (operation === 'DescribeRules') return new Promise((resolve) => (answerRead = () => resolve({ Rules: [] })));
      return {};
    });
    // The session's AWS client, as the controller builds it.
    const aws = fake.aws.withSignal(leadership, () => a.elector.holdsLease());
    const reconcile = (async () => {
      await aws.send(aws.elbv2, new DescribeRulesCommand({ ListenerArn: 'arn:listener' }));
      await aws.send(aws.elbv2, new CreateRuleCommand({ ListenerArn: 'arn:listener', Priority: 100, Conditions: [], Actions: [] }));
    })();
    await flush();
    expect(fake.operations()).toEqual(['DescribeRules']);

    // The leader is paused (SIGSTOP) for 37 s, past the lease duration: b may have taken over.
    // On resume the read's answer is handled before any timer runs.
    clock.freeze(37_000);
    answerRead?.();
    await expect(reconcile).rejects.toMatchObject({ code: 'aborted', message: expect.stringMatching(/^CreateRule not sent: /) as unknown });
    expect(leadership.aborted).toBe(false);
    expect(fake.operations()).toEqual(['DescribeRules']);

    a.stop.abort();
    b.stop.abort();
    await Promise.all([a.done, b.done]);
  });

  it('allows changes while renewals succeed, and again after a late renewal succeeded', async () => {
    const a = await start('a');
    const leadership = a.signal;
    if (leadership === undefined) throw new Error('a did not start leading');
    const fake = fakeAws(() => ({}));
    const aws = fake.aws.withSignal(leadership, () => a.elector.holdsLease());
    const change = async (): Promise<unknown> => await aws.send(aws.elbv2, new CreateRuleCommand({ ListenerArn: 'arn:listener', Priority: 100, Conditions: [], Actions: [] }));

    await clock.advanceAsync(95_000);
    await change();
    clock.freeze(25_000);
    await expect(change()).rejects.toMatchObject({ code: 'aborted' });
    // Timers run: the overdue renewal goes first and succeeds (nobody took the lease).
    await clock.advanceAsync(0);
    expect(a.elector.holdsLease()).toBe(true);
    await change();
    expect(fake.operations()).toEqual(['CreateRule', 'CreateRule']);
    a.stop.abort();
    await a.done;
  });

  it.each([
    ['forward', 3_600_000],
    ['back', -3_600_000],
  ])('times lease expiry on the monotonic clock: the wall clock set an hour %s changes nothing', async (_direction, stepMs) => {
    const a = await start('a');
    const b = await start('b');
    await clock.advanceAsync(100_000);
    // a renewed at 100 s, b saw it at 100 s; then a dies without releasing the lease.
    a.stop.abort();
    await a.done;
    clock.stepWall(stepMs);

    await clock.advanceAsync(29_999);
    expect(b.elector.isLeader).toBe(false);
    await clock.advanceAsync(1);
    expect(b.elector.isLeader).toBe(true);
    expect(events).toEqual(['0s a started', '100s a stopped', `${130 + stepMs / 1000}s b started`]);
    b.stop.abort();
    await b.done;
  });

  it('refuses durations that break lease > renew deadline > retry period', () => {
    const make = (): LeaderElector =>
      new LeaderElector(
        new KubeConfig(),
        { ...DEFAULTS, identity: 'a', renewDeadlineMs: 30_000 },
        { onStartedLeading: () => undefined, onStoppedLeading: () => undefined },
        silentLogger(),
        { store: server.view('a'), clock },
      );
    expect(make).toThrow(
      'leader election: lease duration (30000 ms) must be greater than the renew deadline (30000 ms), which must be greater than the retry period (10000 ms)',
    );
  });
});

describe('leaseExpired', () => {
  const lease: V1Lease = { spec: { holderIdentity: 'a', leaseDurationSeconds: 30 } };

  it('counts the lease duration from when this replica saw the Lease change', () => {
    expect(leaseExpired(1_000, lease, 30_999)).toBe(false);
    expect(leaseExpired(1_000, lease, 31_000)).toBe(true);
  });
});
