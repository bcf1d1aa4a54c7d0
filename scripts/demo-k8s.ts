// The Kubernetes side of the controller demo (scripts/demo.sh), one step per command; serve,
// ready and aws-empty serve the Gateway API demo too (scripts/demo-gateway.sh):
//
//   node scripts/demo-k8s.ts serve --dir DIR [--gateway-api]
//       starts kube-apiserver and etcd (test/k8s/envtest.ts) with the IngressClassParams CRD,
//       and the Gateway API CRDs with --gateway-api (scripts/gateway-api-crds.sh fetched them),
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
import { parseArgs } from 'node:util';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CoreV1Api,
  DiscoveryV1Api,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Endpoint,
  type V1Ingress,
} from '@kubernetes/client-node';
import { Activity, albRules, awsConfig, awsEmpty, createObjects, id, loadKubeConfig, readObjects, ready, runStep, serve, sleep, targets, waitFor } from './demo-lib.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    dir: { type: 'string' },
    url: { type: 'string' },
    kubeconfig: { type: 'string' },
    metrics: { type: 'string' },
    'cluster-name': { type: 'string', default: 'demo' },
    'gateway-api': { type: 'boolean', default: false },
    file: { type: 'string', short: 'f', multiple: true },
  },
});

function option(name: 'dir' | 'url' | 'kubeconfig' | 'metrics'): string {
  const value = values[name];
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

const kubeConfig = (): KubeConfig => loadKubeConfig(option('kubeconfig'));
const activity = (kc: KubeConfig): Activity => new Activity(kc, option('metrics'), ['Ingress'], 'the Ingresses');

/** Ingresses, as `namespace/name`, in a stable order. */
async function ingresses(kc: KubeConfig): Promise<V1Ingress[]> {
  const list = await kc.makeApiClient(NetworkingV1Api).listIngressForAllNamespaces();
  return list.items.sort((a, b) => id(a).localeCompare(id(b)));
}

// ---------------------------------------------------------------- steps

async function apply(): Promise<void> {
  const kc = kubeConfig();
  const objects = await readObjects(values.file ?? []);
  const watch = activity(kc);
  const before = await watch.snapshot();
  await createObjects(kc, objects);

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
  await watch.settle();
  await watch.report(before);
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
  const watch = activity(kc);
  const before = await watch.snapshot();
  slice.endpoints = [...(slice.endpoints ?? []), ...added.map((ip) => ({ addresses: [ip], conditions: { ready: true } }))];
  await discovery.replaceNamespacedEndpointSlice({ name, namespace, body: slice });
  console.log(`EndpointSlice ${namespace}/${name} (Service web): pods ${added.join(', ')} added, ready`);

  await waitFor(`targets ${added.join(', ')} registered in AWS`, 60, async () => {
    const all = [...(await targets(elb, cluster)).values()].flat();
    return added.every((ip) => all.some((t) => t.startsWith(`${ip}:`))) ? true : undefined;
  });
  // Every target group of the Service gets them; wait for the controller to finish first.
  await watch.settle();
  for (const [tg, list] of await targets(elb, cluster)) {
    const old = targetsBefore.get(tg) ?? [];
    const plus = list.filter((t) => !old.includes(t));
    if (plus.length > 0) console.log(`target group ${tg}: ${old.length} -> ${list.length} targets (+${plus.join(', +')})`);
  }
  await watch.report(before);
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
  const watch = activity(kc);
  const before = await watch.snapshot();
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
  await watch.settle();
  await watch.report(before);
  elb.destroy();
  if (fewest < start.length) throw new Error(`the rollout left ${fewest} healthy targets at one point, fewer than ${start.length}`);
}

async function changePath(): Promise<void> {
  const kc = kubeConfig();
  const cluster = values['cluster-name'];
  const elb = new ElasticLoadBalancingV2Client(awsConfig);
  const networking = kc.makeApiClient(NetworkingV1Api);
  const [namespace, name, from, to] = ['shop', 'storefront', '/static', '/assets'];
  const rulesBefore = await albRules(elb, cluster);
  const watch = activity(kc);
  const before = await watch.snapshot();
  const ingress = await networking.readNamespacedIngress({ name, namespace });
  for (const rule of ingress.spec?.rules ?? []) for (const path of rule.http?.paths ?? []) if (path.path === from) path.path = to;
  await networking.replaceNamespacedIngress({ name, namespace, body: ingress });
  console.log(`Ingress ${namespace}/${name}: path ${from} changed to ${to}`);

  const changed = await waitFor(`a rule for ${to} in AWS`, 60, async () => {
    const rules = await albRules(elb, cluster);
    return rules.some((r) => r.paths.some((p) => p.startsWith(to))) ? rules : undefined;
  });
  for (const rule of changed.filter((r) => r.paths.some((p) => p.startsWith(to)))) {
    const old = rulesBefore.find((r) => r.arn === rule.arn);
    const kept = old === undefined ? 'a new rule' : `same rule ARN, was ${old.paths.join(' | ')}`;
    console.log(`${rule.lb} :${rule.port} priority ${rule.priority}: path ${rule.paths.join(' | ')} (${kept})`);
  }
  await watch.settle();
  await watch.report(before);
  elb.destroy();
}

async function deleteAll(): Promise<void> {
  const kc = kubeConfig();
  const networking = kc.makeApiClient(NetworkingV1Api);
  const watch = activity(kc);
  const before = await watch.snapshot();
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
  await watch.settle();
  await watch.report(before);
}

const steps: Record<string, () => Promise<void>> = {
  serve: async () => await serve(option('dir'), { gatewayApi: values['gateway-api'] === true }),
  ready: async () => await ready(option('url')),
  apply,
  scale,
  rollout,
  'change-path': changePath,
  delete: deleteAll,
  'aws-empty': async () => await awsEmpty(values['cluster-name']),
};

await runStep('scripts/demo-k8s.ts', steps, positionals[0]);
