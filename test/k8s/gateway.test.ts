// The controller end to end on the Gateway API: a Gateway with an HTTP listener and an HTTPS
// listener whose certificate is a Secret, two HTTPRoutes in two namespaces (one reaching a
// Service of the other through a ReferenceGrant); a gated pod behind a route (the readiness
// gate); then a route edited (its rule changed in place), a broken route (refused, the rest
// still served, its rules kept), and everything deleted (AWS empty, the finalizer gone).
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { DescribeRulesCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ACMClient, ListCertificatesCommand, ListTagsForCertificateCommand } from '@aws-sdk/client-acm';
import { defined } from '../defined.js';
import { awsClientConfig } from '../integration/emulator/emulator.js';
import { readAlb, requireAlb, route, listenerOf, type ObservedAlb } from '../integration/reconcile/harness.js';
import { Pki, tlsSecret } from '../unit/certificates/pki.js';
import { endpointSlice, pod, service } from '../unit/factories.js';
import { apis, applyEndpointSlice, applyService, awsCluster, eventually, namespace, startController, type AwsCluster, type RunningController } from './cluster.js';
import { envtestPerFile } from './suite.js';

const env = envtestPerFile({ gatewayApi: true });
const group = 'gateway.networking.k8s.io';
const gatewayKey = 'gateway:infra/shop';
let at: AwsCluster;
let running: RunningController;
let pki: Pki;

type Obj = { metadata?: { name?: string; namespace?: string; finalizers?: string[]; generation?: number; resourceVersion?: string }; spec?: Record<string, unknown>; status?: Record<string, unknown> };
type Condition = { type: string; status: string; reason: string; observedGeneration?: number };

function custom(): CustomObjectsApi {
  return env().kubeConfig.makeApiClient(CustomObjectsApi);
}

async function create(plural: string, body: Obj & { kind: string }, version = 'v1'): Promise<void> {
  const namespace = body.metadata?.namespace;
  const full = { apiVersion: `${group}/${version}`, ...body };
  if (namespace === undefined) await custom().createClusterCustomObject({ group, version, plural, body: full });
  else await custom().createNamespacedCustomObject({ group, version, namespace, plural, body: full });
}

async function read(plural: string, namespace: string, name: string): Promise<Obj | undefined> {
  return (await custom().getNamespacedCustomObject({ group, version: 'v1', namespace, plural, name }).catch(() => undefined)) as Obj | undefined;
}

async function replaceSpec(plural: string, namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
  const current = defined(await read(plural, namespace, name), `${plural} ${namespace}/${name}`);
  await custom().replaceNamespacedCustomObject({ group, version: 'v1', namespace, plural, name, body: { ...current, spec } });
}

function conditions(status: unknown): Condition[] {
  return ((status as { conditions?: Condition[] } | undefined)?.conditions ?? []);
}

function condition(status: unknown, type: string): Condition | undefined {
  return conditions(status).find((c) => c.type === type);
}

/** The route's status entry for the shop Gateway, as `{Accepted, ResolvedRefs}` `status/reason`. */
async function routeStatus(namespace: string, name: string): Promise<Record<string, string> | undefined> {
  const parents = ((await read('httproutes', namespace, name))?.status?.['parents'] ?? []) as { controllerName: string; parentRef: { name: string }; conditions: Condition[] }[];
  const ours = parents.find((p) => p.controllerName === 'albatross.dev/gateway' && p.parentRef.name === 'shop');
  if (ours === undefined) return undefined;
  return Object.fromEntries(ours.conditions.map((c) => [c.type, `${c.status}/${c.reason}`]));
}

/** Where a request goes on the ALB: the Service (`namespace/name`) of the target group, or the fixed response. */
function served(alb: ObservedAlb, port: number, host: string, path: string): string {
  const action = route(alb, port, host, path);
  const forward = /^forward (.+)$/.exec(action);
  if (forward === null) return action;
  return alb.targetGroupServices.get(forward[1] ?? '') ?? action;
}

const storefrontRoute = {
  kind: 'HTTPRoute',
  metadata: { name: 'web', namespace: 'storefront' },
  spec: {
    parentRefs: [{ name: 'shop', namespace: 'infra' }],
    hostnames: ['www.shop.example.com'],
    rules: [{ backendRefs: [{ name: 'web', port: 80 }] }],
  },
};

const paymentsSpec = (path: string): Record<string, unknown> => ({
  parentRefs: [{ name: 'shop', namespace: 'infra' }],
  hostnames: ['pay.shop.example.com'],
  rules: [
    { matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs: [{ name: 'pay', port: 80 }] },
    { matches: [{ path: { type: 'Exact', value: '/catalog' } }], backendRefs: [{ name: 'web', namespace: 'storefront', port: 80 }] },
  ],
});

beforeAll(async () => {
  at = await awsCluster('gateway');
  pki = new Pki();
  const kc = env().kubeConfig;
  for (const ns of ['infra', 'storefront', 'payments']) await namespace(kc, ns, { 'shop.example.com/gateway-access': 'true' });
  const cert = pki.issue({ sans: ['*.shop.example.com'] });
  await apis(kc).core.createNamespacedSecret({ namespace: 'infra', body: tlsSecret(cert.certPem, cert.keyPem, { namespace: 'infra', name: 'shop-tls' }) });
  for (const [ns, name, address] of [
    ['storefront', 'web', '10.0.1.21'],
    ['payments', 'pay', '10.0.1.31'],
  ] as const) {
    await applyService(kc, service({ namespace: ns, name }));
    await applyEndpointSlice(kc, endpointSlice({ namespace: ns, service: name, endpoints: [{ addresses: [address] }] }));
  }
  await create('gatewayclasses', { kind: 'GatewayClass', metadata: { name: 'albatross' }, spec: { controllerName: 'albatross.dev/gateway' } });
  await create('gateways', {
    kind: 'Gateway',
    metadata: { name: 'shop', namespace: 'infra' },
    spec: {
      gatewayClassName: 'albatross',
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { 'shop.example.com/gateway-access': 'true' } } } } },
        {
          name: 'https',
          port: 443,
          protocol: 'HTTPS',
          hostname: '*.shop.example.com',
          tls: { certificateRefs: [{ name: 'shop-tls' }] },
          allowedRoutes: { namespaces: { from: 'All' } },
        },
      ],
    },
  });
  await create('httproutes', storefrontRoute);
  await create('httproutes', { kind: 'HTTPRoute', metadata: { name: 'pay', namespace: 'payments' }, spec: paymentsSpec('/pay') });
  await create(
    'referencegrants',
    {
      kind: 'ReferenceGrant',
      metadata: { name: 'payments-to-web', namespace: 'storefront' },
      spec: { from: [{ group, kind: 'HTTPRoute', namespace: 'payments' }], to: [{ group: '', kind: 'Service', name: 'web' }] },
    },
    'v1beta1',
  );
  running = startController(kc, at);
}, 180_000);

afterAll(async () => {
  await running.stop();
  pki.close();
}, 60_000);

test('the GatewayClass is accepted', async () => {
  const accepted = await eventually('the GatewayClass Accepted', async () => {
    const cls = (await custom().getClusterCustomObject({ group, version: 'v1', plural: 'gatewayclasses', name: 'albatross' })) as Obj;
    const c = condition(cls.status, 'Accepted');
    return c?.status === 'True' ? c : undefined;
  });
  expect(accepted).toMatchObject({ reason: 'Accepted', observedGeneration: 1 });
}, 60_000);

test('the Gateway becomes one ALB: programmed, its DNS name in status, routes from both namespaces served on both listeners', async () => {
  const gateway = await eventually(
    'the Gateway Programmed',
    async () => {
      const gw = await read('gateways', 'infra', 'shop');
      const listeners = (gw?.status?.['listeners'] ?? []) as { conditions: Condition[] }[];
      return condition(gw?.status, 'Programmed')?.status === 'True' && listeners.length === 2 && listeners.every((l) => condition(l, 'Programmed')?.status === 'True') ? gw : undefined;
    },
    90_000,
  );
  const alb = await requireAlb(running.cluster, gatewayKey);
  expect(gateway?.metadata?.finalizers).toContain('gateway.albatross.dev/load-balancer');
  const addresses = (gateway?.status?.['addresses'] ?? []) as { type: string; value: string }[];
  expect(addresses.map((a) => a.type)).toEqual(['Hostname']);
  expect(addresses[0]?.value).toMatch(/\.elb\.amazonaws\.com$/);
  const listeners = (gateway?.status?.['listeners'] ?? []) as { name: string; attachedRoutes: number; conditions: Condition[] }[];
  expect(listeners.map((l) => [l.name, l.attachedRoutes, condition(l, 'Programmed')?.status])).toEqual([
    ['http', 2, 'True'],
    ['https', 2, 'True'],
  ]);
  for (const c of conditions(gateway?.status)) expect(c.observedGeneration).toBe(gateway?.metadata?.generation);

  expect(await routeStatus('storefront', 'web')).toEqual({ Accepted: 'True/Accepted', ResolvedRefs: 'True/ResolvedRefs' });
  expect(await routeStatus('payments', 'pay')).toEqual({ Accepted: 'True/Accepted', ResolvedRefs: 'True/ResolvedRefs' });
  for (const port of [80, 443]) {
    expect(served(alb, port, 'www.shop.example.com', '/anything')).toBe('storefront/web');
    expect(served(alb, port, 'pay.shop.example.com', '/pay/now')).toBe('payments/pay');
    expect(served(alb, port, 'pay.shop.example.com', '/catalog')).toBe('storefront/web');
    expect(served(alb, port, 'pay.shop.example.com', '/other')).toBe('fixed-response 404');
  }
  // The HTTPS listener serves the certificate imported from the Secret.
  const acm = new ACMClient(awsClientConfig());
  const imported = [];
  for (const c of (await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? []) {
    const tags = (await acm.send(new ListTagsForCertificateCommand({ CertificateArn: c.CertificateArn }))).Tags ?? [];
    if (tags.some((t) => t.Key === 'albatross.dev/cluster' && t.Value === at.clusterName)) imported.push(c.CertificateArn);
  }
  acm.destroy();
  expect(imported).toHaveLength(1);
}, 120_000);

test('a gated pod behind a route is registered before it is Ready, and its readiness gate turns True once its target is healthy', async () => {
  const kc = env().kubeConfig;
  const { core } = apis(kc);
  await core.createNamespacedPod({ namespace: 'storefront', body: pod({ namespace: 'storefront', name: 'web-gated', gated: true }) });
  await core.patchNamespacedPodStatus(
    { name: 'web-gated', namespace: 'storefront', body: { status: { phase: 'Running', conditions: [{ type: 'ContainersReady', status: 'True', lastTransitionTime: new Date() }, { type: 'Ready', status: 'False', lastTransitionTime: new Date() }] } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  await applyEndpointSlice(kc, endpointSlice({ namespace: 'storefront', service: 'web', endpoints: [{ addresses: ['10.0.1.21'] }, { addresses: ['10.0.1.22'], ready: false, pod: 'web-gated' }] }));
  const gate = await eventually('the gate condition True', async () => {
    const read = await core.readNamespacedPod({ name: 'web-gated', namespace: 'storefront' });
    const c = read.status?.conditions?.find((x) => x.type === 'albatross.dev/target-health');
    return c?.status === 'True' ? c : undefined;
  });
  expect(gate.reason).toBe('TargetHealthy');
  const alb = await requireAlb(running.cluster, gatewayKey);
  const webGroup = defined([...alb.targetGroupNames].find(([, name]) => alb.targetGroupServices.get(name) === 'storefront/web')?.[0], 'the target group of storefront/web');
  const health = await running.cluster.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: webGroup }));
  expect((health.TargetHealthDescriptions ?? []).map((d) => d.Target?.Id).sort()).toEqual(['10.0.1.21', '10.0.1.22']);
}, 60_000);

test('a route edited keeps its rule, changed in place', async () => {
  const before = await requireAlb(running.cluster, gatewayKey);
  const ruleFor = (alb: ObservedAlb, path: string): string | undefined =>
    listenerOf(alb, 80).rules.find((r) => (r.Conditions ?? []).some((c) => (c.PathPatternConfig?.Values ?? c.Values ?? []).includes(path)))?.RuleArn;
  const arn = defined(ruleFor(before, '/pay'), 'the rule of /pay');
  await replaceSpec('httproutes', 'payments', 'pay', paymentsSpec('/checkout'));
  const after = await eventually('the /checkout rule', async () => {
    const alb = await requireAlb(running.cluster, gatewayKey);
    return ruleFor(alb, '/checkout') === undefined ? undefined : alb;
  });
  expect(ruleFor(after, '/checkout')).toBe(arn);
  expect(served(after, 80, 'pay.shop.example.com', '/checkout/cart')).toBe('payments/pay');
  expect(served(after, 80, 'pay.shop.example.com', '/pay')).toBe('fixed-response 404');
}, 60_000);

test('a broken route is refused and keeps its rules; the other routes and the Gateway go on', async () => {
  const before = await requireAlb(running.cluster, gatewayKey);
  const rulesBefore = (listenerOf(before, 80).rules ?? []).map((r) => r.RuleArn).sort();
  // A regular expression ALB cannot match exactly.
  await replaceSpec('httproutes', 'payments', 'pay', {
    ...paymentsSpec('/checkout'),
    rules: [{ matches: [{ path: { type: 'RegularExpression', value: '/checkout/[0-9]+' } }], backendRefs: [{ name: 'pay', port: 80 }] }],
  });
  const status = await eventually('the route refused', async () => {
    const s = await routeStatus('payments', 'pay');
    return s?.['Accepted'] === 'False/UnsupportedValue' ? s : undefined;
  });
  expect(status['Accepted']).toBe('False/UnsupportedValue');
  // A new route meanwhile is served: the Gateway is not taken down by the broken one.
  await create('httproutes', { kind: 'HTTPRoute', metadata: { name: 'blog', namespace: 'storefront' }, spec: { ...storefrontRoute.spec, hostnames: ['blog.shop.example.com'] } });
  const after = await eventually('the blog route served', async () => {
    const alb = await requireAlb(running.cluster, gatewayKey);
    return served(alb, 80, 'blog.shop.example.com', '/') === 'storefront/web' ? alb : undefined;
  });
  const gateway = await read('gateways', 'infra', 'shop');
  expect(condition(gateway?.status, 'Programmed')?.status).toBe('True');
  // The refused route's rules are still there, as they were.
  const kept = (listenerOf(after, 80).rules ?? []).map((r) => r.RuleArn);
  for (const arn of rulesBefore) expect(kept).toContain(arn);
  expect(served(after, 80, 'pay.shop.example.com', '/checkout/cart')).toBe('payments/pay');
  const events = await apis(env().kubeConfig).core.listNamespacedEvent({ namespace: 'payments', fieldSelector: 'involvedObject.name=pay' });
  expect(events.items.some((e) => e.reason === 'FailedBuildModel' && e.involvedObject.kind === 'HTTPRoute' && (e.message ?? '').includes('RegularExpression'))).toBe(true);
}, 90_000);

test('a route that stops naming the Gateway loses our status entry for it', async () => {
  await create('httproutes', { kind: 'HTTPRoute', metadata: { name: 'stray', namespace: 'storefront' }, spec: { ...storefrontRoute.spec, hostnames: ['stray.shop.example.com'] } });
  await eventually('the stray route accepted', async () => ((await routeStatus('storefront', 'stray'))?.['Accepted'] === 'True/Accepted' ? true : undefined));
  await replaceSpec('httproutes', 'storefront', 'stray', { ...storefrontRoute.spec, parentRefs: [{ name: 'elsewhere', namespace: 'infra' }], hostnames: ['stray.shop.example.com'] });
  await eventually('our entry gone', async () => ((await read('httproutes', 'storefront', 'stray'))?.status?.['parents'] as unknown[] | undefined)?.length === 0 ? true : undefined);
  const alb = await requireAlb(running.cluster, gatewayKey);
  expect(served(alb, 80, 'stray.shop.example.com', '/')).toBe('fixed-response 404');
  await custom().deleteNamespacedCustomObject({ group, version: 'v1', namespace: 'storefront', plural: 'httproutes', name: 'stray' });
}, 60_000);

test('a GatewayClass deleted by mistake leaves the load balancer as it is, and its return changes nothing', async () => {
  const before = await requireAlb(running.cluster, gatewayKey);
  const rules = (alb: ObservedAlb): string[] => [...alb.listeners.values()].flatMap((l) => l.rules.map((r) => `${r.RuleArn ?? ''} ${JSON.stringify(r.Conditions)} ${JSON.stringify(r.Actions)}`)).sort();
  const cls = (await custom().getClusterCustomObject({ group, version: 'v1', plural: 'gatewayclasses', name: 'albatross' })) as Obj;
  await custom().deleteClusterCustomObject({ group, version: 'v1', plural: 'gatewayclasses', name: 'albatross' });
  await eventually('a Warning on the Gateway naming the missing class', async () => {
    const events = await apis(env().kubeConfig).core.listNamespacedEvent({ namespace: 'infra', fieldSelector: 'involvedObject.name=shop' });
    return events.items.some((e) => e.type === 'Warning' && (e.message ?? '').includes('GatewayClass "albatross" does not exist')) ? true : undefined;
  });
  expect(rules(await requireAlb(running.cluster, gatewayKey))).toEqual(rules(before));
  await create('gatewayclasses', { kind: 'GatewayClass', metadata: { name: 'albatross' }, spec: cls.spec ?? {} });
  await eventually('the class accepted again', async () => {
    const read = (await custom().getClusterCustomObject({ group, version: 'v1', plural: 'gatewayclasses', name: 'albatross' })) as Obj;
    return condition(read.status, 'Accepted')?.status === 'True' ? true : undefined;
  });
  expect(rules(await requireAlb(running.cluster, gatewayKey))).toEqual(rules(before));
}, 60_000);

test('deleting everything empties AWS and lets the Gateway go', async () => {
  const alb = await requireAlb(running.cluster, gatewayKey);
  for (const [ns, name] of [
    ['storefront', 'web'],
    ['storefront', 'blog'],
    ['payments', 'pay'],
  ] as const)
    await custom().deleteNamespacedCustomObject({ group, version: 'v1', namespace: ns, plural: 'httproutes', name });
  await custom().deleteNamespacedCustomObject({ group, version: 'v1', namespace: 'infra', plural: 'gateways', name: 'shop' });
  await eventually('the Gateway gone', async () => ((await read('gateways', 'infra', 'shop')) === undefined ? true : undefined), 90_000);
  expect(await readAlb(running.cluster, gatewayKey)).toBeNull();
  await expect(running.cluster.elbv2.send(new DescribeRulesCommand({ ListenerArn: listenerOf(alb, 80).arn }))).rejects.toThrow();
  // No group of the cluster is left: the backend security group goes too.
  const ec2 = new EC2Client(awsClientConfig());
  const left = await eventually('no security group of the cluster', async () => {
    const groups = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:albatross.dev/cluster', Values: [at.clusterName] }] }))).SecurityGroups ?? [];
    return groups.length === 0 ? groups : undefined;
  });
  ec2.destroy();
  expect(left).toEqual([]);
}, 120_000);
