// Controller mode end to end, each step through a real kube-apiserver and the AWS emulator:
// create, scale, change, break, move, delete, renew a Secret, repair drift on resync, and a
// restart that changes nothing. AWS is read back and routed request by request as ALB would.
import { DeleteRuleCommand, DescribeLoadBalancersCommand, DescribeRulesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type V1Ingress } from '@kubernetes/client-node';
import { observeCertificates } from '../../src/certificates/acm.js';
import { Pki, tlsSecret } from '../unit/certificates/pki.js';
import { endpointSlice, ingress, ingressClass, service } from '../unit/factories.js';
import { readAlb, route, type ObservedAlb } from '../integration/reconcile/harness.js';
import { apis, applyEndpointSlice, applyIngress, applyService, awsCluster, crdPath, eventsOf, eventually, namespace, startController, type AwsCluster, type RunningController } from './cluster.js';
import { startEnvtest, type Envtest } from './envtest.js';

const ns = 'shop';
let env: Envtest;
let at: AwsCluster;
let running: RunningController;
let pki: Pki;

beforeAll(async () => {
  pki = new Pki();
  env = await startEnvtest({ crdPaths: [crdPath], startTimeoutMs: 110_000 });
  at = await awsCluster('controller');
  await namespace(env.kubeConfig, ns);
  await apis(env.kubeConfig).networking.createIngressClass({ body: ingressClass() });
  for (const name of ['web', 'api']) {
    await applyService(env.kubeConfig, service({ namespace: ns, name }));
    await applyEndpointSlice(env.kubeConfig, endpointSlice({ namespace: ns, service: name, name: `${name}-1`, endpoints: [{ addresses: [name === 'web' ? '10.0.1.10' : '10.0.2.10'] }] }));
  }
  // A short resync, so that drift made by hand is repaired within the test.
  running = startController(env.kubeConfig, at, { syncPeriodMs: 4_000 });
}, 120_000);

afterAll(async () => {
  await running.stop();
  await env.stop();
  pki.close();
}, 60_000);

const shop = (name: string, paths: { path: string; service: string }[], annotations: Record<string, string> = {}): V1Ingress =>
  ingress({ namespace: ns, name, host: 'shop.example.com', annotations: { 'group.name': 'shop', scheme: 'internet-facing', ...annotations }, paths });

const albOf = async (group: string): Promise<ObservedAlb | null> => await readAlb(running.cluster, group);
const routeOf = async (path: string, group = 'shop', host = 'shop.example.com', port = 80): Promise<string> => {
  const alb = await albOf(group);
  return alb === null ? 'no load balancer' : route(alb, port, host, path);
};
const readIngress = async (name: string): Promise<V1Ingress | undefined> =>
  await apis(env.kubeConfig).networking.readNamespacedIngress({ name, namespace: ns }).catch(() => undefined);

test('an Ingress created through the API gets an ALB that routes it, a status hostname and an Event', async () => {
  await applyIngress(env.kubeConfig, shop('web', [{ path: '/', service: 'web' }]));
  const hostname = await eventually('the status hostname', async () => (await readIngress('web'))?.status?.loadBalancer?.ingress?.[0]?.hostname);
  const alb = await albOf('shop');
  expect(alb).not.toBeNull();
  expect(hostname).toMatch(/\.elb\.amazonaws\.com$/);
  expect(route(alb as ObservedAlb, 80, 'shop.example.com', '/anything')).toMatch(/^forward k8s-shop-web-/);
  // The group is recorded on the Ingress itself, for any later process to find.
  expect((await readIngress('web'))?.metadata?.finalizers).toEqual(['alb.group.albatross.dev/shop']);
  const events = await eventually('a SuccessfullyReconciled Event', async () => {
    const found = (await eventsOf(env.kubeConfig, ns, 'web')).filter((e) => e.reason === 'SuccessfullyReconciled');
    return found.length > 0 ? found : undefined;
  });
  expect(events[0]).toMatchObject({ type: 'Normal', message: `group alb:shop converged; load balancer ${hostname}` });
}, 60_000);

test('scaling an EndpointSlice makes only target calls', async () => {
  // The Ingress's own reconciles (its finalizer and status writes bring it back once or twice)
  // are over first, so none of their reads is counted here.
  for (let last = -1; ; ) {
    const now = running.aws.calls.count('DescribeTags') + running.aws.calls.count('DescribeLoadBalancers');
    if (now === last) break;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  const before = running.aws.calls.entries();
  await applyEndpointSlice(env.kubeConfig, endpointSlice({ namespace: ns, service: 'web', name: 'web-1', endpoints: [{ addresses: ['10.0.1.10'] }, { addresses: ['10.0.1.11'] }] }));
  const countBefore = (operation: string): number => before.filter((e) => e.operation === operation).reduce((n, e) => n + e.count, 0);
  await eventually('the new pod registered', () => Promise.resolve(running.aws.calls.count('RegisterTargets') > countBefore('RegisterTargets') ? true : undefined));
  await eventually('its address looked up', () => Promise.resolve(running.aws.calls.count('DescribeNetworkInterfaces') > countBefore('DescribeNetworkInterfaces') ? true : undefined));

  const made = running.aws.calls.entries().map((e) => ({ ...e, count: e.count - (before.find((b) => b.service === e.service && b.operation === e.operation && b.outcome === e.outcome)?.count ?? 0) })).filter((e) => e.count > 0);
  expect(made.filter((e) => e.changing).map((e) => e.operation)).toEqual(['RegisterTargets']);
  // Reads: the targets path's, and the backend security group rules' for the new address (on no
  // interface here, so no rule). None of a full reconcile's: no load balancer, listener or rule read.
  const reads = new Set(made.filter((e) => !e.changing).map((e) => e.operation));
  expect(reads).toEqual(new Set([...reads].filter((op) => ['DescribeTargetHealth', 'GetResources', 'DescribeNetworkInterfaces', 'DescribeSecurityGroupRules', 'DescribeSecurityGroups'].includes(op))));
  expect(reads).toContain('DescribeTargetHealth');
}, 60_000);

test('a changed path is modified in place: the rule keeps its ARN', async () => {
  await applyIngress(env.kubeConfig, shop('api', [{ path: '/api', service: 'api' }], { 'group.order': '10' }));
  await eventually('the api rule', async () => ((await routeOf('/api/x')).includes('api') ? true : undefined));
  const ruleArn = async (): Promise<string | undefined> => {
    const rules = (await albOf('shop'))?.listeners.get(80)?.rules ?? [];
    return rules.find((r) => (r.Conditions ?? []).some((c) => (c.PathPatternConfig?.Values ?? []).some((v) => v.startsWith('/api') || v.startsWith('/v2'))))?.RuleArn;
  };
  const arn = await ruleArn();
  await applyIngress(env.kubeConfig, shop('api', [{ path: '/v2', service: 'api' }], { 'group.order': '10' }));
  await eventually('the changed path served', async () => ((await routeOf('/v2/x')).includes('api') ? true : undefined));
  expect(await routeOf('/api/x')).toMatch(/web/);
  expect(await ruleArn()).toBe(arn);
}, 60_000);

test('a broken annotation on one member: a Warning on it only, its rules stay, the rest converges', async () => {
  await applyIngress(env.kubeConfig, shop('api', [{ path: '/v2', service: 'api' }], { 'group.order': '10', 'healthcheck-interval-seconds': 'banana' }));
  await applyIngress(env.kubeConfig, shop('web', [{ path: '/', service: 'web' }, { path: '/new', service: 'web' }]));
  const warning = await eventually('a FailedBuildModel Event on api', async () => (await eventsOf(env.kubeConfig, ns, 'api')).find((e) => e.reason === 'FailedBuildModel'));
  expect(warning.type).toBe('Warning');
  expect(warning.message).toContain('banana');
  expect((await eventsOf(env.kubeConfig, ns, 'web')).filter((e) => e.type === 'Warning')).toEqual([]);
  // the broken member's rule is still served; the other member's new path arrived
  expect(await routeOf('/v2/x')).toMatch(/api/);
  await eventually('web converged', async () => ((await albOf('shop'))?.listeners.get(80)?.rules.some((r) => (r.Conditions ?? []).some((c) => (c.PathPatternConfig?.Values ?? []).includes('/new'))) === true ? true : undefined));
}, 60_000);

test('a renewed Secret is re-imported into the same ARN', async () => {
  const first = pki.issue({ sans: ['shop.example.com'] });
  await apis(env.kubeConfig).core.createNamespacedSecret({ namespace: ns, body: tlsSecret(first.certPem, first.keyPem, { namespace: ns, name: 'shop-tls' }) });
  const withTls = shop('web', [{ path: '/', service: 'web' }, { path: '/new', service: 'web' }]);
  await applyIngress(env.kubeConfig, { ...withTls, spec: { ...withTls.spec, tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }] } });
  const certificateOn443 = async (): Promise<string | undefined> => {
    const alb = await albOf('shop');
    const listener = alb?.listeners.get(443);
    if (listener === undefined) return undefined;
    const { DescribeListenersCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
    const found = await running.cluster.elbv2.send(new DescribeListenersCommand({ ListenerArns: [listener.arn] }));
    return found.Listeners?.[0]?.Certificates?.[0]?.CertificateArn;
  };
  const arn = await eventually('an HTTPS listener with the imported certificate', certificateOn443);
  const imports = running.aws.calls.count('ImportCertificate');

  const renewed = pki.issue({ sans: ['shop.example.com'] });
  await apis(env.kubeConfig).core.replaceNamespacedSecret({ name: 'shop-tls', namespace: ns, body: tlsSecret(renewed.certPem, renewed.keyPem, { namespace: ns, name: 'shop-tls' }) });
  await eventually('the re-import', () => Promise.resolve(running.aws.calls.count('ImportCertificate') > imports ? true : undefined));
  expect(await certificateOn443()).toBe(arn);
}, 90_000);

test('drift made by hand in AWS is repaired on resync, with no change in the cluster', async () => {
  const alb = await albOf('shop');
  const rule = alb?.listeners.get(80)?.rules.find((r) => r.IsDefault !== true && (r.Conditions ?? []).some((c) => (c.PathPatternConfig?.Values ?? []).includes('/new')));
  expect(rule?.RuleArn).toBeDefined();
  await running.cluster.elbv2.send(new DeleteRuleCommand({ RuleArn: rule?.RuleArn }));
  await eventually(
    'the rule put back',
    async () => {
      const rules = (await running.cluster.elbv2.send(new DescribeRulesCommand({ ListenerArn: alb?.listeners.get(80)?.arn }))).Rules ?? [];
      return rules.some((r) => (r.Conditions ?? []).some((c) => (c.PathPatternConfig?.Values ?? []).includes('/new'))) ? true : undefined;
    },
    30_000,
  );
}, 60_000);

test('an Ingress moved to another group leaves the old one, which loses its rules', async () => {
  await applyIngress(env.kubeConfig, shop('api', [{ path: '/v2', service: 'api' }], { 'group.order': '10', 'group.name': 'other' }));
  await eventually('the api rule gone from shop', async () => ((await routeOf('/v2/x')).includes('api') ? undefined : true));
  await eventually('api served by the other group', async () => ((await routeOf('/v2/x', 'other')).includes('api') ? true : undefined));
  // The old group let it go once it had removed its rules: only the new group is recorded.
  const finalizers = await eventually('the old group no longer recorded', async () => {
    const found = (await readIngress('api'))?.metadata?.finalizers ?? [];
    return found.includes('alb.group.albatross.dev/shop') ? undefined : found;
  });
  expect(finalizers).toEqual(['alb.group.albatross.dev/other']);
}, 60_000);

test('deleting Ingresses cleans AWS and then lets them go', async () => {
  const { networking } = apis(env.kubeConfig);
  await networking.deleteNamespacedIngress({ name: 'api', namespace: ns });
  await eventually('api gone', async () => ((await readIngress('api')) === undefined ? true : undefined));
  expect(await albOf('other')).toBeNull();
  await networking.deleteNamespacedIngress({ name: 'web', namespace: ns });
  await eventually('web gone', async () => ((await readIngress('web')) === undefined ? true : undefined));
  expect(await albOf('shop')).toBeNull();
  // The certificate imported from shop-tls is used by no group now: the cluster-wide step deletes it.
  await eventually('the unused certificate deleted', async () => ((await observeCertificates(running.aws, at.clusterName)).length === 0 ? true : undefined));
}, 90_000);

test('IngressClassParams win over annotations, and their namespaceSelector keeps other namespaces out', async () => {
  const { networking } = apis(env.kubeConfig);
  await namespace(env.kubeConfig, 'team-a', { team: 'a' });
  await namespace(env.kubeConfig, 'team-b', { team: 'b' });
  const custom = env.kubeConfig.makeApiClient(CustomObjectsApi);
  await custom.createClusterCustomObject({
    group: 'albatross.dev',
    version: 'v1',
    plural: 'ingressclassparams',
    body: { apiVersion: 'albatross.dev/v1', kind: 'IngressClassParams', metadata: { name: 'team-a' }, spec: { scheme: 'internal', namespaceSelector: { matchLabels: { team: 'a' } } } },
  });
  await networking.createIngressClass({
    body: { metadata: { name: 'team-a' }, spec: { controller: 'albatross.dev/alb', parameters: { apiGroup: 'albatross.dev', kind: 'IngressClassParams', name: 'team-a' } } },
  });
  for (const team of ['team-a', 'team-b']) {
    await applyService(env.kubeConfig, service({ namespace: team, name: 'web' }));
    await applyEndpointSlice(env.kubeConfig, endpointSlice({ namespace: team, service: 'web', name: 'web-1' }));
    // The annotation asks for internet-facing; the params say internal.
    await applyIngress(env.kubeConfig, ingress({ namespace: team, name: 'app', className: 'team-a', annotations: { scheme: 'internet-facing' }, paths: [{ path: '/', service: 'web' }] }));
  }
  const hostname = await eventually('team-a/app converged', async () => (await networking.readNamespacedIngress({ name: 'app', namespace: 'team-a' })).status?.loadBalancer?.ingress?.[0]?.hostname);
  const alb = await albOf('team-a/app');
  const described = await running.cluster.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [alb?.arn ?? ''] }));
  expect(described.LoadBalancers?.[0]?.Scheme).toBe('internal');
  expect(hostname).toMatch(/\.elb\.amazonaws\.com$/);

  const refused = await eventually('a FailedBuildModel Event on team-b/app', async () => (await eventsOf(env.kubeConfig, 'team-b', 'app')).find((e) => e.reason === 'FailedBuildModel'));
  expect(refused.message).toContain('team=a');
  const outsider = await networking.readNamespacedIngress({ name: 'app', namespace: 'team-b' });
  // excluded before anything was made for it: no finalizer, no status, no load balancer
  expect(outsider.metadata?.finalizers ?? []).toEqual([]);
  expect(outsider.status?.loadBalancer?.ingress ?? []).toEqual([]);
  expect(await albOf('team-b/app')).toBeNull();
}, 90_000);

test('an Ingress is held while no class is the default, and let go once another controller\'s class is: AWS cleaned, finalizer and status gone', async () => {
  const { networking } = apis(env.kubeConfig);
  // Created while no class is the default: the API server's DefaultIngressClass admission
  // leaves its class unset, so only the default class makes it ours.
  await applyIngress(env.kubeConfig, ingress({ namespace: ns, name: 'plain', className: null, paths: [{ path: '/', service: 'web' }] }));
  await networking.createIngressClass({ body: { metadata: { name: 'fallback', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'albatross.dev/alb' } } });
  const hostname = await eventually('plain converged', async () => (await readIngress('plain'))?.status?.loadBalancer?.ingress?.[0]?.hostname);
  expect(await albOf(`${ns}/plain`)).not.toBeNull();

  // No class is the default any more: whose the Ingress is cannot be told, so it is held.
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  await networking.patchIngressClass({ name: 'fallback', body: { metadata: { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'false' } } } }, mergePatch);
  const held = await eventually('a FailedBuildModel Event naming the missing default', async () =>
    (await eventsOf(env.kubeConfig, ns, 'plain')).find((e) => e.reason === 'FailedBuildModel' && e.message?.includes('no IngressClass is marked') === true),
  );
  expect(held.type).toBe('Warning');
  const kept = await readIngress('plain');
  expect(kept?.metadata?.finalizers).toEqual(['albatross.dev/resources']);
  expect(kept?.status?.loadBalancer?.ingress?.[0]?.hostname).toBe(hostname);
  expect(await albOf(`${ns}/plain`)).not.toBeNull();

  // Another controller's class becomes the default: the Ingress is clearly theirs now.
  await networking.createIngressClass({ body: { metadata: { name: 'nginx', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'k8s.io/ingress-nginx' } } });
  const released = await eventually('plain let go', async () => {
    const found = await readIngress('plain');
    return found !== undefined && (found.metadata?.finalizers ?? []).length === 0 ? found : undefined;
  });
  expect(released.status?.loadBalancer?.ingress ?? []).toEqual([]);
  expect(await albOf(`${ns}/plain`)).toBeNull();
  await networking.deleteNamespacedIngress({ name: 'plain', namespace: ns });
  await networking.deleteIngressClass({ name: 'nginx' });
}, 90_000);

test('a restart with everything converged makes no changing AWS call', async () => {
  await applyIngress(env.kubeConfig, shop('web', [{ path: '/', service: 'web' }]));
  await eventually('the status hostname', async () => (await readIngress('web'))?.status?.loadBalancer?.ingress?.[0]?.hostname);
  await running.stop();
  running = startController(env.kubeConfig, at, { syncPeriodMs: 60 * 60_000 });
  // every group is checked once after the caches synced
  await eventually('a reconcile after the restart', async () => ((await running.metrics.text()).match(/albatross_reconcile_total\{result="success"\} [1-9]/) ? true : undefined));
  expect(running.aws.calls.changingOperations()).toEqual([]);
}, 90_000);
