// Which endpoints become targets, with the readiness gate: the same decision for the CLI (Pods
// in its files) and the controller (Pods it read), through the whole translation.
import { translate } from '../../../src/translate/translate.js';
import { endpointSlice, ingress, pod, snapshot, type EndpointOptions } from '../factories.js';
import type { V1Pod } from '@kubernetes/client-node';

/** The target addresses of the one target group, translated from files holding these objects. */
function targetsOf(endpoints: readonly EndpointOptions[], pods: readonly V1Pod[] = []): string[] {
  const view = snapshot({ ingresses: [ingress()], endpointSlices: [endpointSlice({ endpoints })], pods });
  const [stack] = translate(view, { clusterName: 'test' }).stacks;
  return (stack?.targetGroups[0]?.targets ?? []).map((t) => t.ip);
}

test('ready endpoints, and those with no ready condition, are targets; endpoints not ready are not', () => {
  expect(targetsOf([{ addresses: ['10.0.1.1'] }, { addresses: ['10.0.1.2'], ready: true }, { addresses: ['10.0.1.3'], ready: false }])).toEqual(['10.0.1.1', '10.0.1.2']);
});

test('a terminating endpoint is never a target, even one that says ready', () => {
  expect(targetsOf([{ addresses: ['10.0.1.1'], ready: true, terminating: true }, { addresses: ['10.0.1.2'], ready: false, terminating: true, pod: 'p' }], [pod({ name: 'p', gated: true, conditions: { ContainersReady: 'True' } })])).toEqual([]);
});

test('an endpoint not ready is a target when its Pod has the gate and ready containers', () => {
  const pods = [
    pod({ name: 'gated-ready', gated: true, conditions: { ContainersReady: 'True', Ready: 'False' } }),
    pod({ name: 'gated-starting', gated: true, conditions: { ContainersReady: 'False', Ready: 'False' } }),
    pod({ name: 'plain', conditions: { ContainersReady: 'True', Ready: 'False' } }),
  ];
  const endpoints = [
    { addresses: ['10.0.1.1'], ready: false, pod: 'gated-ready' },
    { addresses: ['10.0.1.2'], ready: false, pod: 'gated-starting' },
    { addresses: ['10.0.1.3'], ready: false, pod: 'plain' },
    { addresses: ['10.0.1.4'], ready: false, pod: 'not-in-the-files' },
  ];
  expect(targetsOf(endpoints, pods)).toEqual(['10.0.1.1']);
});

test('a Pod in files is checked at the boundary: a readiness gate without its condition type is named', () => {
  const bad = { ...pod({ name: 'p' }), spec: { containers: [], readinessGates: [{}] } };
  expect(() => snapshot({ pods: [bad as unknown as V1Pod] })).toThrow('spec.readinessGates[0].conditionType is required');
});
