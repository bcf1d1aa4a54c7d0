// The albatross.dev/target-health readiness gate and prompt deregistration, end to end through a
// real kube-apiserver and the AWS emulator. There is no kubelet here: the tests play its part,
// creating Pods with a node name, writing their status through the status subresource, and
// writing EndpointSlices with targetRefs as the EndpointSlice controller would.
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { PatchStrategy, setHeaderOptions, type V1Endpoint, type V1EndpointSlice, type V1Pod } from '@kubernetes/client-node';
import { endpointSlice, ingress, ingressClass, pod, service, type EndpointOptions } from '../unit/factories.js';
import { readAlb } from '../integration/reconcile/harness.js';
import { apis, applyEndpointSlice, applyIngress, applyService, awsCluster, crdPath, eventually, namespace, startController, type AwsCluster, type RunningController } from './cluster.js';
import { startEnvtest, type Envtest } from './envtest.js';

const ns = 'roll';
const gate = 'albatross.dev/target-health';
let env: Envtest;
let at: AwsCluster;
let running: RunningController;

beforeAll(async () => {
  env = await startEnvtest({ crdPaths: [crdPath], startTimeoutMs: 110_000 });
  at = await awsCluster('readiness');
  await namespace(env.kubeConfig, ns);
  await apis(env.kubeConfig).networking.createIngressClass({ body: ingressClass() });
  for (const name of ['web', 'app', 'lonely']) await applyService(env.kubeConfig, service({ namespace: ns, name }));
  await applyEndpointSlice(env.kubeConfig, slice('web', [{ addresses: ['10.0.1.10'] }]));
  await applyEndpointSlice(env.kubeConfig, slice('app', ['10.0.2.1', '10.0.2.2', '10.0.2.3'].map((ip) => ({ addresses: [ip] }))));
  await applyIngress(
    env.kubeConfig,
    ingress({ namespace: ns, name: 'roll', host: 'roll.example.com', annotations: { 'group.name': 'roll' }, paths: [{ path: '/', service: 'web' }, { path: '/app', service: 'app' }] }),
  );
  // The sync period is an hour: whatever happens in these tests happens on an endpoint change.
  running = startController(env.kubeConfig, at);
  await eventually('the targets of web and app registered', async () => ((await healthyTargets('web')).length === 1 && (await healthyTargets('app')).length === 3 ? true : undefined), 60_000);
}, 180_000);

afterAll(async () => {
  await running.stop();
  await env.stop();
}, 60_000);

const slice = (svc: string, endpoints: readonly EndpointOptions[]): V1EndpointSlice => endpointSlice({ namespace: ns, service: svc, name: `${svc}-1`, endpoints });

/** Creates a Pod on a node and writes its conditions through the status subresource, as the kubelet would. */
async function createPod(name: string, gated: boolean, conditions: Record<string, string>): Promise<void> {
  await apis(env.kubeConfig).core.createNamespacedPod({ namespace: ns, body: pod({ namespace: ns, name, gated }) });
  await setConditions(name, conditions);
}

async function setConditions(name: string, conditions: Record<string, string>): Promise<void> {
  await apis(env.kubeConfig).core.patchNamespacedPodStatus(
    { name, namespace: ns, body: { status: { phase: 'Running', conditions: Object.entries(conditions).map(([type, status]) => ({ type, status, lastTransitionTime: new Date() })) } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
}

async function readPod(name: string): Promise<V1Pod> {
  return await apis(env.kubeConfig).core.readNamespacedPod({ name, namespace: ns });
}

const gateOf = async (name: string): Promise<{ status?: string; reason?: string; message?: string } | undefined> => (await readPod(name)).status?.conditions?.find((c) => c.type === gate);

/** Target group ARN of a Service of the `roll` group, once it exists. */
const arns = new Map<string, string>();
async function targetGroupOf(svc: string): Promise<string | undefined> {
  const known = arns.get(svc);
  if (known !== undefined) return known;
  const alb = await readAlb(running.cluster, 'roll');
  for (const [arn, name] of alb?.targetGroupNames ?? []) if (alb?.targetGroupServices.get(name) === `${ns}/${svc}`) arns.set(svc, arn);
  return arns.get(svc);
}

/** The addresses registered and healthy in the Service's target group, as AWS reports them. */
async function healthyTargets(svc: string): Promise<string[]> {
  const arn = await targetGroupOf(svc);
  if (arn === undefined) return [];
  const health = await running.cluster.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
  return (health.TargetHealthDescriptions ?? [])
    .filter((d) => d.TargetHealth?.State === 'healthy')
    .map((d) => d.Target?.Id ?? '')
    .sort();
}

const registered = async (svc: string, ip: string): Promise<true | undefined> => ((await healthyTargets(svc)).includes(ip) ? true : undefined);
const deregistered = async (svc: string, ip: string): Promise<true | undefined> => ((await healthyTargets(svc)).includes(ip) ? undefined : true);

test('a gated pod is registered before it is Ready; its condition turns True once its target is healthy, and not before it was registered', async () => {
  await createPod('web-gated', true, { ContainersReady: 'False', Ready: 'False' });
  await applyEndpointSlice(env.kubeConfig, slice('web', [{ addresses: ['10.0.1.10'] }, { addresses: ['10.0.1.21'], ready: false, pod: 'web-gated' }]));

  // Watched as a user would: the condition and the target group, side by side, until True.
  const seen: { condition: string | undefined; registered: boolean }[] = [];
  const watching = eventually('the gate condition True', async () => {
    const condition = (await gateOf('web-gated'))?.status;
    const inAws = (await healthyTargets('web')).includes('10.0.1.21');
    seen.push({ condition, registered: inAws });
    return condition === 'True' ? true : undefined;
  });
  // The kubelet: containers ready; the Pod stays unready, held by its gate.
  await setConditions('web-gated', { ContainersReady: 'True' });
  await watching;

  expect(seen.filter((s) => s.condition === 'True' && !s.registered)).toEqual([]);
  expect(await healthyTargets('web')).toEqual(['10.0.1.10', '10.0.1.21']);
  const condition = await gateOf('web-gated');
  expect(condition).toMatchObject({ status: 'True', reason: 'TargetHealthy' });
  expect(condition?.message).toMatch(/^healthy in target group k8s-/);
  // The Pod was never Ready while this happened: its EndpointSlice endpoint still says ready: false.
  expect((await readPod('web-gated')).status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
}, 60_000);

test('a gated pod whose containers are not ready, and an ungated pod that is not ready, are not registered', async () => {
  await createPod('web-starting', true, { ContainersReady: 'False', Ready: 'False' });
  await createPod('web-plain', false, { ContainersReady: 'True', Ready: 'False' });
  // A gated pod with ready containers in the same change is the witness that the slice was handled.
  await createPod('web-witness', true, { ContainersReady: 'True', Ready: 'False' });
  await applyEndpointSlice(
    env.kubeConfig,
    slice('web', [
      { addresses: ['10.0.1.10'] },
      { addresses: ['10.0.1.21'], ready: false, pod: 'web-gated' },
      { addresses: ['10.0.1.22'], ready: false, pod: 'web-starting' },
      { addresses: ['10.0.1.23'], ready: false, pod: 'web-plain' },
      { addresses: ['10.0.1.24'], ready: false, pod: 'web-witness' },
    ]),
  );
  await eventually('the witness registered', () => registered('web', '10.0.1.24'));
  await eventually('the witness condition True', async () => ((await gateOf('web-witness'))?.status === 'True' ? true : undefined));

  expect(await healthyTargets('web')).toEqual(['10.0.1.10', '10.0.1.21', '10.0.1.24']);
  // The Pod whose containers are not ready is left alone: nothing to report, its target waits.
  expect((await gateOf('web-starting'))?.status).not.toBe('True');
  expect(await gateOf('web-plain')).toBeUndefined();
}, 60_000);

test('a gated pod behind no Ingress of ours gets True', async () => {
  await createPod('lonely-1', true, { ContainersReady: 'False', Ready: 'False' });
  await applyEndpointSlice(env.kubeConfig, slice('lonely', [{ addresses: ['10.0.3.1'], ready: false, pod: 'lonely-1' }]));
  const condition = await eventually('the condition of a Pod nobody routes to', async () => ((await gateOf('lonely-1'))?.status === 'True' ? await gateOf('lonely-1') : undefined));
  expect(condition).toMatchObject({ status: 'True', reason: 'NoTargetGroup' });
}, 60_000);

test('a terminating endpoint is deregistered at once, without waiting for its slice entry to go', async () => {
  // Far inside the hour-long sync period: the endpoint change alone does it.
  await applyEndpointSlice(
    env.kubeConfig,
    slice('web', [
      { addresses: ['10.0.1.10'], ready: false, terminating: true },
      { addresses: ['10.0.1.21'], ready: false, pod: 'web-gated' },
      { addresses: ['10.0.1.24'], ready: false, pod: 'web-witness' },
    ]),
  );
  await eventually('the terminating target deregistered', () => deregistered('web', '10.0.1.10'), 5_000);
  expect(await healthyTargets('web')).toEqual(['10.0.1.21', '10.0.1.24']);
}, 30_000);

test('a rolling update of three gated pods, one at a time, never leaves fewer registered targets than the minimum of three', async () => {
  // Deployment: 3 replicas, maxSurge 1, maxUnavailable 0, so at least 3 pods are always available.
  const minimum = 3;
  const endpoints = new Map<string, V1Endpoint>(['10.0.2.1', '10.0.2.2', '10.0.2.3'].map((ip) => [ip, { addresses: [ip], conditions: { ready: true } }]));
  const publish = async (): Promise<void> => {
    const base = slice('app', []);
    await applyEndpointSlice(env.kubeConfig, { ...base, endpoints: [...endpoints.values()] });
  };

  let fewest = Number.POSITIVE_INFINITY;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      fewest = Math.min(fewest, (await healthyTargets('app')).length);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  try {
    for (let i = 1; i <= 3; i++) {
      const name = `app-new-${i}`;
      const ip = `10.0.2.${10 + i}`;
      const old = `10.0.2.${i}`;
      // The surge pod: created, scheduled, its containers starting.
      await createPod(name, true, { ContainersReady: 'False', Ready: 'False' });
      endpoints.set(ip, { addresses: [ip], conditions: { ready: false, serving: false, terminating: false }, targetRef: { kind: 'Pod', name, namespace: ns } });
      await publish();
      await setConditions(name, { ContainersReady: 'True' });
      // The kubelet makes the Pod Ready only once every gate is True.
      await eventually(`${name}'s gate True`, async () => ((await gateOf(name))?.status === 'True' ? true : undefined));
      expect(await healthyTargets('app')).toContain(ip);
      await setConditions(name, { Ready: 'True' });
      endpoints.set(ip, { addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', name, namespace: ns } });
      await publish();
      // Then the Deployment terminates an old pod: its endpoint says terminating, then goes.
      endpoints.set(old, { addresses: [old], conditions: { ready: false, serving: true, terminating: true } });
      await publish();
      await eventually(`${old} deregistered`, () => deregistered('app', old));
      endpoints.delete(old);
      await publish();
    }
  } finally {
    sampling = false;
    await sampler;
  }
  expect(await healthyTargets('app')).toEqual(['10.0.2.11', '10.0.2.12', '10.0.2.13']);
  expect(fewest).toBeGreaterThanOrEqual(minimum);
}, 120_000);

test('a controller started afresh reaches the same decisions from the objects and AWS: targets held by the gate stay, a pod that waited meanwhile gets its condition', async () => {
  await running.stop();
  // While no controller runs: a new gated pod, containers ready, not Ready.
  await createPod('web-late', true, { ContainersReady: 'True', Ready: 'False' });
  await applyEndpointSlice(
    env.kubeConfig,
    slice('web', [
      { addresses: ['10.0.1.21'], ready: false, pod: 'web-gated' },
      { addresses: ['10.0.1.24'], ready: false, pod: 'web-witness' },
      { addresses: ['10.0.1.25'], ready: false, pod: 'web-late' },
    ]),
  );

  const missing = new Set<string>();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const now = await healthyTargets('web');
      for (const ip of ['10.0.1.21', '10.0.1.24']) if (!now.includes(ip)) missing.add(ip);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  try {
    running = startController(env.kubeConfig, at);
    await eventually("web-late's gate True", async () => ((await gateOf('web-late'))?.status === 'True' ? true : undefined));
  } finally {
    sampling = false;
    await sampler;
  }
  expect(await healthyTargets('web')).toEqual(['10.0.1.21', '10.0.1.24', '10.0.1.25']);
  // Pods held by the gate were never taken for gone by the new process's first reconcile.
  expect([...missing]).toEqual([]);
}, 60_000);

test('a pod behind a Service no Ingress uses and one an Ingress uses is held until registered, whichever slice comes first', async () => {
  await createPod('both-1', true, { ContainersReady: 'False', Ready: 'False' });
  // The unused Service's slice first: the used one's comes a moment later.
  await applyEndpointSlice(env.kubeConfig, slice('lonely', [{ addresses: ['10.0.1.41'], ready: false, pod: 'both-1' }]));
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await applyEndpointSlice(env.kubeConfig, slice('web', [{ addresses: ['10.0.1.21'], ready: false, pod: 'web-gated' }, { addresses: ['10.0.1.24'], ready: false, pod: 'web-witness' }, { addresses: ['10.0.1.25'], ready: false, pod: 'web-late' }, { addresses: ['10.0.1.41'], ready: false, pod: 'both-1' }]));
  await setConditions('both-1', { ContainersReady: 'True' });
  const condition = await eventually("both-1's gate True", async () => {
    const c = await gateOf('both-1');
    return c?.status === 'True' ? c : undefined;
  });
  expect(condition.reason).toBe('TargetHealthy');
  expect(await healthyTargets('web')).toContain('10.0.1.41');
}, 60_000);

test('a pod made again under the same name (a StatefulSet\'s) is read again and gets its condition', async () => {
  await createPod('ss-0', true, { ContainersReady: 'False', Ready: 'False' });
  const first = (await readPod('ss-0')).metadata?.uid;
  await applyEndpointSlice(env.kubeConfig, slice('app', [{ addresses: ['10.0.2.1'] }, { addresses: ['10.0.2.51'], ready: false, pod: 'ss-0', ...(first === undefined ? {} : { podUid: first }) }]));
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await apis(env.kubeConfig).core.deleteNamespacedPod({ name: 'ss-0', namespace: ns, gracePeriodSeconds: 0 });
  // Read while its endpoint still names it: 404.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  await createPod('ss-0', true, { ContainersReady: 'True', Ready: 'False' });
  const second = (await readPod('ss-0')).metadata?.uid;
  await applyEndpointSlice(env.kubeConfig, slice('app', [{ addresses: ['10.0.2.1'] }, { addresses: ['10.0.2.52'], ready: false, pod: 'ss-0', ...(second === undefined ? {} : { podUid: second }) }]));
  // Sooner than the slow re-read of a Pod found gone (30 s): the new uid is read at once.
  await eventually("the new ss-0's gate True", async () => ((await gateOf('ss-0'))?.status === 'True' ? true : undefined), 15_000);
  expect(await healthyTargets('app')).toContain('10.0.2.52');
}, 60_000);
