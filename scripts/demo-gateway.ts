// The Kubernetes side of the Gateway API demo (scripts/demo-gateway.sh), one step per command.
// The API server, the controller's readiness and the final check of AWS are scripts/demo-k8s.ts's
// serve --gateway-api, ready and aws-empty.
//
//   node scripts/demo-gateway.ts apply --kubeconfig K --metrics URL -f PATH...
//       creates the objects, waits for every Gateway's Programmed=True
//   node scripts/demo-gateway.ts status --kubeconfig K
//       the status Albatross wrote: GatewayClasses, Gateways (addresses, conditions, listeners),
//       HTTPRoutes (status.parents)
//   node scripts/demo-gateway.ts requests --cluster-name C
//       requests routed through the rules AWS holds, as ALB evaluates them
//   node scripts/demo-gateway.ts edit-route --kubeconfig K --metrics URL --cluster-name C
//       payments/payments: PathPrefix /products becomes /catalog; the rule changes in place
//   node scripts/demo-gateway.ts broken-route --kubeconfig K --metrics URL --cluster-name C
//       a route with a RegularExpression path: refused, and nothing else changes
//   node scripts/demo-gateway.ts delete --kubeconfig K --metrics URL -f PATH...
//       deletes the HTTPRoutes, then every object of the files but the Namespaces
//
// Each step that changes something prints what the controller did: its new Events on
// GatewayClasses, Gateways and HTTPRoutes, and the AWS calls it made. Every wait has a timeout
// and says what it saw last. AWS is the emulator of AWS_ENDPOINT_URL.
import { parseArgs } from 'node:util';
import { DescribeTagsCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client, type Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ApiException, CustomObjectsApi, KubernetesObjectApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { conditionMatches, type AlbRequest } from '../test/unit/translate/alb-router.ts';
import { Activity, albRules, awsConfig, createObjects, id, loadKubeConfig, readObjects, runStep, waitFor, type AlbRule } from './demo-lib.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    kubeconfig: { type: 'string' },
    metrics: { type: 'string' },
    'cluster-name': { type: 'string', default: 'demo' },
    file: { type: 'string', short: 'f', multiple: true },
  },
});

function option(name: 'kubeconfig' | 'metrics'): string {
  const value = values[name];
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

const group = 'gateway.networking.k8s.io';
const version = 'v1';
/** How long the controller may take to program a new Gateway: a load balancer, listeners, rules, a certificate. */
const programTimeoutS = 120;

const kubeConfig = (): KubeConfig => loadKubeConfig(option('kubeconfig'));
const activity = (kc: KubeConfig): Activity => new Activity(kc, option('metrics'), ['GatewayClass', 'Gateway', 'HTTPRoute'], 'the Gateway API objects');

// ---------------------------------------------------------------- Gateway API objects

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly observedGeneration?: number;
}

interface GatewayObject extends KubernetesObject {
  spec?: { gatewayClassName?: string; listeners?: { name: string; port: number; protocol: string; hostname?: string }[] };
  status?: {
    addresses?: { type?: string; value: string }[];
    conditions?: Condition[];
    listeners?: { name: string; attachedRoutes: number; conditions?: Condition[] }[];
  };
}

interface RouteMatch {
  path?: { type?: string; value?: string };
}

interface RouteObject extends KubernetesObject {
  spec?: { hostnames?: string[]; parentRefs?: { name: string; namespace?: string; sectionName?: string }[]; rules?: { matches?: RouteMatch[] }[] };
  status?: { parents?: { parentRef: { name: string; namespace?: string; sectionName?: string }; controllerName: string; conditions?: Condition[] }[] };
}

interface ClassObject extends KubernetesObject {
  spec?: { controllerName?: string };
  status?: { conditions?: Condition[] };
}

const custom = (kc: KubeConfig): CustomObjectsApi => kc.makeApiClient(CustomObjectsApi);

async function gateways(kc: KubeConfig): Promise<GatewayObject[]> {
  const list = (await custom(kc).listClusterCustomObject({ group, version, plural: 'gateways' })) as { items: GatewayObject[] };
  return list.items.sort((a, b) => id(a).localeCompare(id(b)));
}

async function routes(kc: KubeConfig): Promise<RouteObject[]> {
  const list = (await custom(kc).listClusterCustomObject({ group, version, plural: 'httproutes' })) as { items: RouteObject[] };
  return list.items.sort((a, b) => id(a).localeCompare(id(b)));
}

async function readGateway(kc: KubeConfig, namespace: string, name: string): Promise<GatewayObject> {
  return (await custom(kc).getNamespacedCustomObject({ group, version, namespace, plural: 'gateways', name })) as GatewayObject;
}

async function readRoute(kc: KubeConfig, namespace: string, name: string): Promise<RouteObject> {
  return (await custom(kc).getNamespacedCustomObject({ group, version, namespace, plural: 'httproutes', name })) as RouteObject;
}

const conditionOf = (conditions: readonly Condition[] | undefined, type: string): Condition | undefined => conditions?.find((c) => c.type === type);

/** `Programmed=True Programmed: message`, or `no Programmed condition`. */
function showCondition(c: Condition | undefined, type = 'the'): string {
  if (c === undefined) return `no ${type} condition`;
  return `${c.type}=${c.status} ${c.reason ?? ''}${c.message ? `: ${c.message}` : ''}`;
}

/** Why a Gateway is not (yet) programmed, for a timeout's message. */
function gatewayState(g: GatewayObject | undefined): string {
  if (g === undefined) return 'not read yet';
  const conditions = g.status?.conditions ?? [];
  // The API server's defaults (reason Pending, "Waiting for controller") until a controller writes.
  if (conditions.every((c) => c.reason === 'Pending' && c.message === 'Waiting for controller')) {
    return `Gateway ${id(g)} has only the API server's default status (Accepted=Unknown, "Waiting for controller"): no controller has written its status; is this an albatross that serves Gateways (docs/gateway-api.md)? See the controller's log`;
  }
  const listeners = (g.status?.listeners ?? []).map((l) => `listener ${l.name}: ${showCondition(conditionOf(l.conditions, 'Programmed'), 'Programmed')}`);
  return [...conditions.map((c) => `${showCondition(c)} (observedGeneration ${c.observedGeneration ?? '-'} of ${g.metadata?.generation ?? '-'})`), ...listeners].join('; ');
}

/** Waits until a Gateway and every one of its listeners have `Programmed=True` for its current generation; returns it. */
async function programmed(kc: KubeConfig, namespace: string, name: string, timeoutS: number): Promise<GatewayObject> {
  let last: GatewayObject | undefined;
  return await waitFor(
    `Gateway ${namespace}/${name} to be Programmed=True`,
    timeoutS,
    async () => {
      last = await readGateway(kc, namespace, name);
      const generation = last.metadata?.generation;
      const done = (conditions: readonly Condition[] | undefined): boolean => {
        const c = conditionOf(conditions, 'Programmed');
        return c?.status === 'True' && c.observedGeneration === generation;
      };
      // The Gateway and each of its listeners: a Gateway is programmed as soon as one listener is.
      const listeners = last.spec?.listeners ?? [];
      const all = listeners.every((l) => done(last?.status?.listeners?.find((s) => s.name === l.name)?.conditions));
      return done(last.status?.conditions) && all ? last : undefined;
    },
    () => gatewayState(last),
  );
}

// ---------------------------------------------------------------- steps

async function apply(): Promise<void> {
  const kc = kubeConfig();
  const objects = await readObjects(values.file ?? []);
  const watch = activity(kc);
  const before = await watch.snapshot();
  await createObjects(kc, objects);

  console.log('\nWaiting for the controller to program each Gateway and its listeners (their Programmed conditions):');
  const started = Date.now();
  for (const g of objects.filter((o) => o.kind === 'Gateway')) {
    const current = await programmed(kc, g.metadata?.namespace ?? '', g.metadata?.name ?? '', programTimeoutS);
    const address = current.status?.addresses?.map((a) => a.value).join(', ') ?? '(no address)';
    console.log(`  Gateway ${id(g)}  Programmed=True after ${((Date.now() - started) / 1000).toFixed(1)} s  ${address}`);
  }
  await watch.settle();
  await watch.report(before);
}

async function status(): Promise<void> {
  const kc = kubeConfig();
  const classes = ((await custom(kc).listClusterCustomObject({ group, version, plural: 'gatewayclasses' })) as { items: ClassObject[] }).items;
  for (const c of classes) {
    console.log(`GatewayClass ${c.metadata?.name ?? ''} (controllerName ${c.spec?.controllerName ?? ''})`);
    for (const condition of c.status?.conditions ?? []) console.log(`  ${showCondition(condition)}`);
  }
  for (const g of await gateways(kc)) {
    console.log(`\nGateway ${id(g)} (generation ${g.metadata?.generation ?? '-'})`);
    console.log(`  addresses: ${(g.status?.addresses ?? []).map((a) => `${a.type ?? 'IPAddress'} ${a.value}`).join(', ') || '(none)'}`);
    console.log('  conditions:');
    for (const c of g.status?.conditions ?? []) console.log(`    ${showCondition(c)} (observedGeneration ${c.observedGeneration ?? '-'})`);
    console.log('  listeners:');
    const width = Math.max(0, ...(g.status?.listeners ?? []).map((l) => l.name.length));
    for (const l of g.status?.listeners ?? []) {
      const spec = g.spec?.listeners?.find((s) => s.name === l.name);
      const where = spec === undefined ? '' : `${spec.protocol}:${spec.port}${spec.hostname ? ` ${spec.hostname}` : ''}`;
      console.log(`    ${l.name.padEnd(width)}  ${where}  attachedRoutes ${l.attachedRoutes}`);
      for (const c of l.conditions ?? []) console.log(`      ${c.status === 'True' || c.type === 'Conflicted' ? `${c.type}=${c.status} ${c.reason ?? ''}` : showCondition(c)}`);
    }
  }
  for (const r of await routes(kc)) {
    console.log(`\nHTTPRoute ${id(r)} (generation ${r.metadata?.generation ?? '-'}, hostnames ${(r.spec?.hostnames ?? []).join(', ') || '(any)'})`);
    const parents = r.status?.parents ?? [];
    if (parents.length === 0) console.log('  status.parents: (none)');
    for (const p of parents) {
      const ref = `${p.parentRef.namespace ?? r.metadata?.namespace ?? ''}/${p.parentRef.name}${p.parentRef.sectionName ? ` section ${p.parentRef.sectionName}` : ''}`;
      console.log(`  parent Gateway ${ref} (${p.controllerName}):`);
      for (const c of p.conditions ?? []) console.log(`    ${showCondition(c)} (observedGeneration ${c.observedGeneration ?? '-'})`);
    }
  }
}

/** Target group ARN -> the Service port it serves, `namespace/name:port`, from its `albatross.dev/resource` tag. */
async function targetGroupServices(elb: ElasticLoadBalancingV2Client): Promise<Map<string, string>> {
  const tgs = (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  const out = new Map<string, string>();
  for (let i = 0; i < tgs.length; i += 20) {
    const arns = tgs.slice(i, i + 20).map((t) => t.TargetGroupArn ?? '');
    for (const d of (await elb.send(new DescribeTagsCommand({ ResourceArns: arns }))).TagDescriptions ?? []) {
      const resource = d.Tags?.find((t) => t.Key === 'albatross.dev/resource')?.Value ?? '';
      const match = /^tg\/([^/]+)\/([^/]+)\//.exec(resource);
      out.set(d.ResourceArn ?? '', match === null ? (d.ResourceArn ?? '') : `${match[1] ?? ''}/${match[2] ?? ''}`);
    }
  }
  return out;
}

interface DemoRequest extends AlbRequest {
  readonly scheme: 'http' | 'https';
}

/** What ALB does with a request: the Services of a forward with their weights, a redirect's Location, a fixed response. */
function outcome(action: Action | undefined, request: DemoRequest, services: ReadonlyMap<string, string>): string {
  if (action?.Type === 'forward') {
    const groups = action.ForwardConfig?.TargetGroups ?? [{ TargetGroupArn: action.TargetGroupArn, Weight: 1 }];
    const name = (arn: string | undefined): string => services.get(arn ?? '') ?? arn ?? '?';
    if (groups.length === 1) return `forward to ${name(groups[0]?.TargetGroupArn)}`;
    const total = groups.reduce((n, g) => n + (g.Weight ?? 0), 0);
    return `forward to ${groups.map((g) => `${name(g.TargetGroupArn)} (weight ${g.Weight ?? 0}, ${Math.round((100 * (g.Weight ?? 0)) / total)} %)`).join(', ')}`;
  }
  if (action?.Type === 'redirect') {
    const r = action.RedirectConfig;
    const port = request.scheme === 'https' ? '443' : '80';
    const fill = (value: string | undefined): string =>
      (value ?? '').replace('#{protocol}', request.scheme).replace('#{host}', request.host).replace('#{port}', port).replace('#{path}', request.path.slice(1));
    return `${(r?.StatusCode ?? '').replace('HTTP_', '')} redirect, Location: ${fill(r?.Protocol).toLowerCase()}://${fill(r?.Host)}:${fill(r?.Port)}${fill(r?.Path)}`;
  }
  if (action?.Type === 'fixed-response') return `${action.FixedResponseConfig?.StatusCode ?? ''} (fixed response)`;
  return String(action?.Type);
}

/** The rule of `rules` (one listener's, in priority order, the default last) that takes `request`. */
function ruleFor(rules: readonly AlbRule[], request: AlbRequest): AlbRule | undefined {
  return rules.find((r) => r.priority === 'default' || r.conditions.every((c) => conditionMatches(c, request)));
}

async function requests(): Promise<void> {
  const cluster = values['cluster-name'];
  const elb = new ElasticLoadBalancingV2Client(awsConfig);
  const rules = await albRules(elb, cluster);
  const services = await targetGroupServices(elb);
  const sample: DemoRequest[] = [
    { scheme: 'http', host: 'www.shop.example.com', path: '/' },
    { scheme: 'https', host: 'www.shop.example.com', path: '/shoes/42' },
    { scheme: 'http', host: 'www.shop.example.com', path: '/', headers: { 'x-canary': 'always' } },
    { scheme: 'https', host: 'www.shop.example.com', path: '/basket' },
    { scheme: 'https', host: 'pay.shop.example.com', path: '/products/42' },
    { scheme: 'https', host: 'pay.shop.example.com', path: '/pay' },
    { scheme: 'http', host: 'pay.shop.example.com', path: '/pay' },
    { scheme: 'https', host: 'www.example.com', path: '/' },
  ];
  for (const request of sample) {
    const port = request.scheme === 'https' ? 443 : 80;
    const listener = rules.filter((r) => r.port === port);
    const rule = ruleFor(listener, request);
    const headers = Object.entries(request.headers ?? {}).map(([k, v]) => ` (${k}: ${v})`).join('');
    console.log(`GET ${request.scheme}://${request.host}${request.path}${headers}`);
    console.log(`    -> ${rule === undefined ? 'no listener on this port' : `${outcome(rule.action, request, services)}   [${rule.lb} :${port} rule ${rule.priority}]`}`);
  }
  elb.destroy();
}

async function editRoute(): Promise<void> {
  const kc = kubeConfig();
  const cluster = values['cluster-name'];
  const elb = new ElasticLoadBalancingV2Client(awsConfig);
  const [namespace, name, from, to] = ['payments', 'payments', '/products', '/catalog'];
  const rulesBefore = await albRules(elb, cluster);
  const old = rulesBefore.filter((r) => r.paths.some((p) => p === from || p.startsWith(`${from}/`)));
  const watch = activity(kc);
  const before = await watch.snapshot();
  const route = await readRoute(kc, namespace, name);
  for (const rule of route.spec?.rules ?? []) for (const match of rule.matches ?? []) if (match.path?.value === from) match.path.value = to;
  const replaced = (await custom(kc).replaceNamespacedCustomObject({ group, version, namespace, plural: 'httproutes', name, body: route })) as RouteObject;
  const generation = replaced.metadata?.generation;
  console.log(`HTTPRoute ${namespace}/${name}: PathPrefix ${from} changed to ${to} (generation ${generation ?? '-'})`);

  const changed = await waitFor(`a rule for ${to} in AWS`, 60, async () => {
    const rules = await albRules(elb, cluster);
    return rules.some((r) => r.paths.some((p) => p.startsWith(to))) ? rules : undefined;
  });
  const fresh = changed.filter((r) => r.paths.some((p) => p.startsWith(to)));
  let inPlace = true;
  for (const rule of fresh) {
    const was = old.find((r) => r.arn === rule.arn);
    if (was === undefined) inPlace = false;
    console.log(`${rule.lb} :${rule.port} priority ${rule.priority}: path ${rule.paths.join(' | ')} (${was === undefined ? 'a new rule' : `same rule ARN, was ${was.paths.join(' | ')}`})`);
  }
  const left = changed.filter((r) => old.some((o) => o.arn === r.arn) && r.paths.some((p) => p === from || p.startsWith(`${from}/`)));
  if (left.length > 0) throw new Error(`rules for ${from} are still in AWS: ${left.map((r) => r.arn).join(', ')}`);
  let last: RouteObject | undefined;
  await waitFor(
    `HTTPRoute ${namespace}/${name}'s status for generation ${generation ?? '-'}`,
    30,
    async () => {
      last = await readRoute(kc, namespace, name);
      const accepted = conditionOf(last.status?.parents?.[0]?.conditions, 'Accepted');
      return accepted?.observedGeneration === generation ? true : undefined;
    },
    () => (last?.status?.parents?.[0]?.conditions ?? []).map((c) => `${showCondition(c)} (observedGeneration ${c.observedGeneration ?? '-'})`).join('; '),
  );
  for (const c of last?.status?.parents?.[0]?.conditions ?? []) console.log(`HTTPRoute ${namespace}/${name}: ${showCondition(c)} (observedGeneration ${c.observedGeneration ?? '-'})`);
  await watch.settle();
  await watch.report(before);
  elb.destroy();
  if (!inPlace) throw new Error(`the rule for ${to} is a new rule: the edit was not made in place`);
}

/** A route that asks for what ALB cannot do: a regular expression path. */
const brokenRoute = {
  apiVersion: `${group}/${version}`,
  kind: 'HTTPRoute',
  metadata: { name: 'orders', namespace: 'payments' },
  spec: {
    parentRefs: [{ group, kind: 'Gateway', namespace: 'infra', name: 'shop', sectionName: 'https' }],
    hostnames: ['pay.shop.example.com'],
    rules: [{ matches: [{ path: { type: 'RegularExpression', value: '/orders/[0-9]+' } }], backendRefs: [{ name: 'checkout', port: 8080 }] }],
  },
};

async function brokenRouteStep(): Promise<void> {
  const kc = kubeConfig();
  const cluster = values['cluster-name'];
  const elb = new ElasticLoadBalancingV2Client(awsConfig);
  const { namespace, name } = brokenRoute.metadata;
  const shape = (rules: readonly AlbRule[]): string => JSON.stringify(rules.map((r) => [r.arn, r.priority, r.conditions, r.action]));
  const rulesBefore = await albRules(elb, cluster);
  const watch = activity(kc);
  const before = await watch.snapshot();
  await KubernetesObjectApi.makeApiClient(kc).create(brokenRoute);
  console.log(`created HTTPRoute ${namespace}/${name}: PathPrefix is not enough for it, it asks for RegularExpression ${brokenRoute.spec.rules[0]?.matches[0]?.path.value ?? ''}`);

  let last: RouteObject | undefined;
  const refused = await waitFor(
    `HTTPRoute ${namespace}/${name} to be refused (Accepted=False, UnsupportedValue)`,
    60,
    async () => {
      last = await readRoute(kc, namespace, name);
      const accepted = conditionOf(last.status?.parents?.[0]?.conditions, 'Accepted');
      return accepted?.status === 'False' && accepted.reason === 'UnsupportedValue' ? accepted : undefined;
    },
    () => (last?.status?.parents ?? []).flatMap((p) => p.conditions ?? []).map((c) => showCondition(c)).join('; ') || 'no status.parents',
  );
  console.log(`HTTPRoute ${namespace}/${name}: ${showCondition(refused)}`);
  const gateway = await programmed(kc, 'infra', 'shop', 10);
  console.log(`Gateway infra/shop: ${showCondition(conditionOf(gateway.status?.conditions, 'Programmed'))}`);
  for (const l of gateway.status?.listeners ?? []) console.log(`  listener ${l.name}: attachedRoutes ${l.attachedRoutes}`);
  await watch.settle();
  const rulesAfter = await albRules(elb, cluster);
  console.log(`rules in AWS: ${shape(rulesAfter) === shape(rulesBefore) ? `the same ${rulesAfter.length} as before (ARNs, priorities, conditions, actions)` : 'CHANGED'}`);
  await watch.report(before);
  elb.destroy();
  if (shape(rulesAfter) !== shape(rulesBefore)) throw new Error('the refused route changed the rules in AWS');
}

/** What the API needs to find an object again. */
function reference(o: KubernetesObject): KubernetesObject & { metadata: { name: string } } {
  const namespace = o.metadata?.namespace;
  return { apiVersion: o.apiVersion ?? '', kind: o.kind ?? '', metadata: { name: o.metadata?.name ?? '', ...(namespace === undefined ? {} : { namespace }) } };
}

const notFound = (err: unknown): boolean => err instanceof ApiException && err.code === 404;

async function deleteAll(): Promise<void> {
  const kc = kubeConfig();
  const client = KubernetesObjectApi.makeApiClient(kc);
  const watch = activity(kc);
  const before = await watch.snapshot();
  // The routes first, also those not in the files; then the Gateway and the rest, most dependent
  // first. Namespaces stay: this API server has no controller to empty and remove them.
  const order = ['HTTPRoute', 'Gateway', 'ReferenceGrant', 'EndpointSlice', 'Service', 'Secret', 'GatewayClass', 'IngressClassParams'];
  const fromFiles = (await readObjects(values.file ?? [])).filter((o) => o.kind !== 'Namespace' && o.kind !== 'HTTPRoute');
  const all: KubernetesObject[] = [...(await routes(kc)), ...fromFiles].sort((a, b) => order.indexOf(a.kind ?? '') - order.indexOf(b.kind ?? ''));
  const deleted = new Map<string, string[]>();
  for (const o of all) {
    const current = await client.read(reference(o));
    await client.delete(reference(o));
    const held = current.metadata?.finalizers ?? [];
    const name = `${o.metadata?.namespace === undefined ? (o.metadata?.name ?? '') : id(o)}${held.length > 0 ? ` (finalizers: ${held.join(', ')})` : ''}`;
    deleted.set(o.kind ?? '', [...(deleted.get(o.kind ?? '') ?? []), name]);
  }
  for (const [kind, names] of deleted) console.log(`deleted ${kind} ${names.join(', ')}`);
  const started = Date.now();
  let left: string[] = [];
  await waitFor(
    'every deleted object to be gone (the controller removes its finalizers once AWS is cleaned)',
    programTimeoutS,
    async () => {
      left = [];
      for (const o of all) {
        try {
          const current = await client.read(reference(o));
          left.push(`${o.kind ?? ''} ${id(o)} (finalizers ${(current.metadata?.finalizers ?? []).join(', ') || 'none'})`);
        } catch (err) {
          if (!notFound(err)) throw err;
        }
      }
      return left.length === 0 ? true : undefined;
    },
    () => left.join(', '),
  );
  console.log(`all ${all.length} objects gone after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await watch.settle();
  await watch.report(before);
}

await runStep(
  'scripts/demo-gateway.ts',
  { apply, status, requests, 'edit-route': editRoute, 'broken-route': brokenRouteStep, delete: deleteAll },
  positionals[0],
);
