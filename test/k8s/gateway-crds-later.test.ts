// The Gateway API CRDs installed after the controller started: with no flag and no restart, the
// controller picks them up and serves a Gateway created then (the lists of the missing kinds are
// tried again with backoff, as for IngressClassParams).
import { CustomObjectsApi } from '@kubernetes/client-node';
import { readAlb } from '../integration/reconcile/harness.js';
import { endpointSlice, service } from '../unit/factories.js';
import { applyEndpointSlice, applyService, awsCluster, eventually, namespace, startController, type AwsCluster, type RunningController } from './cluster.js';
import { installGatewayApiCrds } from './gateway-api.js';
import { envtestPerFile } from './suite.js';

const env = envtestPerFile();
const group = 'gateway.networking.k8s.io';
let at: AwsCluster;
let running: RunningController;

beforeAll(async () => {
  at = await awsCluster('gateway-later');
  const kc = env().kubeConfig;
  await namespace(kc, 'edge');
  await applyService(kc, service({ namespace: 'edge', name: 'web' }));
  await applyEndpointSlice(kc, endpointSlice({ namespace: 'edge', service: 'web', endpoints: [{ addresses: ['10.0.1.40'] }] }));
  running = startController(kc, at);
  await eventually('the caches synced', () => Promise.resolve(running.controller.synced ? true : undefined));
}, 120_000);

afterAll(async () => {
  await running.stop();
}, 60_000);

test('a Gateway made once the CRDs are installed gets its load balancer', async () => {
  const kc = env().kubeConfig;
  await installGatewayApiCrds(kc);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const v1 = `${group}/v1`;
  await custom.createClusterCustomObject({ group, version: 'v1', plural: 'gatewayclasses', body: { apiVersion: v1, kind: 'GatewayClass', metadata: { name: 'albatross' }, spec: { controllerName: 'albatross.dev/gateway' } } });
  await custom.createNamespacedCustomObject({
    group,
    version: 'v1',
    namespace: 'edge',
    plural: 'gateways',
    body: { apiVersion: v1, kind: 'Gateway', metadata: { name: 'late', namespace: 'edge' }, spec: { gatewayClassName: 'albatross', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } },
  });
  await custom.createNamespacedCustomObject({
    group,
    version: 'v1',
    namespace: 'edge',
    plural: 'httproutes',
    body: { apiVersion: v1, kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'edge' }, spec: { parentRefs: [{ name: 'late' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } },
  });
  const programmed = await eventually(
    'the Gateway Programmed',
    async () => {
      const gw = (await custom.getNamespacedCustomObject({ group, version: 'v1', namespace: 'edge', plural: 'gateways', name: 'late' })) as { status?: { conditions?: { type: string; status: string }[] } };
      return gw.status?.conditions?.find((c) => c.type === 'Programmed' && c.status === 'True');
    },
    90_000,
  );
  expect(programmed.status).toBe('True');
  expect(await eventually('its load balancer', async () => (await readAlb(running.cluster, 'gateway:edge/late')) ?? undefined)).not.toBeNull();
}, 150_000);
