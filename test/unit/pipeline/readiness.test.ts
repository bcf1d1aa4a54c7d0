// The condition the readiness gate writes, from where a Pod's targets go and what
// DescribeTargetHealth says of them.
import { gateCondition, podTargetGroups, readTargetHealth, StackCache, type GroupHealth, type PodPlacement, type TargetHealth } from '../../../src/pipeline/readiness.js';
import { awsError, fakeAws } from '../fake-aws.js';
import { endpointSlice, ingress, pod, service, snapshot } from '../factories.js';

const placement: PodPlacement = {
  used: true,
  targetGroups: [
    { group: 'g', id: 'tg/a', name: 'k8s-a', targets: ['10.0.1.1 8080'] },
    { group: 'g', id: 'tg/b', name: 'k8s-b', targets: ['10.0.1.1 8080'] },
  ],
};
const health = (a: TargetHealth | undefined, b: TargetHealth | undefined): ReadonlyMap<string, GroupHealth> => {
  const group = new Map<string, ReadonlyMap<string, TargetHealth>>();
  if (a !== undefined) group.set('tg/a', new Map([['10.0.1.1 8080', a]]));
  if (b !== undefined) group.set('tg/b', new Map([['10.0.1.1 8080', b]]));
  return new Map([['g', group]]);
};

test('True only when healthy in every target group', () => {
  expect(gateCondition(placement, health({ state: 'healthy' }, { state: 'healthy' }))).toEqual({ status: 'True', reason: 'TargetHealthy', message: 'healthy in target groups k8s-a, k8s-b' });
  expect(gateCondition(placement, health({ state: 'healthy' }, { state: 'initial', reason: 'Elb.RegistrationInProgress' }))).toEqual({
    status: 'False',
    reason: 'InitialHealthChecks',
    message: 'target 10.0.1.1:8080 in target group k8s-b waits for its first health checks (Elb.RegistrationInProgress)',
  });
});

test('a target group not in AWS yet, or a target not registered yet, is Registering', () => {
  expect(gateCondition(placement, health({ state: 'healthy' }, undefined)).reason).toBe('Registering');
  expect(gateCondition(placement, health({ state: 'unused', reason: 'Target.NotRegistered' }, { state: 'healthy' })).reason).toBe('Registering');
});

test('failing health checks name the target group and ALB’s reason code, ahead of any other wait', () => {
  const condition = gateCondition(placement, health({ state: 'initial' }, { state: 'unhealthy', reason: 'Target.ResponseCodeMismatch', description: 'Health checks failed with these codes: [503]' }));
  expect(condition).toEqual({
    status: 'False',
    reason: 'FailingHealthChecks',
    message: 'target 10.0.1.1:8080 in target group k8s-b fails health checks: Target.ResponseCodeMismatch (Health checks failed with these codes: [503])',
  });
});

test('a Pod no target group of ours uses is True at once', () => {
  expect(gateCondition({ used: false, targetGroups: [] }, new Map())).toMatchObject({ status: 'True', reason: 'NoTargetGroup' });
});

test('podTargetGroups finds the target groups that list the Pod, by its Service', () => {
  const view = snapshot({
    ingresses: [ingress({ paths: [{ path: '/', service: 'web' }] })],
    services: [service({ name: 'web' }), service({ name: 'other' })],
    endpointSlices: [endpointSlice({ endpoints: [{ addresses: ['10.0.1.1'], ready: false, pod: 'p' }] })],
    pods: [pod({ name: 'p', gated: true, conditions: { ContainersReady: 'True' } })],
  });
  const stacks = new StackCache(view, 'test');
  const found = podTargetGroups(view, stacks, ['default/web'], new Set(['10.0.1.1']));
  expect(found.used).toBe(true);
  expect(found.targetGroups.map((t) => t.targets)).toEqual([['10.0.1.1 8080']]);
  expect(podTargetGroups(view, stacks, ['default/other'], new Set(['10.0.1.1']))).toEqual({ used: false, targetGroups: [] });
});

test('a target group replaced under the same id is found again, not read by its old ARN for ever', async () => {
  let generation = 1;
  const fake = fakeAws((operation, input) => {
    if (operation === 'GetResources')
      return { ResourceTagMappingList: [{ ResourceARN: `arn:tg/web/${generation}`, Tags: [{ Key: 'albatross.dev/cluster', Value: 'c1' }, { Key: 'albatross.dev/group', Value: 'shop' }, { Key: 'albatross.dev/ingress-class', Value: 'alb' }, { Key: 'albatross.dev/resource', Value: 'tg/web' }] }] };
    if (operation === 'DescribeTargetHealth') {
      if (input['TargetGroupArn'] !== `arn:tg/web/${generation}`) throw awsError('TargetGroupNotFound');
      return { TargetHealthDescriptions: [{ Target: { Id: '10.0.1.1', Port: 8080 }, TargetHealth: { State: 'healthy' } }] };
    }
    throw new Error(`unexpected ${operation}`);
  });
  const arns = new Map<string, string>();
  expect((await readTargetHealth(fake.aws, 'c1', 'alb:shop', new Set(['tg/web']), arns)).get('tg/web')?.get('10.0.1.1 8080')?.state).toBe('healthy');
  // The group is deleted and made again: a new ARN for the same id.
  generation = 2;
  expect((await readTargetHealth(fake.aws, 'c1', 'alb:shop', new Set(['tg/web']), arns)).has('tg/web')).toBe(false);
  expect((await readTargetHealth(fake.aws, 'c1', 'alb:shop', new Set(['tg/web']), arns)).get('tg/web')?.get('10.0.1.1 8080')?.state).toBe('healthy');
  expect(fake.operations().filter((o) => o === 'GetResources')).toHaveLength(2);
});

test('a Pod whose Service a group with no valid Ingress uses waits, naming the group, rather than going Ready unregistered', () => {
  const view = snapshot({
    // An invalid annotation value: the group's only member is held, so the group applies nothing.
    ingresses: [ingress({ paths: [{ path: '/', service: 'web' }], annotations: { 'healthcheck-interval-seconds': 'often' } })],
    services: [service({ name: 'web' })],
    endpointSlices: [endpointSlice({ endpoints: [{ addresses: ['10.0.1.1'], ready: false, pod: 'p' }] })],
    pods: [pod({ name: 'p', gated: true, conditions: { ContainersReady: 'True' } })],
  });
  const placement = podTargetGroups(view, new StackCache(view, 'test'), ['default/web'], new Set(['10.0.1.1']));
  expect(placement).toMatchObject({ used: true, targetGroups: [], frozenGroups: ['default/web'] });
  const condition = gateCondition(placement, new Map());
  expect(condition).toMatchObject({ status: 'False', reason: 'Registering' });
  expect(condition.message).toContain('group default/web uses a Service of this Pod but has no valid Ingress to apply');
});
