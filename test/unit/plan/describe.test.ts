// The one-line changes `plan` and `apply` print, as a user reads them.
import { describeOperation } from '../../../src/plan/describe.js';
import { translateGroup } from '../../../src/translate/translate.js';
import { defined } from '../../defined.js';
import { ingress, snapshot } from '../factories.js';

const tls = () => ({ ok: true as const, value: { fingerprint: 'f', names: [] } });

test('a new target group names its Service, and its health check port when it is not the traffic port', () => {
  const created = (annotations: Record<string, string>) => {
    const stack = defined(translateGroup(snapshot({ ingresses: [ingress({ name: 'web', namespace: 'default', host: 'a.example.com', annotations })] }), 'default/web', { clusterName: 'c1', tls }).stack, 'stack');
    const spec = defined(stack.targetGroups[0], 'target group');
    return describeOperation({ op: 'createTargetGroup', spec, vpcId: 'vpc-1' }).summary;
  };
  expect(created({})).toMatch(/ for Service default\/web:80 \(HTTP HTTP1, ip targets, health check HTTP \/\)$/);
  expect(created({ 'healthcheck-port': '9090' })).toMatch(/ for Service default\/web:80 \(HTTP HTTP1, ip targets, health check HTTP port 9090 \/\)$/);
});
