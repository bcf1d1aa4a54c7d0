// Synthetic clusters for the benchmark: many groups of Ingresses with several paths each,
// their Services and ready endpoints, shaped like a real multi-team cluster.
import type { V1EndpointSlice, V1Ingress, V1Service } from '@kubernetes/client-node';
import { clusterViewFromObjects } from '../src/cluster/files.js';
import type { ClusterStore } from '../src/cluster/view.js';

export interface WorkloadShape {
  readonly groups: number;
  readonly ingressesPerGroup: number;
  readonly pathsPerIngress: number;
  readonly podsPerService: number;
}

/** The cluster, and how many Ingresses and paths it holds. */
export interface Workload {
  readonly view: ClusterStore;
  readonly ingresses: number;
  readonly paths: number;
}

export function workload(shape: WorkloadShape): Workload {
  const ingresses: V1Ingress[] = [];
  const services: V1Service[] = [];
  const endpointSlices: V1EndpointSlice[] = [];
  for (let g = 0; g < shape.groups; g++) {
    const namespace = `team-${g}`;
    for (let i = 0; i < shape.ingressesPerGroup; i++) {
      const app = `app-${i}`;
      ingresses.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {
          name: app,
          namespace,
          annotations: {
            'alb.ingress.kubernetes.io/group.name': `group-${g}`,
            'alb.ingress.kubernetes.io/group.order': String(i),
            'alb.ingress.kubernetes.io/scheme': 'internet-facing',
            'alb.ingress.kubernetes.io/healthcheck-path': '/healthz',
          },
        },
        spec: {
          ingressClassName: 'albatross',
          rules: [
            {
              host: `${app}.team-${g}.example.com`,
              http: {
                paths: Array.from({ length: shape.pathsPerIngress }, (_, p) => ({
                  path: p === 0 ? '/' : `/v${p}/api`,
                  pathType: p % 2 === 0 ? 'Prefix' : 'Exact',
                  backend: { service: { name: app, port: { number: 80 } } },
                })),
              },
            },
          ],
        },
      });
      services.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
      endpointSlices.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `${app}-x1`, namespace, labels: { 'kubernetes.io/service-name': app } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 8080 }],
        endpoints: Array.from({ length: shape.podsPerService }, (_, k) => ({
          addresses: [`10.${g % 250}.${i % 250}.${k + 10}`],
          conditions: { ready: true },
        })),
      });
    }
  }
  const ingressClass = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'albatross' }, spec: { controller: 'albatross.dev/alb' } };
  return {
    view: clusterViewFromObjects([...ingresses, ingressClass, ...services, ...endpointSlices], 'workload'),
    ingresses: ingresses.length,
    paths: ingresses.reduce((n, i) => n + (i.spec?.rules ?? []).reduce((m, r) => m + (r.http?.paths.length ?? 0), 0), 0),
  };
}
