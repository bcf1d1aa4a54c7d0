// Status as written to the API server: conditions with observedGeneration and stable
// lastTransitionTime, Programmed from the reconcile's outcome, the DNS name as an address, and a
// route's parents merged with other Gateways' and other controllers' entries.
import { gatewayStatusOf, routeParentsOf, type GatewayStatusDraft } from '../../../src/gateway/status.js';
import type { RouteParentStatus } from '../../../src/gateway/types.js';

const draft: GatewayStatusDraft = {
  gateway: { namespace: 'infra', name: 'gw' },
  generation: 4,
  conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok' }],
  listeners: [
    { name: 'http', supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }], attachedRoutes: 2, conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok' }], inStack: true },
    { name: 'tcp', supportedKinds: [], attachedRoutes: 0, conditions: [{ type: 'Accepted', status: 'False', reason: 'UnsupportedProtocol', message: 'no' }], inStack: false },
  ],
  routes: [],
};
const now = new Date('2026-12-03T10:00:00Z');

test('a converged Gateway is Programmed with its DNS name as a Hostname address', () => {
  const status = gatewayStatusOf(draft, { dnsName: 'internal-k8s-gw.eu-west-1.elb.amazonaws.com', problem: null }, undefined, now);
  expect(status.addresses).toEqual([{ type: 'Hostname', value: 'internal-k8s-gw.eu-west-1.elb.amazonaws.com' }]);
  expect(status.conditions?.map((c) => [c.type, c.status, c.reason, c.observedGeneration])).toEqual([
    ['Accepted', 'True', 'Accepted', 4],
    ['Programmed', 'True', 'Programmed', 4],
  ]);
  expect(status.listeners?.[0]?.conditions.find((c) => c.type === 'Programmed')?.status).toBe('True');
  expect(status.listeners?.[1]?.conditions.find((c) => c.type === 'Programmed')).toMatchObject({ status: 'False', reason: 'Invalid' });
  expect(status.listeners?.[0]?.attachedRoutes).toBe(2);
});

test('a reconcile that failed leaves Programmed False Pending with the reason', () => {
  const status = gatewayStatusOf(draft, { dnsName: null, problem: 'AWS throttled the request' }, undefined, now);
  expect(status.conditions?.find((c) => c.type === 'Programmed')).toMatchObject({ status: 'False', reason: 'Pending', message: 'AWS throttled the request' });
  expect(status.addresses).toEqual([]);
});

test('lastTransitionTime changes only with the status', () => {
  const first = gatewayStatusOf(draft, { dnsName: 'a', problem: null }, undefined, now);
  const later = new Date('2026-12-03T11:00:00Z');
  const same = gatewayStatusOf(draft, { dnsName: 'a', problem: null }, first, later);
  expect(same.conditions?.find((c) => c.type === 'Programmed')?.lastTransitionTime).toBe('2026-12-03T10:00:00Z');
  const changed = gatewayStatusOf(draft, { dnsName: 'a', problem: 'down' }, first, later);
  expect(changed.conditions?.find((c) => c.type === 'Programmed')?.lastTransitionTime).toBe('2026-12-03T11:00:00Z');
  expect(changed.conditions?.find((c) => c.type === 'Accepted')?.lastTransitionTime).toBe('2026-12-03T10:00:00Z');
});

describe('a route’s parents', () => {
  const theirs: RouteParentStatus = { parentRef: { name: 'gw', namespace: 'infra' }, controllerName: 'example.com/other', conditions: [] };
  const otherGateway: RouteParentStatus = { parentRef: { name: 'gw2' }, controllerName: 'albatross.dev/gateway', conditions: [] };
  const stale: RouteParentStatus = { parentRef: { name: 'gw', namespace: 'infra', sectionName: 'old' }, controllerName: 'albatross.dev/gateway', conditions: [] };

  test('entries of other controllers and other Gateways stay; ours for this Gateway are replaced', () => {
    const parents = routeParentsOf([theirs, otherGateway, stale], 'apps', { namespace: 'infra', name: 'gw' }, [
      { route: { namespace: 'apps', name: 'r' }, generation: 2, parentRef: { name: 'gw', namespace: 'infra' }, conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok' }] },
    ], now);
    expect(parents.map((p) => [p.controllerName, p.parentRef.name, p.parentRef.sectionName])).toEqual([
      ['example.com/other', 'gw', undefined],
      ['albatross.dev/gateway', 'gw2', undefined],
      ['albatross.dev/gateway', 'gw', undefined],
    ]);
    expect(parents[2]?.conditions[0]).toMatchObject({ type: 'Accepted', status: 'True', observedGeneration: 2 });
  });

  test('a route detached from the Gateway loses our entry for it', () => {
    expect(routeParentsOf([otherGateway, stale], 'apps', { namespace: 'infra', name: 'gw' }, [], now)).toEqual([otherGateway]);
  });
});
