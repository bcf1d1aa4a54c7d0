// What the controller demos share (scripts/demo-k8s.ts for Ingresses, scripts/demo-gateway.ts
// for the Gateway API): waits with timeouts, manifests read and created as `kubectl create -f`
// would, the controller's Events and AWS calls between two moments, and reads of what the
// cluster's load balancers hold in AWS (the emulator of AWS_ENDPOINT_URL).
import { copyFile, readFile, readdir, stat } from 'node:fs/promises';
import { registerHooks } from 'node:module';
import { join } from 'node:path';
import { ACMClient, ListCertificatesCommand, ListTagsForCertificateCommand } from '@aws-sdk/client-acm';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, loadAllYaml, type KubernetesObject } from '@kubernetes/client-node';
import { conditionsFromSdk } from '../src/aws/elbv2-shapes.ts';
import type { ConditionSpec } from '../src/model/resources.ts';

export const clusterTag = 'albatross.dev/cluster';
export const groupTag = 'albatross.dev/group';

export const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns something other than `undefined`; fails after `timeoutS` naming
 * `what`, and what `lastSeen` says was seen last (when given).
 */
export async function waitFor<T>(what: string, timeoutS: number, check: () => Promise<T | undefined>, lastSeen?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutS * 1000;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const seen = lastSeen?.();
      throw new Error(
        `timed out after ${timeoutS} s waiting for ${what}${seen ? `; last seen: ${seen}` : ''}${last instanceof Error ? ` (last error: ${last.message})` : ''}`,
      );
    }
    await sleep(250);
  }
}

// ---------------------------------------------------------------- Kubernetes

export function loadKubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

export const id = (o: KubernetesObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** The YAML files of `paths`: files as given, folders read recursively, sorted. */
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

/** Every object of the YAML files of `paths`. */
export async function readObjects(paths: readonly string[]): Promise<KubernetesObject[]> {
  const objects: KubernetesObject[] = [];
  for (const file of await yamlFiles(paths)) {
    for (const doc of loadAllYaml(await readFile(file, 'utf8')) as (KubernetesObject | null)[]) if (doc) objects.push(doc);
  }
  return objects;
}

/**
 * What an object refers to is created before it, so that no reconcile sees a Service, a Secret
 * or a grant missing for a moment; kinds not listed go first.
 */
const creationOrder = [
  'IngressClassParams',
  'IngressClass',
  'GatewayClass',
  'Secret',
  'Service',
  'EndpointSlice',
  'ReferenceGrant',
  'Gateway',
  'Ingress',
  'HTTPRoute',
];

/**
 * Creates `objects` through the API: the namespaces first (Namespace objects as written, with
 * their labels, then any other namespace an object names), then the rest in
 * {@link creationOrder}. Prints what it created, kind by kind.
 */
export async function createObjects(kc: KubeConfig, objects: readonly KubernetesObject[]): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(CoreV1Api);
  const declared = objects.filter((o) => o.kind === 'Namespace');
  for (const o of declared) await client.create(o);
  const named = new Set(objects.flatMap((o) => (o.metadata?.namespace === undefined ? [] : [o.metadata.namespace])));
  for (const o of declared) named.delete(o.metadata?.name ?? '');
  for (const name of named) await core.createNamespace({ body: { metadata: { name } } });
  const namespaces = [...declared.map((o) => o.metadata?.name ?? ''), ...named];
  console.log(`created Namespace ${namespaces.join(', ')}`);
  const rank = (o: KubernetesObject): number => creationOrder.indexOf(o.kind ?? '');
  const created = new Map<string, string[]>();
  for (const o of objects.filter((x) => x.kind !== 'Namespace').sort((a, b) => rank(a) - rank(b))) {
    await client.create(o);
    const name = o.metadata?.namespace === undefined ? (o.metadata?.name ?? '') : id(o);
    created.set(o.kind ?? '', [...(created.get(o.kind ?? '') ?? []), name]);
  }
  for (const [kind, names] of created) console.log(`created ${kind} ${names.join(', ')}`);
}

interface EventSeen {
  readonly object: string;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
}

/** Every Event on an object of one of `kinds`, by the Event's name, with its count. */
async function eventsOn(kc: KubeConfig, kinds: readonly string[]): Promise<Map<string, EventSeen>> {
  const core = kc.makeApiClient(CoreV1Api);
  const out = new Map<string, EventSeen>();
  for (const kind of kinds) {
    const list = await core.listEventForAllNamespaces({ fieldSelector: `involvedObject.kind=${kind}` });
    for (const e of list.items) {
      out.set(`${e.metadata.namespace ?? ''}/${e.metadata.name ?? ''}`, {
        object: `${kinds.length > 1 ? `${kind} ` : ''}${e.involvedObject.namespace ?? ''}/${e.involvedObject.name ?? ''}`,
        type: e.type ?? '',
        reason: e.reason ?? '',
        message: e.message ?? '',
        count: e.count ?? 1,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------- what the controller did

type Calls = Map<string, number>;

/** `albatross_aws_api_calls_total` by `service operation[ (outcome)]`. */
async function awsCalls(metrics: string): Promise<Calls> {
  const response = await fetch(metrics, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`${metrics} answered ${response.status}`);
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

/**
 * The controller's Events on objects of some kinds and the AWS calls it made (from its
 * `/metrics`), between a {@link Activity.snapshot} and a {@link Activity.report}.
 */
export class Activity {
  private readonly kc: KubeConfig;
  private readonly metrics: string;
  private readonly kinds: readonly string[];
  private readonly objects: string;

  /**
   * @param metrics the controller's `/metrics` URL
   * @param kinds kinds whose Events are shown, e.g. `['Ingress']`
   * @param objects how the report names them, e.g. `the Ingresses`
   */
  constructor(kc: KubeConfig, metrics: string, kinds: readonly string[], objects: string) {
    this.kc = kc;
    this.metrics = metrics;
    this.kinds = kinds;
    this.objects = objects;
  }

  async snapshot(): Promise<ActivitySnapshot> {
    return { calls: await awsCalls(this.metrics), events: await eventsOn(this.kc, this.kinds) };
  }

  /** Waits until the controller's AWS calls stop changing for two seconds (at most 30 s). */
  async settle(): Promise<void> {
    let last = JSON.stringify([...(await awsCalls(this.metrics))]);
    let quietSince = Date.now();
    const deadline = Date.now() + 30_000;
    while (Date.now() - quietSince < 2_000 && Date.now() < deadline) {
      await sleep(400);
      const now = JSON.stringify([...(await awsCalls(this.metrics))]);
      if (now !== last) {
        last = now;
        quietSince = Date.now();
      }
    }
  }

  /** Prints the Events and AWS calls that appeared since `before`. */
  async report(before: ActivitySnapshot): Promise<void> {
    const after = await this.snapshot();
    console.log(`Events on ${this.objects}:`);
    const fresh = [...after.events]
      .map(([name, e]) => ({ ...e, count: e.count - (before.events.get(name)?.count ?? 0) }))
      .filter((e) => e.count > 0)
      .sort((a, b) => a.object.localeCompare(b.object));
    const width = Math.max(0, ...fresh.map((e) => e.object.length));
    for (const e of fresh) console.log(`  ${e.object.padEnd(width)}  ${e.type} ${e.reason}${e.count > 1 ? ` (×${e.count})` : ''}: ${e.message}`);
    if (fresh.length === 0) console.log('  (none)');
    const { writes, reads } = callDiff(before.calls, after.calls);
    console.log(`AWS calls that change: ${writes.length > 0 ? writes.join(', ') : '(none)'}`);
    console.log(`AWS calls that read:   ${reads.length > 0 ? reads.join(', ') : '(none)'}`);
  }
}

export interface ActivitySnapshot {
  readonly calls: Calls;
  readonly events: Map<string, EventSeen>;
}

// ---------------------------------------------------------------- AWS

const endpoint = process.env['AWS_ENDPOINT_URL'];
export const awsConfig = { region: process.env['AWS_REGION'] ?? 'us-east-1', ...(endpoint ? { endpoint } : {}) };

async function elbTags(elb: ElasticLoadBalancingV2Client, arns: string[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (let i = 0; i < arns.length; i += 20) {
    const res = await elb.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }));
    for (const d of res.TagDescriptions ?? []) out.set(d.ResourceArn ?? '', Object.fromEntries((d.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])));
  }
  return out;
}

/** Target groups tagged for the cluster: name -> their targets as `ip:port`, sorted. */
export async function targets(elb: ElasticLoadBalancingV2Client, cluster: string): Promise<Map<string, string[]>> {
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

export interface AlbRule {
  readonly lb: string;
  /** The load balancer's `albatross.dev/group` tag. */
  readonly group: string;
  readonly port: number;
  /** A number, or `default` for the listener's default action. */
  readonly priority: string;
  readonly conditions: readonly ConditionSpec[];
  /** The values of its `path-pattern` condition. */
  readonly paths: readonly string[];
  readonly action: Action | undefined;
  readonly arn: string;
}

/** Every rule of the cluster's load balancers, listener by listener in priority order, the default rule last. */
export async function albRules(elb: ElasticLoadBalancingV2Client, cluster: string): Promise<AlbRule[]> {
  const lbs = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  const tags = await elbTags(elb, lbs.map((l) => l.LoadBalancerArn ?? ''));
  const order = (p: string | undefined): number => (p === 'default' ? Infinity : Number(p));
  const out: AlbRule[] = [];
  for (const lb of lbs) {
    const lbTags = tags.get(lb.LoadBalancerArn ?? '');
    if (lbTags?.[clusterTag] !== cluster) continue;
    for (const listener of (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? []) {
      const rules = (await elb.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }))).Rules ?? [];
      for (const rule of rules.sort((a, b) => order(a.Priority) - order(b.Priority))) {
        const conditions = conditionsFromSdk(rule.Conditions);
        out.push({
          lb: lb.LoadBalancerName ?? '',
          group: lbTags[groupTag] ?? '',
          port: listener.Port ?? 0,
          priority: rule.Priority ?? '',
          conditions,
          paths: conditions.flatMap((c) => (c.field === 'path-pattern' ? c.values : [])),
          action: rule.Actions?.[0],
          arn: rule.RuleArn ?? '',
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- steps both demos run

/**
 * test/k8s/envtest.ts and the files it imports name each other `./x.js`, as the compiler and
 * Jest expect; Node running the .ts files directly finds them as `./x.ts`.
 */
function resolveTsForJs(): void {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (err) {
        if (!/^\.\.?\/.*\.js$/.test(specifier)) throw err;
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      }
    },
  });
}

/**
 * Starts kube-apiserver and etcd (test/k8s/envtest.ts) with the IngressClassParams CRD, and the
 * Gateway API CRDs when asked, writes DIR/kubeconfig and keeps them running until SIGTERM or
 * SIGINT.
 */
export async function serve(dir: string, options: { gatewayApi: boolean }): Promise<void> {
  resolveTsForJs();
  const { startEnvtest } = await import('../test/k8s/envtest.ts');
  const env = await startEnvtest({
    crdPaths: ['charts/albatross/files/crds/ingressclassparams.yaml'],
    startTimeoutMs: 120_000,
    gatewayApi: options.gatewayApi,
  });
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

/** Waits for the controller's /readyz. */
export async function ready(url: string): Promise<void> {
  await waitFor(`the controller's ${url} to answer 200 (caches synced)`, 60, async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? true : undefined;
  });
}

/**
 * Prints what AWS holds of the cluster; fails if anything tagged for it is left. The controller's
 * cluster-wide steps delete imported certificates and the backend security group once every
 * group converged and nothing waits, a moment after the last Ingress or Gateway went: this
 * looks again for up to `patienceS` seconds before it fails.
 */
export async function awsEmpty(cluster: string, patienceS = 15): Promise<void> {
  const elb = new ElasticLoadBalancingV2Client(awsConfig);
  const acm = new ACMClient(awsConfig);
  const ec2 = new EC2Client(awsConfig);
  const look = async (): Promise<{ lines: string[]; left: number }> => {
    const lbs = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    const tgs = (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
    const tags = await elbTags(elb, [...lbs.map((l) => l.LoadBalancerArn ?? ''), ...tgs.map((t) => t.TargetGroupArn ?? '')]);
    const ours = (arn: string | undefined): boolean => tags.get(arn ?? '')?.[clusterTag] === cluster;
    const leftLbs = lbs.filter((l) => ours(l.LoadBalancerArn)).map((l) => l.LoadBalancerName ?? '');
    const leftTgs = tgs.filter((t) => ours(t.TargetGroupArn)).map((t) => t.TargetGroupName ?? '');
    const certs = (await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? [];
    const leftCerts: string[] = [];
    for (const c of certs) {
      const certTags = (await acm.send(new ListTagsForCertificateCommand({ CertificateArn: c.CertificateArn }))).Tags ?? [];
      if (certTags.some((t) => t.Key === clusterTag && t.Value === cluster)) leftCerts.push(c.DomainName ?? c.CertificateArn ?? '');
    }
    const sgs = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: `tag:${clusterTag}`, Values: [cluster] }] }))).SecurityGroups ?? [];
    const leftSgs = sgs.map((g) => g.GroupName ?? g.GroupId ?? '');
    const line = (what: string, left: string[], total: number): string =>
      `${what.padEnd(22)} ${left.length} tagged ${clusterTag}=${cluster}${left.length > 0 ? `: ${left.join(', ')}` : ''}${total >= 0 ? ` (of ${total} in the account)` : ''}`;
    return {
      lines: [line('load balancers', leftLbs, lbs.length), line('target groups', leftTgs, tgs.length), line('security groups', leftSgs, -1), line('ACM certificates', leftCerts, certs.length)],
      left: leftLbs.length + leftTgs.length + leftSgs.length + leftCerts.length,
    };
  };
  const started = Date.now();
  let seen = await look();
  while (seen.left > 0 && Date.now() - started < patienceS * 1000) {
    await sleep(250);
    seen = await look();
  }
  for (const line of seen.lines) console.log(line);
  elb.destroy();
  acm.destroy();
  ec2.destroy();
  if (seen.left > 0) {
    throw new Error(`AWS still holds load balancers, target groups, security groups or certificates of cluster ${cluster} after ${patienceS} s`);
  }
}

/** Runs the step `name` of `steps`; a failure prints `demo: <message>` and sets exit code 1. */
export async function runStep(script: string, steps: Record<string, () => Promise<void>>, name: string | undefined): Promise<void> {
  const step = steps[name ?? ''];
  if (step === undefined) {
    console.error(`usage: node ${script} ${Object.keys(steps).join('|')} [options]`);
    process.exitCode = 2;
    return;
  }
  try {
    await step();
  } catch (err) {
    console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
