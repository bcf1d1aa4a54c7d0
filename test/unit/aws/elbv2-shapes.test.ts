import { actionFromSdk, actionToSdk, conditionsFromSdk, conditionsToSdk } from '../../../src/aws/elbv2-shapes.js';
import type { ActionSpec, ConditionSpec } from '../../../src/model/resources.js';
import { canonicalAction, conditionsEqual } from '../../../src/plan/equality.js';

describe('ELBv2 wire shapes', () => {
  const conditions: ConditionSpec[] = [
    { field: 'host-header', values: ['shop.example.com'] },
    { field: 'path-pattern', values: ['/cart', '/cart/*'] },
    { field: 'http-request-method', values: ['GET'] },
    { field: 'source-ip', values: ['10.0.0.0/8'] },
    { field: 'http-header', name: 'X-Canary', values: ['on'] },
    { field: 'query-string', values: [{ key: 'v', value: '2' }, { value: 'beta' }] },
  ];

  it('reads back the conditions it writes', () => {
    expect(conditionsFromSdk(conditionsToSdk(conditions))).toEqual(conditions);
  });

  it('reads legacy Values as host and path conditions', () => {
    expect(conditionsFromSdk([{ Field: 'path-pattern', Values: ['/x'] }])).toEqual([{ field: 'path-pattern', values: ['/x'] }]);
  });

  it('treats a bare TargetGroupArn and a one-group ForwardConfig as the same action', () => {
    const arn = 'arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/a/1';
    const bare = actionFromSdk([{ Type: 'forward', TargetGroupArn: arn }]);
    const config = actionFromSdk([{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: arn, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } } }]);
    const arnOf = (): string | undefined => undefined;
    expect(canonicalAction(bare, arnOf)).toBe(canonicalAction(config, arnOf));
  });

  it('round-trips weighted forward with stickiness, redirect and fixed-response', () => {
    const actions: ActionSpec[] = [
      { type: 'forward', targetGroups: [{ targetGroup: { kind: 'arn', arn: 'a' }, weight: 80 }, { targetGroup: { kind: 'arn', arn: 'b' }, weight: 20 }], stickinessSeconds: 300 },
      { type: 'redirect', protocol: 'HTTPS', port: '443', host: '#{host}', path: '/#{path}', query: '#{query}', statusCode: 'HTTP_301' },
      { type: 'fixed-response', statusCode: '503', contentType: 'text/plain', messageBody: 'down' },
    ];
    const resolve = (ref: { kind: 'id'; id: string } | { kind: 'arn'; arn: string }): string => (ref.kind === 'arn' ? ref.arn : ref.id);
    for (const action of actions) expect(actionFromSdk([actionToSdk(action, resolve)])).toEqual(action);
  });

  it('does not own rules with several or unknown actions', () => {
    expect(actionFromSdk([{ Type: 'authenticate-oidc' }, { Type: 'forward', TargetGroupArn: 'a' }])).toBeNull();
  });

  it('compares conditions ignoring order and host case', () => {
    expect(conditionsEqual([{ field: 'host-header', values: ['A.example.com'] }, { field: 'path-pattern', values: ['/b', '/a'] }], [
      { field: 'path-pattern', values: ['/a', '/b'] },
      { field: 'host-header', values: ['a.example.com'] },
    ])).toBe(true);
    expect(conditionsEqual([{ field: 'path-pattern', values: ['/A'] }], [{ field: 'path-pattern', values: ['/a'] }])).toBe(false);
  });
});
