// The Kubernetes side of the controller demo (scripts/demo.sh), one step per command:
//
//   node scripts/demo-k8s.ts serve --dir DIR
//       starts kube-apiserver and etcd (test/k8s/envtest.ts) with the IngressClassParams CRD,
//       writes DIR/kubeconfig, and keeps them running until SIGTERM or SIGINT
//   node scripts/demo-k8s.ts ready --url URL              waits for the controller's /readyz
//   node scripts/demo-k8s.ts apply --kubeconfig K --metrics URL -f PATH...
//                                                          creates the objects, waits for the status hostnames
//   node scripts/demo-k8s.ts scale --kubeconfig K --metrics URL --cluster-name C
//   node scripts/demo-k8s.ts rollout --kubeconfig K --metrics URL --cluster-name C
//                                                          a rolling update of shop/web with the readiness gate
//   node scripts/demo-k8s.ts change-path --kubeconfig K --metrics URL --cluster-name C
//   node scripts/demo-k8s.ts delete --kubeconfig K --metrics URL
//   node scripts/demo-k8s.ts aws-empty --cluster-name C     exits 1 if anything tagged for C is left
//
// Each step prints what the controller did: its new Events on the Ingresses (reason and
// message) and the AWS calls it made (the difference of its `albatross_aws_api_calls_total`).
// Every wait has a timeout and names what it waited for. AWS is the emulator of
// AWS_ENDPOINT_URL.
import { copyFile, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ACMClient, ListCertificatesCommand, ListTagsForCertificateCommand } from '@aws-sdk/client-acm';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeListenersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  KubernetesObjectApi,
  NetworkingV1Api,
  PatchStrategy,
  loadAllYaml,
  setHeaderOptions,
  type KubernetesObject,
  type V1Endpoint,
  type V1Ingress,
} from '@kubernetes/client-node';
import { startEnvtest } from '../test/k8s/envtest.ts';

const clusterTag = 'albatross.dev/cluster';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    dir: { type: 'string' },
    url: { type: 'string' },
    kubeconfig: { type: 'string' },
    metrics: { type: 'string' },
    'cluster-name': { type: 'string', default: 'demo' },
    file: { type: 'string', short: 'f', multiple: true },
  },
});

function option(name: 'dir' | 'url' | 'kubeconfig' | 'metrics'): string {
  const value = values[name];
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns something other than `undefined`; fails after `timeoutS` naming `what`. */
async function waitFor<T>(what: string, timeoutS: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutS * 1000;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutS} s waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
    }
    await sleep(250);
  }
}

// ---------------------------------------------------------------- Kubernetes

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(option('kubeconfig'));
  return kc;
}

async function yamlFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    if ((await stat(path)).isDirectory()) {
      const entries = await readdir(path, { recursive: true, withFileTypes: true });
      files.push(...entries.filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => join(e.parentPath, e.name)).sort());
    } else {
      files.push(path);
    }
  }
  return files;
}

/** Ingresses, as `namespace/name`, in a stable order. */
async function ingresses(kc: KubeConfig): Promise<V1Ingress[]> {
  const list = await kc.makeApiClient(NetworkingV1Api).listIngressForAllNamespaces();
  return list.items.sort((a, b) => id(a).localeCompare(id(b)));
}

const id = (o: KubernetesObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** Every Event on an Ingress, by the Event's name, with its count. */
async function ingressEvents(kc: KubeConfig): Promise<Map<string, { ingress: string; type: string; reason: string; message: string; count: number }>> {
  const list = await kc.makeApiClient(CoreV1Api).listEventForAllNamespaces({ fieldSelector: 'involvedObject.kind=Ingress' });
  return new Map(
    list.items.map((e) => [
      `${e.metadata.namespace ?? ''}/${e.metadata.name ?? ''}`,
      {
        ingress: `${e.involvedObject.namespace ?? ''}/${e.involvedObject.name ?? ''}`,
        type: e.type ?? '',
        reason: e.reason ?? '',
        message: e.message ?? '',
        count: e.count ?? 1,
      },
    ]),
  );
}

// ---------------------------------------------------------------- controller metrics

type Calls = Map<string, number>;

/** `albatross_aws_api_calls_total` by `service operation[ (outcome)]`. */
async function awsCalls(): Promise<Calls> {
  const response = await fetch(option('metrics'), { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`${option('metrics')} answered ${response.status}`);
  const calls: Calls = new Map();
  for (const line of (await response.text()).split('\n')) {
    const match = /^albatross_aws_api_calls_total\{(.*)\} (\S+)$/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = Object.fromEntries([...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
    const key = `${labels['operation'] ?? '?'}${labels['outcome'] === 'success' ? '' : ` (${labels['outcome'] ?? '?'})`}`;
    calls.set(key, (calls.get(key) ?? 0) + Number(match[2]));
  }
  return calls;
}

const isRead = (operation: string): boolean => /^(Describe|Get|List)/.test(operation);

function callDiff(before: Calls, after: Calls): { writes: string[]; reads: string[] } {
  const writes: string[] = [];
  const reads: string[] = [];
  for (const [key, count] of [...after].sort(([a], [b]) => a.localeCompare(b))) {
    const made = count - (before.get(key) ?? 0);
    if (made <= 0) continue;
    (isRead(key) ? reads : writes).push(`${key} ×${made}`);
  }
  return { writes, reads };
}

interface Snapshot {
  readonly calls: Calls;
  readonly events: Awaited<ReturnType<typeof ingressEvents>>;
}

async function snapshot(kc: KubeConfig): Promise<Snapshot> {
  return { calls: await awsCalls(), events: await ingressEvents(kc) };
}

/** Waits until the controller's AWS calls stop changing for two seconds (at most 30 s). */
async function settle(): Promise<void> {
  let last = JSON.stringify([...(await awsCalls())]);
  let quietSince = Date.now();
  const deadline = Date.now() + 30_000;
  while (Date.now() - quietSince < 2_000 && Date.now() < deadline) {
    await sleep(400);
    const now = JSON.stringify([...(await awsCalls())]);
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    }
  }
}

/** Prints the Events and AWS calls that appeared since `before`. */
async function report(kc: KubeConfig, before: Snapshot): Promise<void> {
  const after = await snapshot(kc);
  console.log('Events on the Ingresses:');
  const fresh = [...after.events]
    .map(([name, e]) => ({ ...e, count: e.count - (before.events.get(name)?.count ?? 0) }))
    .filter((e) => e.count > 0)
    .sort((a, b) => a.ingress.localeCompare(b.ingress));
  const width = Math.max(0, ...fresh.map((e) => e.ingress.length));
  for (const e of fresh) console.log(`  ${e.ingress.padEnd(width)}  ${e.type} ${e.reason}${e.count > 1 ? ` (×${e.count})` : ''}: ${e.message}`);
  if (fresh.length === 0) console.log('  (none)');
  const { writes, reads } = callDiff(before.calls, after.calls);
  console.log(`AWS calls that change: ${writes.length > 0 ? writes.join(', ') : '(none)'}`);
  console.log(`AWS calls that read:   ${reads.length > 0 ? reads.join(', ') : '(none)'}`);
}

// ---------------------------------------------------------------- AWS

const endpoint = process.env['AWS_ENDPOINT_URL'];
const awsConfig = { region: process.env['AWS_REGION'] ?? 'us-east-1', ...(endpoint ? { endpoint } : {}) };

async function elbTags(elb: ElasticLoadBalancingV2Client, arns: string[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (let i = 0; i < arns.length; i += 20) {
    const res = await elb.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }));
    for (const d of res.TagDescriptions ?? []) out.set(d.ResourceArn ?? '', Object.fromEntries((d.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])));
  }
  return out;
}

/** Target groups tagged for the cluster: name -> their targets as `ip:port`, sorted. */
async function targets(elb: ElasticLoadBalancingV2Client, cluster: string): Promise<Map<string, string[]>> {
  const tgs = (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  const tags = await elbTags(elb, tgs.map((t) => t.TargetGroupArn ?? ''));
  const out = new Map<string, string[]>();
  for (const tg of tgs) {
    if (tags.get(tg.TargetGroupArn ?? '')?.[clusterTag] !== cluster) continue;
    const health = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions ?? [];
    out.set(tg.TargetGroupName ?? '', health.map((h) => `${h.Target?.Id ?? ''}:${h.Target?.Port ?? ''}`).sort());
  }
  return out;
}

/** Path patterns of every rule of the cluster's load balancers. */
async function rulePaths(elb: ElasticLoadBalancingV2Client, cluster: string): Promise<{ lb: string; port: number; priority: string; paths: string[]; arn: string }[]> {
  const lbs = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  const tags = await elbTags(elb, lbs.map((l) => l.LoadBalancerArn ?? ''));
  const out = [];
  for (const lb of lbs) {
    if (tags.get(lb.LoadBalancerArn ?? '')?.[clusterTag] !== cluster) continue;
    for (const listener of (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? []) {
      for (const rule of (await elb.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }))).Rules ?? []) {
        const paths = (rule.Conditions ?? []).flatMap((c) => (c.Field === 'path-pattern' ? (c.PathPatternConfig?.Values ?? c.Values ?? []) : []));
        out.push({ lb: lb.LoadBalancerName ?? '', port: listener.Port ?? 0, priority: rule.Priority ?? '', paths, arn: rule.RuleArn ?? '' });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- steps

async function serve(): Promise<void> {
  const dir = option('dir');
  const env = await startEnvtest({ crdPaths: ['charts/albatross/files/crds/ingressclassparams.yaml'], startTimeoutMs: 120_000 });
  await copyFile(env.kubeconfigPath, join(dir, 'kubeconfig'));
  console.log(env.server);
  // Signal handlers alone do not keep Node running.
  const keepAlive = setInterval(() => undefined, 60_000);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  clearInterval(keepAlive);
  await env.stop();
}

async function ready(): Promise<void> {
  const url = option('url');
  await waitFor(`the controller's ${url} to answer 200 (caches synced)`, 60, async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? true : undefined;
  });
}

async function apply(): Promise<void> {
  const kc = kubeConfig();
  const client = KubernetesObjectApi.makeApiClient(kc);
  const objects: KubernetesObject[] = [];
  for (const file of await yamlFiles(values.file ?? [])) {
    for (const doc of loadAllYaml(await readFile(file, 'utf8')) as (KubernetesObject | null)[]) if (doc) objects.push(doc);
  }
  const before = await snapshot(kc);
  // Namespaces first, as `kubectl apply` needs them too.
  const namespaces = new Set(objects.flatMap((o) => (o.metadata?.namespace === undefined ? [] : [o.metadata.namespace])));
  for (const name of namespaces) await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  console.log(`created Namespace ${[...namespaces].join(', ')}`);
  // What an Ingress refers to goes first, so that no reconcile sees a Service missing for a moment.
  const order = ['IngressClass', 'Secret', 'Service', 'EndpointSlice', 'Ingress'];
  const rank = (o: KubernetesObject): number => (order.includes(o.kind ?? '') ? order.indexOf(o.kind ?? '') : -1);
  const created = new Map<string, string[]>();
  for (const o of [...objects].sort((a, b) => rank(a) - rank(b))) {
    await client.create(o);
    const name = o.metadata?.namespace === undefined ? (o.metadata?.name ?? '') : id(o);
    created.set(o.kind ?? '', [...(created.get(o.kind ?? '') ?? []), name]);
  }
  for (const [kind, names] of created) console.log(`created ${kind} ${names.join(', ')}`);

  const names = objects.filter((o) => o.kind === 'Ingress').map(id);
  const networking = kc.makeApiClient(NetworkingV1Api);
  console.log('\nStatus hostnames written by the controller:');
  for (const name of names.sort()) {
    const [namespace = '', ingress = ''] = name.split('/');
    const hostname = await waitFor(`the status hostname of Ingress ${name}`, 120, async () => {
      const current = await networking.readNamespacedIngress({ name: ingress, namespace });
      return current.status?.loadBalancer?.ingress?.[0]?.hostname;
    });
    console.log(`  ${name.padEnd(16)} ${hostname}`);
  }
  await settle();
  await report(kc, before);
}

async function scale(): Promise<void> {
  const kc = kubeConfig();
  const cluster = values['cluster-name'];
  const elb = new ElasticLoadBalancingV2Client(awsConfig);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const [namespace, name] = ['shop', 'web-abc12'];
  const slice = await discovery.readNamespacedEndpointSlice({ name, namespace });
  const added = ['10.0.11.24', '10.0.12.25'];
  const targetsBefore = await targets(elb, cluster);
  const before = await snapshot(kc);
  slice.endpoints = [...(slice.endpoints ?? []), ...added.map((ip) => ({ addresses: [ip], conditions: { ready: true } }))];
  await discovery.replaceNamespacedEndpointSlice({ name, namespace, body: slice });
  console.log(`EndpointSlice ${namespace}/${name} (Service web): pods ${added.join(', ')} added, ready`);

  await waitFor(`targets ${added.join(', ')} registered in AWS`, 60, async () => {
    const all = [...(await targets(elb, cluster)).values()].flat();
    return added.every((ip) => all.some((t) => t.startsWith(`${ip}:`))) ? true : undefined;
  });
  // Every target group of the Service gets them; wait for the controller to finish first.
  await settle();
  for (const [tg, list] of await targets(elb, cluster)) {
    const old = targetsBefore.get(tg) ?? [];
    const plus = list.filter((t) => !old.includes(t));
    if (plus.length > 0) console.log(`target group ${tg}: ${old.length} -> ${list.length} targets (+${plus.join(', +')})`);
  }
  await report(kc, before);
  elb.destroy();
}

/**
 * A rolling update of Service shop/web, one pod at a time, with the albatross.dev/target-health
 * readiness gate. The demo plays the kubelet and the EndpointSlice controller: it creates each
 * new Pod, marks its containers ready, waits for the gate, marks it Ready, then terminates an
 * old pod. Prints what the user would see at each step and the fewest healthy targets seen.
 */
async function rollout(): Promise<void> {
  const kc = kubeConfig();
  const cluster = values['cluster-name'];
  const elb = new ElasticLoadBalancingV2Client(awsConfig);
  const core = kc.makeApiClient(CoreV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const [namespace, sliceName, gate] = ['shop', 'web-abc12', 'albatross.dev/target-health'];
  const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
  const before = await snapshot(kc);
  const started = Date.now();
  const at = (): string => `+${((Date.now() - started) / 1000).toFixed(1).padStart(4)} s`;
  const healthy = async (): Promise<string[]> => {
    const all = new Set<string>();
    // The target groups of Service shop/web: their names start with k8s-shop-web-.
    for (const [tg, list] of await targets(elb, cluster)) if (tg.startsWith('k8s-shop-web-')) for (const t of list) all.add(t.slice(0, t.lastIndexOf(':')));
    return [...all].sort();
  };
  const editSlice = async (change: (endpoints: V1Endpoint[]) => V1Endpoint[]): Promise<void> => {
    const slice = await discovery.readNamespacedEndpointSlice({ name: sliceName, namespace });
    slice.endpoints = change(slice.endpoints ?? []);
    await discovery.replaceNamespacedEndpointSlice({ name: sliceName, namespace, body: slice });
  };
  const setConditions = async (name: string, conditions: Record<string, string>): Promise<void> => {
    const list = Object.entries(conditions).map(([type, status]) => ({ type, status, lastTransitionTime: new Date() }));
    await core.patchNamespacedPodStatus({ name, namespace, body: { status: { phase: 'Running', conditions: list } } }, strategic);
  };
  const current = (await discovery.readNamespacedEndpointSlice({ name: sliceName, namespace })).endpoints ?? [];
  const old = current.filter((e) => e.conditions?.ready === true).map((e) => e.addresses[0] ?? '').slice(0, 2);
  const start = await healthy();
  console.log(`${at()}  Service shop/web: ${start.length} targets registered (${start.join(', ')}); replacing ${old.join(' and ')}, one at a time (maxSurge 1, maxUnavailable 0)`);
  let fewest = start.length;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      fewest = Math.min(fewest, (await healthy()).length);
      await sleep(100);
    }
  })();
  for (const [i, oldIp] of old.entries()) {
    const name = `web-v2-${i + 1}`;
    const ip = `10.0.1${i + 1}.3${i}`;
    await core.createNamespacedPod({
      namespace,
      body: { metadata: { name, namespace }, spec: { nodeName: 'node-1', readinessGates: [{ conditionType: gate }], containers: [{ name: 'web', image: 'example.com/web:v2' }] } },
    });
    await setConditions(name, { ContainersReady: 'False', Ready: 'False' });
    await editSlice((e) => [...e, { addresses: [ip], conditions: { ready: false, serving: false, terminating: false }, targetRef: { kind: 'Pod', name, namespace } }]);
    console.log(`${at()}  Pod ${name} (${ip}) created with readinessGates [${gate}]; containers starting`);
    await setConditions(name, { ContainersReady: 'True' });
    console.log(`${at()}  ${name}: containers ready; the Pod is not Ready (its gate is pending), its endpoint says ready: false`);
    await waitFor(`${ip} registered`, 60, async () => ((await healthy()).includes(ip) ? true : undefined));
    console.log(`${at()}  ${ip} registered in the target groups of shop/web while ${name} is still not Ready`);
    const condition = await waitFor(`${name}'s gate`, 60, async () => {
      const c = (await core.readNamespacedPod({ name, namespace })).status?.conditions?.find((x) => x.type === gate);
      return c?.status === 'True' ? c : undefined;
    });
    console.log(`${at()}  ${name}: ${gate}=True (${condition.reason ?? ''}: ${condition.message ?? ''})`);
    await setConditions(name, { Ready: 'True' });
    await editSlice((e) => e.map((x) => (x.addresses[0] === ip ? { ...x, conditions: { ready: true, serving: true, terminating: false } } : x)));
    console.log(`${at()}  ${name}: Ready; the Deployment terminates the old pod ${oldIp}`);
    await editSlice((e) => e.map((x) => (x.addresses[0] === oldIp ? { ...x, conditions: { ready: false, serving: true, terminating: true } } : x)));
    await waitFor(`${oldIp} deregistered`, 60, async () => ((await healthy()).includes(oldIp) ? undefined : true));
    console.log(`${at()}  ${oldIp}: endpoint terminating, deregistered (the preStop sleep keeps it serving while ALB drains it)`);
    await editSlice((e) => e.filter((x) => x.addresses[0] !== oldIp));
  }
  sampling = false;
  await sampler;
  const end = await healthy();
  console.log(`${at()}  done: ${end.length} targets (${end.join(', ')}); the fewest healthy targets at any moment: ${fewest} (never below the ${start.length} the rollout started with)`);
  await settle();
  await report(kc, before);
  elb.destroy();
  if (fewest < start.length) throw new Error(`the rollout left ${fewest} healthy targets at one point, fewer than ${start.length}`);
}

async function changePath(): Promise<void> {
  const kc = kubeConfig();
  const cluster = values['cluster-name'];
  const elb = new ElasticLoadBalancingV2Client(awsConfig);
  const networking = kc.makeApiClient(NetworkingV1Api);
  const [namespace, name, from, to] = ['shop', 'storefront', '/static', '/assets'];
  const rulesBefore = await rulePaths(elb, cluster);
  const before = await snapshot(kc);
  const ingress = await networking.readNamespacedIngress({ name, namespace });
  for (const rule of ingress.spec?.rules ?? []) for (const path of rule.http?.paths ?? []) if (path.path === from) path.path = to;
  await networking.replaceNamespacedIngress({ name, namespace, body: ingress });
  console.log(`Ingress ${namespace}/${name}: path ${from} changed to ${to}`);

  const changed = await waitFor(`a rule for ${to} in AWS`, 60, async () => {
    const rules = await rulePaths(elb, cluster);
    return rules.some((r) => r.paths.some((p) => p.startsWith(to))) ? rules : undefined;
  });
  for (const rule of changed.filter((r) => r.paths.some((p) => p.startsWith(to)))) {
    const old = rulesBefore.find((r) => r.arn === rule.arn);
    const kept = old === undefined ? 'a new rule' : `same rule ARN, was ${old.paths.join(' | ')}`;
    console.log(`${rule.lb} :${rule.port} priority ${rule.priority}: path ${rule.paths.join(' | ')} (${kept})`);
  }
  await settle();
  await report(kc, before);
  elb.destroy();
}

async function deleteAll(): Promise<void> {
  const kc = kubeConfig();
  const networking = kc.makeApiClient(NetworkingV1Api);
  const before = await snapshot(kc);
  const all = await ingresses(kc);
  for (const ingress of all) {
    await networking.deleteNamespacedIngress({ name: ingress.metadata?.name ?? '', namespace: ingress.metadata?.namespace ?? '' });
    console.log(`Ingress ${id(ingress)} deleted (finalizers: ${(ingress.metadata?.finalizers ?? []).join(', ') || 'none'})`);
  }
  const started = Date.now();
  await waitFor(`the Ingresses to be gone (the controller removes its finalizer after cleaning AWS): ${all.map(id).join(', ')}`, 120, async () => {
    const left = await ingresses(kc);
    return left.length === 0 ? true : undefined;
  });
  console.log(`all ${all.length} Ingresses gone after ${((Date.now() - started) / 1000).toFixed(1)} s: finalizers removed`);
  await settle();
  await report(kc, before);
}

async function awsEmpty(): Promise<void> {
  const cluster = values['cluster-name'];
  const elb = new ElasticLoadBalancingV2Client(awsConfig);
  const acm = new ACMClient(awsConfig);
  const ec2 = new EC2Client(awsConfig);
  const lbs = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  const tgs = (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  const tags = await elbTags(elb, [...lbs.map((l) => l.LoadBalancerArn ?? ''), ...tgs.map((t) => t.TargetGroupArn ?? '')]);
  const ours = (arn: string | undefined): boolean => tags.get(arn ?? '')?.[clusterTag] === cluster;
  const leftLbs = lbs.filter((l) => ours(l.LoadBalancerArn)).map((l) => l.LoadBalancerName ?? '');
  const leftTgs = tgs.filter((t) => ours(t.TargetGroupArn)).map((t) => t.TargetGroupName ?? '');
  // The cluster-wide step deletes imported certificates once every group converged and nothing
  // waits: a moment after the last Ingress went.
  const ourCertificates = async (): Promise<{ left: string[]; total: number }> => {
    const certs = (await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? [];
    const left: string[] = [];
    for (const c of certs) {
      const certTags = (await acm.send(new ListTagsForCertificateCommand({ CertificateArn: c.CertificateArn }))).Tags ?? [];
      if (certTags.some((t) => t.Key === clusterTag && t.Value === cluster)) left.push(c.DomainName ?? c.CertificateArn ?? '');
    }
    return { left, total: certs.length };
  };
  let certificates = await ourCertificates();
  for (let i = 0; i < 40 && certificates.left.length > 0; i++) {
    await sleep(250);
    certificates = await ourCertificates();
  }
  const leftCerts = certificates.left;
  const sgs = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: `tag:${clusterTag}`, Values: [cluster] }] }))).SecurityGroups ?? [];
  const leftSgs = sgs.map((g) => g.GroupName ?? g.GroupId ?? '');
  const line = (what: string, left: string[], total: number): string =>
    `${what.padEnd(22)} ${left.length} tagged ${clusterTag}=${cluster}${left.length > 0 ? `: ${left.join(', ')}` : ''}${total >= 0 ? ` (of ${total} in the account)` : ''}`;
  console.log(line('load balancers', leftLbs, lbs.length));
  console.log(line('target groups', leftTgs, tgs.length));
  console.log(line('security groups', leftSgs, -1));
  console.log(line('ACM certificates', leftCerts, certificates.total));
  elb.destroy();
  acm.destroy();
  ec2.destroy();
  if (leftLbs.length + leftTgs.length + leftSgs.length + leftCerts.length > 0) {
    throw new Error(`AWS still holds load balancers, target groups, security groups or certificates of cluster ${cluster}`);
  }
}

const steps: Record<string, () => Promise<void>> = {
  serve,
  ready,
  apply,
  scale,
  rollout,
  'change-path': changePath,
  delete: deleteAll,
  'aws-empty': awsEmpty,
};

const step = steps[positionals[0] ?? ''];
if (step === undefined) {
  console.error(`usage: node scripts/demo-k8s.ts ${Object.keys(steps).join('|')} [options]`);
  process.exitCode = 2;
} else {
  try {
    await step();
  } catch (err) {
    console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
