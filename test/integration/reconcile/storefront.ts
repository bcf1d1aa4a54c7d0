// The storefront group that suites drive through its whole life: created with HTTP and HTTPS,
// then changed in every way apply can change a group in place, then shrunk (a named security
// group replaces ours, HTTPS goes, a Service is no longer used), then deleted.
import type { V1Ingress, V1Secret } from '@kubernetes/client-node';
import type { ClusterStore } from '../../../src/cluster/view.js';
import { endpointSlice, ingress, service, snapshot } from '../../unit/factories.js';

/** One state of the storefront. */
export interface StorefrontStep {
  readonly paths: readonly { readonly path: string; readonly service: string; readonly port: number }[];
  readonly annotations: Readonly<Record<string, string>>;
  /** Pod IPs of Service web. */
  readonly web: readonly string[];
  readonly defaultBackend?: boolean;
}

/** What the steps refer to in AWS. */
export interface StorefrontResources {
  /** Five ACM certificate ARNs. */
  readonly certificates: readonly [string, string, string, string, string];
  readonly publicSubnetIds: readonly string[];
  /** The Name of a security group made by hand. */
  readonly edgeSecurityGroup: string;
}

const https = { 'listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]' };

export function storefrontSteps(r: StorefrontResources): { readonly created: StorefrontStep; readonly changed: StorefrontStep; readonly shrunk: StorefrontStep } {
  const [a, b, c, d, e] = r.certificates;
  return {
    created: {
      paths: [
        { path: '/', service: 'web', port: 80 },
        { path: '/cart', service: 'cart', port: 8080 },
        { path: '/help', service: 'search', port: 8080 },
        { path: '/old', service: 'search', port: 8080 },
      ],
      annotations: {
        ...https,
        'certificate-arn': [a, b, e].join(','),
        'healthcheck-path': '/healthz',
        'target-group-attributes': 'deregistration_delay.timeout_seconds=30',
        'load-balancer-attributes': 'idle_timeout.timeout_seconds=60',
        'inbound-cidrs': '10.0.0.0/8',
        tags: 'team=shop,env=dev',
      },
      web: ['10.0.1.10', '10.0.2.10'],
    },
    // A rule's target, rule order, a path, health check, attributes, targets, certificates,
    // default action, tags, inbound rules, IP address type, subnets.
    changed: {
      paths: [
        { path: '/', service: 'web', port: 80 },
        { path: '/help', service: 'search', port: 8080 },
        { path: '/cart', service: 'web', port: 80 },
        { path: '/new', service: 'search', port: 8080 },
      ],
      annotations: {
        ...https,
        'certificate-arn': [c, b, d].join(','),
        'healthcheck-path': '/ready',
        'target-group-attributes': 'deregistration_delay.timeout_seconds=60',
        'load-balancer-attributes': 'idle_timeout.timeout_seconds=120',
        'inbound-cidrs': '192.168.0.0/16',
        tags: 'team=web,owner=ops',
        'ip-address-type': 'dualstack',
        subnets: r.publicSubnetIds.slice(0, 2).join(','),
      },
      web: ['10.0.1.10', '10.0.3.10'],
      defaultBackend: true,
    },
    shrunk: {
      paths: [
        { path: '/', service: 'web', port: 80 },
        { path: '/cart', service: 'web', port: 80 },
      ],
      annotations: { 'security-groups': r.edgeSecurityGroup, tags: 'team=web,owner=ops' },
      web: ['10.0.1.10', '10.0.3.10'],
    },
  };
}

/**
 * The cluster at one step: the storefront Ingress (none when the step has no paths), its
 * three Services and their endpoints, plus any other Ingresses and Secrets given.
 */
export function storefront(step: StorefrontStep, more: { readonly ingresses?: readonly V1Ingress[]; readonly secrets?: readonly V1Secret[] } = {}): ClusterStore {
  return snapshot({
    ingresses: [
      ...(step.paths.length === 0
        ? []
        : [
            ingress({
              name: 'storefront',
              namespace: 'shop',
              annotations: { 'group.name': 'shop', ...step.annotations },
              host: 'shop.example.com',
              paths: step.paths,
              ...(step.defaultBackend === true ? { defaultBackend: { service: 'web', port: 80 } } : {}),
            }),
          ]),
      ...(more.ingresses ?? []),
    ],
    services: [
      service({ name: 'web', namespace: 'shop' }),
      service({ name: 'cart', namespace: 'shop', ports: [{ port: 8080, targetPort: 9000 }] }),
      service({ name: 'search', namespace: 'shop', ports: [{ port: 8080, targetPort: 9000 }] }),
    ],
    endpointSlices: [
      endpointSlice({ service: 'web', namespace: 'shop', endpoints: [{ addresses: [...step.web] }] }),
      endpointSlice({ service: 'cart', namespace: 'shop', ports: [{ port: 9000 }], endpoints: [{ addresses: ['10.0.1.20'] }] }),
      endpointSlice({ service: 'search', namespace: 'shop', ports: [{ port: 9000 }], endpoints: [{ addresses: ['10.0.1.30'] }] }),
    ],
    secrets: [...(more.secrets ?? [])],
  });
}
