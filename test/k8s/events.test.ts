// Events against a real kube-apiserver: repeats of one Event raise its count, and an Event the
// API server deleted (its event TTL, 1 h by default) is created again by the next repeat.
import type { V1Ingress } from '@kubernetes/client-node';
import { ClusterWrites, EventReason } from '../../src/controller/writes.js';
import { silentLogger } from '../../src/observability/logger.js';
import { ingress } from '../unit/factories.js';
import { apis, eventsOf, namespace } from './cluster.js';
import { envtestPerFile } from './suite.js';

const started = envtestPerFile({ crdPaths: [] });
const ns = 'events';
const message = 'AWS refused a change: CreateRule failed: TooManyRules: the listener has 100 rules';

describe('Events (kube-apiserver)', () => {
  it('creates an aggregated Event again after the API server deleted it, and keeps counting on the new one', async () => {
    const { kubeConfig } = started();
    const { core, networking } = apis(kubeConfig);
    await namespace(kubeConfig, ns);
    const web: V1Ingress = await networking.createNamespacedIngress({ namespace: ns, body: ingress({ namespace: ns, name: 'web', paths: [{ path: '/' }] }) });
    const writes = new ClusterWrites(kubeConfig, 'replica-a', silentLogger());

    await writes.event(web, 'Warning', EventReason.deployModel, message);
    await writes.event(web, 'Warning', EventReason.deployModel, message);
    expect(await eventsOf(kubeConfig, ns, 'web')).toEqual([{ type: 'Warning', reason: 'FailedDeployModel', message, count: 2 }]);

    // What the API server's event TTL does.
    const [expired] = (await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=web' })).items;
    await core.deleteNamespacedEvent({ name: expired?.metadata?.name ?? '', namespace: ns });
    expect(await eventsOf(kubeConfig, ns, 'web')).toEqual([]);

    await writes.event(web, 'Warning', EventReason.deployModel, message);
    const [again] = await eventsOf(kubeConfig, ns, 'web');
    expect(again?.message).toBe(message);
    expect(again?.reason).toBe('FailedDeployModel');

    await writes.event(web, 'Warning', EventReason.deployModel, message);
    const after = await eventsOf(kubeConfig, ns, 'web');
    expect(after).toHaveLength(1);
    expect(after[0]?.count).toBe((again?.count ?? 0) + 1);
  }, 60_000);
});
