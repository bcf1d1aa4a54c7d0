// Shared pieces of the controller benchmarks: where the Kubernetes binaries are, bulk creation
// with bounded concurrency, and the synthetic objects written through the API server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { V1EndpointSlice, V1Ingress, V1Node, V1Service } from '@kubernetes/client-node';
import { findK8sAssets } from '../test/k8s/envtest.js';

/** The Kubernetes version pinned in scripts/k8s-binaries.sh (run from the repository root). */
export function pinnedK8sVersion(): string {
  const match = /^K8S_VERSION_DEFAULT=(\S+)$/m.exec(readFileSync(join(process.cwd(), 'scripts', 'k8s-binaries.sh'), 'utf8'));
  if (!match?.[1]) throw new Error('no K8S_VERSION_DEFAULT line in scripts/k8s-binaries.sh');
  return match[1];
}

/** The folder holding kube-apiserver and etcd, or undefined when they are missing. */
export function k8sAssets(): string | undefined {
  // envtest.ts finds the pin relative to its own file, which is elsewhere once compiled into
  // dist-bench/; the version is passed in instead.
  return findK8sAssets({ ...process.env, ALBATROSS_K8S_VERSION: process.env['ALBATROSS_K8S_VERSION'] ?? pinnedK8sVersion() });
}

/** Runs `create` for every item, at most `concurrency` at once. */
export async function bulk<T>(items: readonly T[], concurrency: number, create: (item: T) => Promise<unknown>): Promise<void> {
  const limit = pLimit(concurrency);
  await Promise.all(items.map(async (item) => await limit(async () => await create(item))));
}

/** An Ingress of `group` with one host and `paths` Prefix/Exact paths to the given Services. */
export function ingress(namespace: string, name: string, group: string, order: number, services: readonly string[]): V1Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace,
      annotations: {
        'alb.ingress.kubernetes.io/group.name': group,
        'alb.ingress.kubernetes.io/group.order': String(order),
        'alb.ingress.kubernetes.io/scheme': 'internet-facing',
        'alb.ingress.kubernetes.io/target-type': 'ip',
        'alb.ingress.kubernetes.io/healthcheck-path': '/healthz',
      },
    },
    spec: {
      ingressClassName: 'albatross',
      rules: [
        {
          host: `${name}.${namespace}.example.com`,
          http: {
            paths: services.map((service, p) => ({
              path: p === 0 ? '/' : `/v${p}/api`,
              pathType: p % 2 === 0 ? 'Prefix' : 'Exact',
              backend: { service: { name: service, port: { number: 80 } } },
            })),
          },
        },
      ],
    },
  };
}

export function service(namespace: string, name: string): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: { app: name } },
    spec: { type: 'ClusterIP', selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  };
}

/**
 * An EndpointSlice as kube-controller-manager writes one: `endpoints` ready pods, each with its
 * node, zone and Pod reference. `seed` keeps the addresses of different slices apart.
 */
export function endpointSlice(namespace: string, serviceName: string, endpoints: number, seed: number): V1EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${serviceName}-${(seed * 7919).toString(36).padStart(5, '0').slice(-5)}`,
      namespace,
      labels: { 'kubernetes.io/service-name': serviceName, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: Array.from({ length: endpoints }, (_, k) => {
      const n = seed * endpoints + k;
      const pod = `${serviceName}-7d9f8c6b5-${n.toString(36).padStart(5, '0')}`;
      return {
        addresses: [`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: `node-${n % 50}`,
        zone: `us-east-1${'abc'[n % 3] ?? 'a'}`,
        targetRef: { kind: 'Pod', namespace, name: pod, uid: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}` },
      };
    }),
  };
}

/**
 * A Node as a kubelet on EC2 reports itself: provider ID, addresses, labels, conditions,
 * capacity and the images it holds (most of a Node's size). `n` numbers it.
 */
export function node(n: number): V1Node {
  const name = `node-${n}`;
  const zone = `us-east-1${'abc'[n % 3] ?? 'a'}`;
  const heartbeat = new Date('2026-12-03T12:00:00Z');
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'arm64',
        'node.kubernetes.io/instance-type': 'm7g.xlarge',
        'topology.kubernetes.io/zone': zone,
        'topology.kubernetes.io/region': 'us-east-1',
        'eks.amazonaws.com/nodegroup': 'general',
        'eks.amazonaws.com/capacityType': 'ON_DEMAND',
      },
      annotations: { 'alpha.kubernetes.io/provided-node-ip': `10.0.${n >> 8}.${n & 255}`, 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { providerID: `aws:///${zone}/i-${(0x0abc0000000000 + n).toString(16).padStart(17, '0')}` },
    status: {
      addresses: [
        { type: 'InternalIP', address: `10.0.${n >> 8}.${n & 255}` },
        { type: 'InternalDNS', address: `ip-10-0-${n >> 8}-${n & 255}.ec2.internal` },
        { type: 'Hostname', address: `ip-10-0-${n >> 8}-${n & 255}.ec2.internal` },
      ],
      capacity: { cpu: '4', memory: '16069184Ki', pods: '58', 'ephemeral-storage': '83873772Ki' },
      allocatable: { cpu: '3920m', memory: '15052352Ki', pods: '58', 'ephemeral-storage': '76224326324' },
      conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({
        type,
        status: type === 'Ready' ? 'True' : 'False',
        lastHeartbeatTime: heartbeat,
        lastTransitionTime: heartbeat,
        reason: type === 'Ready' ? 'KubeletReady' : `KubeletHasNo${type}`,
        message: type === 'Ready' ? 'kubelet is posting ready status' : `kubelet has no ${type}`,
      })),
      images: Array.from({ length: 20 }, (_, i) => ({
        names: [`111122223333.dkr.ecr.us-east-1.amazonaws.com/app-${i}@sha256:${i.toString(16).padStart(64, 'a')}`, `111122223333.dkr.ecr.us-east-1.amazonaws.com/app-${i}:v1.${i}`],
        sizeBytes: 50_000_000 + i,
      })),
      nodeInfo: {
        machineID: `ec2${n.toString(16).padStart(29, '0')}`,
        systemUUID: `ec2${n.toString(16).padStart(29, '0')}`,
        bootID: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
        kernelVersion: '6.12.40-63.114.amzn2023.aarch64',
        osImage: 'Amazon Linux 2023.9.20251208',
        containerRuntimeVersion: 'containerd://2.1.4',
        kubeletVersion: 'v1.36.3-eks-1234567',
        kubeProxyVersion: 'v1.36.3-eks-1234567',
        operatingSystem: 'linux',
        architecture: 'arm64',
      },
    },
  };
}
