// What the controller keeps and looks up on its own, against a real kube-apiserver and the AWS
// emulator: load balancers only AWS still knows are found on a later resync, not only when
// leadership starts; a standby keeps nothing per group, so a failover still cleans unused
// certificates; key material is held only for TLS Secrets an Ingress of ours uses.
import { CoordinationV1Api, V1MicroTime } from '@kubernetes/client-node';
import { Aws } from '../../src/aws/clients.js';
import { observeCertificates } from '../../src/certificates/acm.js';
import { ClusterStore } from '../../src/cluster/view.js';
import { listGroups } from '../../src/observe/group.js';
import { silentLogger } from '../../src/observability/logger.js';
import { reconcileDeps, reconcileGroup } from '../../src/pipeline/reconcile.js';
import { Pki, tlsSecret } from '../unit/certificates/pki.js';
import { endpointSlice, ingress, ingressClass, service } from '../unit/factories.js';
import { emulatorRateLimits, endpoint, region } from '../integration/emulator/emulator.js';
import { apis, applyEndpointSlice, applyIngress, applyService, awsCluster, eventually, namespace, startController, type AwsCluster, type RunningController } from './cluster.js';
import { envtestPerFile } from './suite.js';

const started = envtestPerFile({ crdPaths: [] });
let pki: Pki;
let running: RunningController | undefined;

beforeAll(async () => {
  pki = new Pki();
  const { kubeConfig } = started();
  await apis(kubeConfig).networking.createIngressClass({ body: ingressClass() });
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/**
 * Makes a group in AWS for the cluster the way an earlier run would have: an Ingress that the
 * API server does not hold, reconciled from a view of its own. With TLS, its certificate is
 * imported too.
 */
async function groupOutsideTheCluster(at: AwsCluster, name: string, tls: boolean): Promise<void> {
  await reconcileOutside(at, `ghost/${name}`, outsideView(name, tls));
}

/** Reconciles one group of `view` for the cluster, as a run of `albatross apply` would. */
async function reconcileOutside(at: AwsCluster, group: string, view: ClusterStore): Promise<void> {
  const aws = new Aws({ region: region(), endpoint: endpoint(), rateLimits: emulatorRateLimits });
  try {
    const deps = reconcileDeps(aws, { clusterName: at.clusterName, vpcId: at.vpcId, mode: 'apply', logger: silentLogger() });
    const result = await reconcileGroup(view, group, deps, { deleteIfEmpty: true });
    expect(result.failure).toBeNull();
  } finally {
    aws.destroy();
  }
}

function outsideView(name: string, tls: boolean): ClusterStore {
  const store = new ClusterStore();
  const base = ingress({ namespace: 'ghost', name, paths: [{ path: '/', service: 'web' }] });
  const annotations = { ...base.metadata?.annotations, ...(tls ? { 'alb.ingress.kubernetes.io/listen-ports': '[{"HTTPS":443}]' } : {}) };
  store.upsert({ kind: 'IngressClass', object: ingressClass() });
  store.upsert({ kind: 'Service', object: service({ namespace: 'ghost', name: 'web' }) });
  store.upsert({
    kind: 'Ingress',
    object: { ...base, metadata: { ...base.metadata, annotations }, spec: { ...base.spec, ...(tls ? { tls: [{ hosts: ['ghost.example.com'], secretName: 'ghost-tls' }] } : {}) } },
  });
  if (tls) {
    const issued = pki.issue({ sans: ['ghost.example.com'] });
    store.upsert({ kind: 'Secret', object: tlsSecret(issued.certPem, issued.keyPem, { namespace: 'ghost', name: 'ghost-tls' }) });
  }
  return store;
}

test('a load balancer only AWS knows is found and deleted on a later resync, not only when leadership starts', async () => {
  const at = await awsCluster('orphans');
  running = startController(started().kubeConfig, at, { syncPeriodMs: 1_500 });
  const { controller, aws } = running;
  await eventually('leading', () => Promise.resolve(controller.isLeader ? true : undefined));
  // Made after the controller started leading: only a repeated look-up can find it.
  await groupOutsideTheCluster(at, 'late', false);
  expect(await listGroups(aws, at.clusterName)).toEqual(['ghost/late']);
  await eventually('the orphaned group deleted', async () => ((await listGroups(aws, at.clusterName)).length === 0 ? true : undefined), 30_000);
}, 60_000);

test('a standby keeps nothing per group: after it takes over, a certificate no group uses is still deleted', async () => {
  const { kubeConfig } = started();
  const at = await awsCluster('failover');
  // An imported certificate that no load balancer uses any more (its group deleted since).
  await groupOutsideTheCluster(at, 'gone', true);
  await reconcileOutside(at, 'ghost/gone', new ClusterStore());

  const ns = 'failover';
  await namespace(kubeConfig, ns);
  await applyService(kubeConfig, service({ namespace: ns, name: 'web' }));
  await applyEndpointSlice(kubeConfig, endpointSlice({ namespace: ns, service: 'web', name: 'web-1', endpoints: [{ addresses: ['10.0.1.10'] }] }));
  await applyIngress(kubeConfig, ingress({ namespace: ns, name: 'web', paths: [{ path: '/', service: 'web' }] }));

  // Someone else leads for an hour: this replica is a standby.
  const leases = kubeConfig.makeApiClient(CoordinationV1Api);
  const lease = 'failover-leader';
  await leases.createNamespacedLease({
    namespace: 'default',
    body: { metadata: { name: lease }, spec: { holderIdentity: 'someone-else', leaseDurationSeconds: 3600, acquireTime: new V1MicroTime(), renewTime: new V1MicroTime() } },
  });
  running = startController(kubeConfig, at, { leaderElection: { namespace: 'default', name: lease, leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 300 } });
  const { controller, aws } = running;
  await eventually('the standby synced', () => Promise.resolve(controller.synced ? true : undefined));
  // Changes seen while on standby, to groups that are gone by the time it leads.
  const { networking } = apis(kubeConfig);
  for (const name of ['brief-1', 'brief-2', 'brief-3']) {
    await applyIngress(kubeConfig, ingress({ namespace: ns, name, paths: [{ path: '/', service: 'web' }] }));
    await networking.deleteNamespacedIngress({ name, namespace: ns });
  }
  await eventually('the brief Ingresses seen and gone', () => Promise.resolve(controller.store.ingresses().some((i) => i.metadata?.name?.startsWith('brief') === true) ? undefined : true));
  expect(controller.isLeader).toBe(false);
  expect(await listGroups(aws, at.clusterName)).toEqual([]);
  expect(await observeCertificates(aws, at.clusterName)).toHaveLength(1);

  await leases.deleteNamespacedLease({ name: lease, namespace: 'default' });
  await eventually('leading', () => Promise.resolve(controller.isLeader ? true : undefined));
  await eventually('the unused certificate deleted', async () => ((await observeCertificates(aws, at.clusterName)).length === 0 ? true : undefined), 30_000);
  await networking.deleteNamespacedIngress({ name: 'web', namespace: ns });
  await eventually('web let go', async () => ((await networking.readNamespacedIngress({ name: 'web', namespace: ns }).catch(() => undefined)) === undefined ? true : undefined));
}, 90_000);

test('key material is kept only for TLS Secrets an Ingress of ours uses, and dropped when none does', async () => {
  const { kubeConfig } = started();
  const at = await awsCluster('secrets');
  const ns = 'secrets';
  await namespace(kubeConfig, ns);
  const issued = pki.issue({ sans: ['shop.example.com'] });
  await apis(kubeConfig).core.createNamespacedSecret({ namespace: ns, body: tlsSecret(issued.certPem, issued.keyPem, { namespace: ns, name: 'shop-tls' }) });
  running = startController(kubeConfig, at);
  const store = running.controller.store;
  const kept = await eventually('the Secret cached', () => Promise.resolve(store.secret(ns, 'shop-tls')));
  // A TLS Secret nobody uses: cert-manager's CA keys look like this.
  expect(kept.data).toBeUndefined();

  const base = ingress({ namespace: ns, name: 'shop', host: 'shop.example.com', annotations: { 'listen-ports': '[{"HTTPS":443}]' } });
  await applyIngress(kubeConfig, { ...base, spec: { ...base.spec, tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }] } });
  const used = await eventually('the Secret read in full once used', () => Promise.resolve(store.secret(ns, 'shop-tls')?.data === undefined ? undefined : store.secret(ns, 'shop-tls')));
  expect(Object.keys(used.data ?? {}).sort()).toEqual(['tls.crt', 'tls.key']);

  await apis(kubeConfig).networking.deleteNamespacedIngress({ name: 'shop', namespace: ns });
  await eventually('key material dropped once no Ingress uses it', () => Promise.resolve(store.secret(ns, 'shop-tls')?.data === undefined ? true : undefined));
  expect(store.secret(ns, 'shop-tls')?.metadata?.name).toBe('shop-tls');
}, 60_000);

test('a load-balancer-name with capitals gives a status hostname in lower case, as the API server requires', async () => {
  const { kubeConfig } = started();
  const at = await awsCluster('upper');
  const ns = 'upper';
  await namespace(kubeConfig, ns);
  await applyService(kubeConfig, service({ namespace: ns, name: 'web' }));
  running = startController(kubeConfig, at);
  await applyIngress(kubeConfig, ingress({ namespace: ns, name: 'web', annotations: { 'load-balancer-name': 'Upper-Name' }, paths: [{ path: '/', service: 'web' }] }));
  const hostname = await eventually('the status hostname', async () => (await apis(kubeConfig).networking.readNamespacedIngress({ name: 'web', namespace: ns })).status?.loadBalancer?.ingress?.[0]?.hostname);
  expect(hostname).toMatch(/^upper-name-/);
  expect(hostname).toBe(hostname.toLowerCase());
  await apis(kubeConfig).networking.deleteNamespacedIngress({ name: 'web', namespace: ns });
  await eventually('web let go', async () => ((await apis(kubeConfig).networking.readNamespacedIngress({ name: 'web', namespace: ns }).catch(() => undefined)) === undefined ? true : undefined));
}, 60_000);
