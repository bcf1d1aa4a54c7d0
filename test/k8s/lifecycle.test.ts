// The Ingress lifecycle against a real kube-apiserver and the AWS emulator: what a user sees
// (objects, finalizers, status, Events, and requests routed through the rules AWS holds) when
// an Ingress changes hands, a standby watches, a name has a typo, a class is replaced, a
// finalizer removal is refused, a group is frozen, an old finalizer is found, or a Secret came
// first. Each test has its own namespace, AWS cluster and controller, which watches only that
// namespace. Nothing is asserted on timing: an absence is checked after a later point that can
// be observed (more reconciles counted, an Event written, the controller's cache caught up).
import {
  AdmissionregistrationV1Api,
  ApiException,
  CoordinationV1Api,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  type V1Ingress,
  type V1IngressLoadBalancerIngress,
} from '@kubernetes/client-node';
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { observeCertificates } from '../../src/certificates/acm.js';
import type { ControllerOptions } from '../../src/controller/controller.js';
import { Pki, tlsSecret } from '../unit/certificates/pki.js';
import { endpointSlice, ingress, ingressClass, service, type IngressOptions } from '../unit/factories.js';
import { readAlb, route, type ObservedAlb } from '../integration/reconcile/harness.js';
import { apis, applyEndpointSlice, applyIngress, applyService, awsCluster, crdPath, eventsOf, eventually, namespace, startController, type AwsCluster, type RunningController } from './cluster.js';
import { envtestPerFile } from './suite.js';

const started = envtestPerFile({ crdPaths: [crdPath] });
const kubeConfig = (): ReturnType<typeof started>['kubeConfig'] => started().kubeConfig;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const host = 'shop.example.com';

let pki: Pki;
beforeAll(async () => {
  pki = new Pki();
  await apis(kubeConfig()).networking.createIngressClass({ body: ingressClass() });
});
afterAll(() => {
  pki.close();
});

/** Controllers started by the running test, stopped after it whatever happened. */
const controllers: RunningController[] = [];
afterEach(async () => {
  for (const running of controllers.splice(0)) await running.stop();
}, 60_000);

/** One test's world: a namespace with Services `web` and `api`, and a cluster in AWS. */
interface Scene {
  readonly ns: string;
  readonly at: AwsCluster;
  /** Starts a controller watching only this namespace, resyncing every 2 s unless told. */
  start(options?: Partial<ControllerOptions>): RunningController;
  stop(running: RunningController): Promise<void>;
  ingress(name: string, options?: Omit<IngressOptions, 'name' | 'namespace'>): V1Ingress;
  read(name: string): Promise<V1Ingress | undefined>;
  /** Waits until the Ingress is gone from the API server. */
  gone(name: string): Promise<void>;
}

async function scene(ns: string): Promise<Scene> {
  const kc = kubeConfig();
  await namespace(kc, ns);
  for (const [name, ip] of [['web', '10.0.1.10'], ['api', '10.0.2.10']] as const) {
    await applyService(kc, service({ namespace: ns, name }));
    await applyEndpointSlice(kc, endpointSlice({ namespace: ns, service: name, name: `${name}-1`, endpoints: [{ addresses: [ip] }] }));
  }
  const at = await awsCluster(ns);
  const read = async (name: string): Promise<V1Ingress | undefined> => await apis(kc).networking.readNamespacedIngress({ name, namespace: ns }).catch(() => undefined);
  return {
    ns,
    at,
    start(options = {}) {
      const running = startController(kc, at, { watchNamespaces: [ns], syncPeriodMs: 2_000, ...options });
      controllers.push(running);
      return running;
    },
    async stop(running) {
      controllers.splice(controllers.indexOf(running), 1);
      await running.stop();
    },
    ingress: (name, options = {}) => ingress({ host, ...options, namespace: ns, name }),
    read,
    async gone(name) {
      await eventually(`Ingress ${ns}/${name} gone`, async () => ((await read(name)) === undefined ? true : undefined), 60_000);
    },
  };
}

/** `albatross_reconcile_total` for one result, from the controller's metrics. */
async function reconciles(running: RunningController, result: 'success' | 'error' = 'success'): Promise<number> {
  const found = new RegExp(`^albatross_reconcile_total\\{result="${result}"\\} (\\d+)`, 'm').exec(await running.metrics.text());
  return Number(found?.[1] ?? 0);
}

/** Waits until `n` more reconciles succeeded than now: a point later than anything before. */
async function moreReconciles(running: RunningController, n: number): Promise<void> {
  const from = await reconciles(running);
  await eventually(`${n} more reconciles`, async () => ((await reconciles(running)) >= from + n ? true : undefined), 60_000);
}

async function albOf(running: RunningController, group: string): Promise<ObservedAlb | null> {
  return await readAlb(running.cluster, group);
}

/** Where the group's ALB sends a request to `host` + `path` on port 80. */
async function routeOf(running: RunningController, group: string, path: string): Promise<string> {
  const alb = await albOf(running, group);
  return alb === null ? 'no load balancer' : route(alb, 80, host, path);
}

async function hostnameOf(s: Scene, name: string): Promise<string> {
  return await eventually(`a status hostname on ${s.ns}/${name}`, async () => (await s.read(name))?.status?.loadBalancer?.ingress?.[0]?.hostname, 60_000);
}

async function warning(s: Scene, name: string, reason: string, ...fragments: string[]): Promise<{ type: string; message: string }> {
  return await eventually(`a ${reason} Event on ${s.ns}/${name} naming ${fragments.join(', ')}`, async () =>
    (await eventsOf(kubeConfig(), s.ns, name)).find((e) => e.reason === reason && fragments.every((f) => e.message.includes(f))),
  );
}

async function writeStatus(s: Scene, name: string, entries: V1IngressLoadBalancerIngress[]): Promise<void> {
  await apis(kubeConfig()).networking.patchNamespacedIngressStatus({ name, namespace: s.ns, body: { status: { loadBalancer: { ingress: entries } } } }, mergePatch);
}

async function setFinalizers(s: Scene, name: string, finalizers: string[]): Promise<void> {
  await apis(kubeConfig()).networking.patchNamespacedIngress({ name, namespace: s.ns, body: { metadata: { finalizers } } }, mergePatch);
}

async function deleteIngress(s: Scene, name: string): Promise<void> {
  await apis(kubeConfig()).networking.deleteNamespacedIngress({ name, namespace: s.ns });
}

test('an Ingress handed to another controller is released once; that controller\'s status is never fought over', async () => {
  const s = await scene('fight');
  const { networking } = apis(kubeConfig());
  await networking.createIngressClass({ body: ingressClass({ name: 'other', controller: 'example.com/other' }) });
  const running = s.start({ syncPeriodMs: 2_000 });
  // `keeper` stays ours, so resyncs keep being counted.
  await applyIngress(kubeConfig(), s.ingress('keeper', { paths: [{ path: '/', service: 'api' }] }));
  await applyIngress(kubeConfig(), s.ingress('web', { paths: [{ path: '/', service: 'web' }] }));
  await applyIngress(kubeConfig(), s.ingress('mixed', { paths: [{ path: '/', service: 'web' }] }));
  const ours = await hostnameOf(s, 'web');
  const oursMixed = await hostnameOf(s, 'mixed');
  await hostnameOf(s, 'keeper');

  // `mixed` is frozen (its status is no longer written), and another controller adds its entry.
  await applyIngress(kubeConfig(), s.ingress('mixed', { annotations: { 'target-type': 'instance' }, paths: [{ path: '/', service: 'web' }] }));
  await warning(s, 'mixed', 'FailedBuildModel', 'target-type');
  await writeStatus(s, 'mixed', [{ hostname: oursMixed }, { ip: '192.0.2.20' }]);

  await applyIngress(kubeConfig(), s.ingress('web', { className: 'other', paths: [{ path: '/', service: 'web' }] }));
  await applyIngress(kubeConfig(), s.ingress('mixed', { className: 'other', annotations: { 'target-type': 'instance' }, paths: [{ path: '/', service: 'web' }] }));
  for (const name of ['web', 'mixed']) {
    await eventually(
      `${name} released`,
      async () => {
        const found = await s.read(name);
        return found !== undefined && (found.metadata?.finalizers ?? []).length === 0 ? true : undefined;
      },
      60_000,
    );
  }
  await eventually('our hostname cleared from web', async () => (((await s.read('web'))?.status?.loadBalancer?.ingress ?? []).length === 0 ? true : undefined));
  expect(await albOf(running, 'fight/web')).toBeNull();
  expect(ours).not.toBe(oursMixed);

  // The other controller writes its status, a few times over.
  const eventsBefore = await eventsOf(kubeConfig(), s.ns, 'web');
  await writeStatus(s, 'web', [{ ip: '192.0.2.10' }]);
  await writeStatus(s, 'web', [{ ip: '192.0.2.10', ports: [{ port: 80, protocol: 'TCP' }] }]);
  await writeStatus(s, 'web', [{ ip: '192.0.2.10' }]);
  await eventually('the controller saw the last status write', () => {
    const shown = running.controller.store.ingress('fight/web')?.status?.loadBalancer?.ingress ?? [];
    return Promise.resolve(shown.length === 1 && shown[0]?.ip === '192.0.2.10' && shown[0].ports === undefined ? true : undefined);
  });
  await moreReconciles(running, 3);

  const web = await s.read('web');
  expect(web?.status?.loadBalancer?.ingress).toEqual([{ ip: '192.0.2.10' }]);
  expect(web?.metadata?.finalizers ?? []).toEqual([]);
  expect(await eventsOf(kubeConfig(), s.ns, 'web')).toEqual(eventsBefore);
  expect(await albOf(running, 'fight/web')).toBeNull();

  // Released beside another controller's entry: only ours went.
  expect((await s.read('mixed'))?.status?.loadBalancer?.ingress).toEqual([{ ip: '192.0.2.20' }]);
  expect(await albOf(running, 'fight/mixed')).toBeNull();
}, 180_000);

test('a fresh standby never removes a finalizer; once it leads, the rules go first and then the finalizer', async () => {
  const s = await scene('standby');
  const leaseName = 'albatross-lifecycle';
  // A leader made the load balancers and recorded its groups on the Ingresses.
  const leader = s.start();
  await applyIngress(kubeConfig(), s.ingress('early', { paths: [{ path: '/', service: 'web' }] }));
  await applyIngress(kubeConfig(), s.ingress('late', { paths: [{ path: '/', service: 'api' }] }));
  await hostnameOf(s, 'early');
  await hostnameOf(s, 'late');
  await s.stop(leader);

  // Someone else leads for a long while.
  const coordination = kubeConfig().makeApiClient(CoordinationV1Api);
  await coordination.createNamespacedLease({
    namespace: s.ns,
    body: { metadata: { name: leaseName, namespace: s.ns }, spec: { holderIdentity: 'someone-else', leaseDurationSeconds: 3600, acquireTime: new V1MicroTime(), renewTime: new V1MicroTime() } },
  });
  // One deleted while no replica runs (the standby lists it as being deleted), one after the standby synced.
  await deleteIngress(s, 'early');
  const standby = s.start({ leaderElection: { namespace: s.ns, name: leaseName, leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 300 } });
  await eventually('the standby synced', () => Promise.resolve(standby.controller.synced ? true : undefined));
  await deleteIngress(s, 'late');
  await eventually('the standby saw the deletion', () => Promise.resolve(standby.controller.store.ingress('standby/late')?.metadata?.deletionTimestamp != null ? true : undefined));

  expect(standby.controller.isLeader).toBe(false);
  for (const [name, service] of [['early', 'web'], ['late', 'api']] as const) {
    const kept = await s.read(name);
    expect(kept?.metadata?.deletionTimestamp).toBeDefined();
    expect(kept?.metadata?.finalizers).toEqual(['albatross.dev/resources']);
    expect(await routeOf(standby, `standby/${name}`, '/x')).toMatch(new RegExp(`^forward .*${service}`));
  }
  expect(await reconciles(standby)).toBe(0);
  expect(standby.aws.calls.changingOperations()).toEqual([]);

  // The lease is free: the standby leads, cleans AWS, then lets the Ingresses go.
  await coordination.deleteNamespacedLease({ name: leaseName, namespace: s.ns });
  await s.gone('early');
  await s.gone('late');
  expect(await albOf(standby, 'standby/early')).toBeNull();
  expect(await albOf(standby, 'standby/late')).toBeNull();
  expect(standby.controller.isLeader).toBe(true);
}, 180_000);

test('a typo in group.name freezes the Ingress in its group: same load balancer, same routes, finalizer kept', async () => {
  const s = await scene('typo');
  const running = s.start();
  await applyIngress(kubeConfig(), s.ingress('web', { annotations: { 'group.name': 'shop' }, paths: [{ path: '/', service: 'web' }] }));
  const hostname = await hostnameOf(s, 'web');
  const arn = (await albOf(running, 'shop'))?.arn;
  expect(arn).toBeDefined();

  await applyIngress(kubeConfig(), s.ingress('web', { annotations: { 'group.name': 'Shop_Typo' }, paths: [{ path: '/', service: 'web' }] }));
  const event = await warning(s, 'web', 'FailedBuildModel', 'group.name', 'Shop_Typo');
  expect(event.type).toBe('Warning');
  await moreReconciles(running, 2);
  expect((await albOf(running, 'shop'))?.arn).toBe(arn);
  expect(await routeOf(running, 'shop', '/anything')).toMatch(/^forward .*web/);
  const held = await s.read('web');
  expect(held?.metadata?.finalizers).toEqual(['alb.group.albatross.dev/shop']);
  expect(held?.status?.loadBalancer?.ingress).toEqual([{ hostname }]);
  expect(await albOf(running, 'Shop_Typo')).toBeNull();

  // Fixed, with a new path: reconciled as usual again.
  await applyIngress(kubeConfig(), s.ingress('web', { annotations: { 'group.name': 'shop' }, paths: [{ path: '/', service: 'web' }, { path: '/new', service: 'api' }] }));
  await eventually('the new path served', async () => ((await routeOf(running, 'shop', '/new/x')).includes('api') ? true : undefined));
  expect((await albOf(running, 'shop'))?.arn).toBe(arn);
  expect((await s.read('web'))?.metadata?.finalizers).toEqual(['alb.group.albatross.dev/shop']);
}, 180_000);

test('an IngressClass deleted and created again deletes nothing and creates nothing', async () => {
  const s = await scene('klass');
  const { networking } = apis(kubeConfig());
  const running = s.start();
  await applyIngress(kubeConfig(), s.ingress('a', { annotations: { 'group.name': 'shop' }, paths: [{ path: '/a', service: 'api' }] }));
  await applyIngress(kubeConfig(), s.ingress('b', { paths: [{ path: '/', service: 'web' }] }));
  await hostnameOf(s, 'a');
  await hostnameOf(s, 'b');
  const arns = { shop: (await albOf(running, 'shop'))?.arn, b: (await albOf(running, 'klass/b'))?.arn };
  expect(arns.shop).toBeDefined();
  expect(arns.b).toBeDefined();
  await moreReconciles(running, 2);
  const changingBefore = running.aws.calls.changingOperations();

  try {
    // As `kubectl replace --force` or a GitOps "Replace" sync does it: deleted, then created.
    await networking.deleteIngressClass({ name: 'alb' });
    for (const name of ['a', 'b']) expect((await warning(s, name, 'FailedBuildModel', 'IngressClass "alb"', 'does not exist')).type).toBe('Warning');
    await moreReconciles(running, 2);
    expect((await albOf(running, 'shop'))?.arn).toBe(arns.shop);
    expect((await albOf(running, 'klass/b'))?.arn).toBe(arns.b);
    expect(await routeOf(running, 'shop', '/a/x')).toMatch(/^forward .*api/);
    expect(await routeOf(running, 'klass/b', '/x')).toMatch(/^forward .*web/);
    expect((await s.read('a'))?.metadata?.finalizers).toEqual(['alb.group.albatross.dev/shop']);
    expect((await s.read('b'))?.metadata?.finalizers).toEqual(['albatross.dev/resources']);
  } finally {
    await networking.createIngressClass({ body: ingressClass() }).catch(() => undefined);
  }
  await eventually('the class seen again', () => Promise.resolve(running.controller.store.ingressClass('alb') !== undefined ? true : undefined));
  await moreReconciles(running, 3);
  expect((await albOf(running, 'shop'))?.arn).toBe(arns.shop);
  expect((await albOf(running, 'klass/b'))?.arn).toBe(arns.b);
  expect(await routeOf(running, 'shop', '/a/x')).toMatch(/^forward .*api/);
  // Not a single change in AWS from the class's deletion to its return and after.
  expect(running.aws.calls.changingOperations()).toEqual(changingBefore);
}, 180_000);

test('a refused finalizer removal is retried until the API server accepts it', async () => {
  const s = await scene('refuse');
  const admission = kubeConfig().makeApiClient(AdmissionregistrationV1Api);
  const policy = 'albatross-block-release';
  const labels = 'has(object.metadata.labels) && \'block-release\' in object.metadata.labels && object.metadata.labels[\'block-release\'] == \'true\'';
  const keeps = 'oldObject.metadata.finalizers.all(f, !f.contains(\'group.albatross.dev/\') || (has(object.metadata.finalizers) && f in object.metadata.finalizers))';
  await admission.createValidatingAdmissionPolicy({
    body: {
      metadata: { name: policy },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['ingresses'] }] },
        validations: [{ expression: `!(${labels}) || !has(oldObject.metadata.finalizers) || ${keeps}`, message: 'release blocked by policy' }],
      },
    },
  });
  await admission.createValidatingAdmissionPolicyBinding({
    body: { metadata: { name: policy }, spec: { policyName: policy, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': s.ns } } } } },
  });

  const running = s.start();
  const blocked = s.ingress('blocked', { annotations: { 'group.name': 'shop', 'group.order': '-1' }, paths: [{ path: '/blocked', service: 'api' }] });
  await applyIngress(kubeConfig(), { ...blocked, metadata: { ...blocked.metadata, labels: { 'block-release': 'true' } } });
  await applyIngress(kubeConfig(), s.ingress('stay', { annotations: { 'group.name': 'shop' }, paths: [{ path: '/', service: 'web' }] }));
  await hostnameOf(s, 'blocked');
  await hostnameOf(s, 'stay');
  expect(await routeOf(running, 'shop', '/blocked/x')).toMatch(/^forward .*api/);
  // The policy is in force once the API server refuses a dry run of the removal.
  await eventually('the policy in force', async () => {
    try {
      await apis(kubeConfig()).networking.patchNamespacedIngress({ name: 'blocked', namespace: s.ns, dryRun: 'All', body: { metadata: { finalizers: [] } } }, mergePatch);
      return undefined;
    } catch (err) {
      return err instanceof ApiException && String(err.body).includes('release blocked by policy') ? true : undefined;
    }
  });

  await deleteIngress(s, 'blocked');
  await eventually('the blocked rules gone from AWS', async () => ((await routeOf(running, 'shop', '/blocked/x')).includes('web') ? true : undefined));
  await eventually('the removal refused twice', async () => ((await reconciles(running, 'error')) >= 2 ? true : undefined));
  const terminating = await s.read('blocked');
  expect(terminating?.metadata?.deletionTimestamp).toBeDefined();
  expect(terminating?.metadata?.finalizers).toEqual(['alb.group.albatross.dev/shop']);

  // The policy stops applying; nothing about the Ingress changes.
  await admission.deleteValidatingAdmissionPolicyBinding({ name: policy });
  await s.gone('blocked');
  expect((await s.read('stay'))?.metadata?.finalizers).toEqual(['alb.group.albatross.dev/shop']);
  await admission.deleteValidatingAdmissionPolicy({ name: policy });
}, 180_000);

test('a member deleted from a frozen group loses its rules and is let go; the frozen member keeps serving', async () => {
  const s = await scene('frozen');
  const running = s.start();
  await applyIngress(kubeConfig(), s.ingress('a', { annotations: { 'group.name': 'shop' }, paths: [{ path: '/a', service: 'api' }] }));
  await applyIngress(kubeConfig(), s.ingress('b', { annotations: { 'group.name': 'shop' }, paths: [{ path: '/b', service: 'web' }] }));
  await hostnameOf(s, 'a');
  await hostnameOf(s, 'b');
  const fallback = await routeOf(running, 'shop', '/nothing-here');
  expect(await routeOf(running, 'shop', '/a/x')).toMatch(/^forward .*api/);

  // b is refused from now on (instance targets are not supported): it is frozen as it is.
  await applyIngress(kubeConfig(), s.ingress('b', { annotations: { 'group.name': 'shop', 'target-type': 'instance' }, paths: [{ path: '/b', service: 'web' }] }));
  await warning(s, 'b', 'FailedBuildModel', 'target-type');
  await deleteIngress(s, 'a');
  await s.gone('a');
  expect(await routeOf(running, 'shop', '/a/x')).toBe(fallback);
  expect(await routeOf(running, 'shop', '/b/x')).toMatch(/^forward .*web/);
  expect((await s.read('b'))?.metadata?.finalizers).toEqual(['alb.group.albatross.dev/shop']);
}, 180_000);

test('the legacy finalizer is replaced by the group\'s, and an Ingress deleted with only the legacy one is cleaned and let go', async () => {
  const s = await scene('legacy');
  const before = s.start();
  await applyIngress(kubeConfig(), s.ingress('kept', { annotations: { 'group.name': 'shop' }, paths: [{ path: '/k', service: 'api' }] }));
  await applyIngress(kubeConfig(), s.ingress('gone', { paths: [{ path: '/', service: 'web' }] }));
  await hostnameOf(s, 'kept');
  await hostnameOf(s, 'gone');
  await s.stop(before);

  // As the version before group finalizers left them.
  await setFinalizers(s, 'kept', ['albatross.dev/aws-resources']);
  await setFinalizers(s, 'gone', ['albatross.dev/aws-resources']);
  await deleteIngress(s, 'gone');

  const running = s.start();
  await eventually('the group finalizer instead of the legacy one', async () => {
    const finalizers = (await s.read('kept'))?.metadata?.finalizers ?? [];
    return finalizers.length === 1 && finalizers[0] === 'alb.group.albatross.dev/shop' ? true : undefined;
  }, 60_000);
  await s.gone('gone');
  expect(await albOf(running, 'legacy/gone')).toBeNull();
  expect(await routeOf(running, 'shop', '/k/x')).toMatch(/^forward .*api/);
}, 180_000);

test('a TLS Secret created before its Ingress became ours is served once the class appears', async () => {
  const s = await scene('late');
  const issued = pki.issue({ sans: [host] });
  const { core, networking } = apis(kubeConfig());
  await core.createNamespacedSecret({ namespace: s.ns, body: tlsSecret(issued.certPem, issued.keyPem, { namespace: s.ns, name: 'shop-tls' }) });
  const secure = s.ingress('secure', { className: 'late', annotations: { 'listen-ports': '[{"HTTPS":443}]' }, paths: [{ path: '/', service: 'web' }] });
  await applyIngress(kubeConfig(), { ...secure, spec: { ...secure.spec, tls: [{ hosts: [host], secretName: 'shop-tls' }] } });
  const running = s.start();
  await eventually('the controller synced', () => Promise.resolve(running.controller.synced ? true : undefined));
  const secretVersion = (await core.readNamespacedSecret({ name: 'shop-tls', namespace: s.ns })).metadata?.resourceVersion;
  const ingressVersion = (await s.read('secure'))?.metadata?.generation;

  await networking.createIngressClass({ body: ingressClass({ name: 'late' }) });
  const certificate = await eventually(
    'an HTTPS listener with the imported certificate',
    async () => {
      const listener = (await albOf(running, 'late/secure'))?.listeners.get(443);
      if (listener === undefined) return undefined;
      const described = await running.cluster.elbv2.send(new DescribeListenersCommand({ ListenerArns: [listener.arn] }));
      return described.Listeners?.[0]?.Certificates?.[0]?.CertificateArn;
    },
    60_000,
  );
  const imported = await observeCertificates(running.aws, s.at.clusterName);
  expect(imported.map((c) => c.arn)).toEqual([certificate]);
  const alb = await albOf(running, 'late/secure');
  expect(alb === null ? 'no load balancer' : route(alb, 443, host, '/x')).toMatch(/^forward .*web/);
  expect((await core.readNamespacedSecret({ name: 'shop-tls', namespace: s.ns })).metadata?.resourceVersion).toBe(secretVersion);
  expect((await s.read('secure'))?.metadata?.generation).toBe(ingressVersion);
}, 180_000);
