// Benchmark 5: the Gateway front's pure middle. 25 Gateways, each with 40 HTTPRoutes from 9
// namespaces (one hostname, 1 rule of 1 or 2 matches each, some with headers and weights): every
// Gateway translated and diffed against an empty AWS, five runs. Prints one JSON line.
import { resourceUsage } from 'node:process';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { clusterViewFromObjects } from '../src/cluster/files.js';
import { translateGateway } from '../src/gateway/translate.js';
import { diffStack } from '../src/plan/diff.js';

const gateways = 25;
const routesPerGateway = 40;
const objects: unknown[] = [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'albatross' }, spec: { controllerName: 'albatross.dev/gateway' } }];
for (let g = 0; g < gateways; g++) {
  objects.push({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: `gw-${g}`, namespace: 'infra' },
    spec: { gatewayClassName: 'albatross', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] },
  });
  for (let r = 0; r < routesPerGateway; r++) {
    const ns = `team-${r % 9}`;
    const svc = `svc-${g}-${r}`;
    const matches = Array.from({ length: 1 + (r % 2) }, (_, m) => ({
      path: { type: m === 0 ? 'PathPrefix' : 'Exact', value: `/app-${r}/part-${m}` },
      ...(r % 4 === 0 ? { headers: [{ name: 'x-tenant', value: `t${r}` }] } : {}),
    }));
    const backendRefs = r % 5 === 0 ? [{ name: svc, port: 80, weight: 90 }, { name: `${svc}-canary`, port: 80, weight: 10 }] : [{ name: svc, port: 80 }];
    objects.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: `route-${g}-${r}`, namespace: ns, creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, r)).toISOString() },
      spec: { parentRefs: [{ name: `gw-${g}`, namespace: 'infra' }], hostnames: [`app-${r}.gw-${g}.example.com`], rules: [{ matches, backendRefs }] },
    });
    for (const name of r % 5 === 0 ? [svc, `${svc}-canary`] : [svc]) {
      const service: V1Service = { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
      const slice: V1EndpointSlice = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `${name}-1`, namespace: ns, labels: { 'kubernetes.io/service-name': name } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 8080 }],
        endpoints: [0, 1, 2].map((i) => ({ addresses: [`10.${g}.${r}.${i + 1}`] })),
      };
      objects.push(service, slice);
    }
  }
}
const view = clusterViewFromObjects(objects, 'bench');
const context = { vpcId: 'vpc-bench', subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: [] };
const baselineRssKb = resourceUsage().maxRSS;
const runs: number[] = [];
let rules = 0;
let operations = 0;
let refused = 0;
for (let run = 0; run < 5; run++) {
  const start = process.hrtime.bigint();
  rules = 0;
  operations = 0;
  refused = 0;
  for (const key of view.gatewayGroups()) {
    const t = translateGateway(view, key, { clusterName: 'bench' });
    if (t.stack === null) continue;
    rules += t.stack.rules.length;
    refused += t.stack.frozenIngresses.length;
    operations += diffStack(t.stack, null, context).length;
  }
  runs.push(Number(process.hrtime.bigint() - start) / 1e6);
}
const sorted = [...runs].sort((a, b) => a - b);
console.log(
  JSON.stringify({
    gateways: view.gatewayGroups().length,
    routes: gateways * routesPerGateway,
    rules,
    refused,
    operations,
    firstRunMs: Math.round(runs[0] ?? 0),
    medianMs: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    peakRssMb: Math.round(resourceUsage().maxRSS / 1024),
    baselineRssMb: Math.round(baselineRssKb / 1024),
  }),
);
