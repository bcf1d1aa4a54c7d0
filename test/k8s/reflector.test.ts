// The controller's caches against a real API server: the initial list comes in pages, and a
// watch that resumes from a resourceVersion the server no longer has (410 Gone) lists again,
// reporting every object that changed or vanished meanwhile, so no event is lost; what the
// reflector itself remembers of each object can be less than what it hands on.
import { CoreV1Api, type V1Service } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { metadataOnly, Reflector } from '../../src/controller/reflector.js';
import { silentLogger } from '../../src/observability/logger.js';
import { eventually } from './cluster.js';
import { startEnvtest, type Envtest } from './envtest.js';

let env: Envtest;

beforeAll(async () => {
  // Watches served straight from etcd, compacted every second: a watch resumed from an old
  // resourceVersion meets 410 Gone, as it does in a busy cluster after a long disconnect.
  env = await startEnvtest({ crdPaths: [], startTimeoutMs: 110_000, apiServerArgs: ['--watch-cache=false', '--etcd-compaction-interval=1s'] });
}, 120_000);

afterAll(async () => {
  await env.stop();
}, 60_000);

test('lists in pages, then survives an expired watch without losing a change', async () => {
  const core = env.kubeConfig.makeApiClient(CoreV1Api);
  const ns = 'reflect';
  await core.createNamespace({ body: { metadata: { name: ns } } });
  // Headless: the test API server's Service IP range holds only 256 addresses.
  const service = (name: string): V1Service => ({ metadata: { name, namespace: ns, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big": true}' } }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } });
  const limit = pLimit(8);
  await Promise.all(Array.from({ length: 25 }, (_, i) => limit(() => core.createNamespacedService({ namespace: ns, body: service(`first-${i}`) }))));

  const cache = new Map<string, { annotations: Record<string, string> | undefined; managed: boolean; spec: boolean }>();
  const deleted: string[] = [];
  const deletedWithSpec: boolean[] = [];
  const pages: (string | undefined)[] = [];
  const reflector = new Reflector(
    env.kubeConfig,
    {
      description: `Service in ${ns}`,
      watchPath: `/api/v1/namespaces/${ns}/services`,
      pageSize: 10,
      listPage: async (token, pageSize) => {
        pages.push(token);
        const list = await core.listNamespacedService({ namespace: ns, limit: pageSize, ...(token === undefined ? {} : { _continue: token }) });
        return { items: list.items, metadata: { resourceVersion: list.metadata?.resourceVersion, _continue: list.metadata?._continue } };
      },
      onUpsert: (o) => {
        const s = o as V1Service;
        cache.set(s.metadata?.name ?? '', { annotations: s.metadata?.annotations, managed: s.metadata?.managedFields !== undefined, spec: s.spec !== undefined });
      },
      onDelete: (o) => {
        const s = o as V1Service;
        cache.delete(s.metadata?.name ?? '');
        deleted.push(s.metadata?.name ?? '');
        deletedWithSpec.push(s.spec !== undefined);
      },
      // Remembered by metadata alone, as Secrets are: handed on whole all the same.
      remember: metadataOnly,
      firstBackoffMs: 100,
    },
    silentLogger(),
  );

  // given: a synced cache, listed 10 at a time, trimmed of what the pipeline never reads
  const first = new AbortController();
  const running = reflector.run(first.signal);
  await reflector.waitForSync();
  expect(pages).toEqual([undefined, expect.any(String), expect.any(String)]);
  expect(cache.size).toBe(25);
  expect(cache.get('first-0')).toEqual({ annotations: {}, managed: false, spec: true });

  // when: the watch is away while changes happen and the server compacts its history,
  // including a deletion
  first.abort();
  await running;
  await core.deleteNamespacedService({ name: 'first-3', namespace: ns });
  await Promise.all(Array.from({ length: 40 }, (_, i) => limit(() => core.createNamespacedService({ namespace: ns, body: service(`later-${i}`) }))));
  // Long enough for the API server to compact etcd past the reflector's resourceVersion.
  await new Promise((resolve) => setTimeout(resolve, 3_000));

  // then: resuming from the old resourceVersion meets 410 Gone, lists again, and reports it all
  const second = new AbortController();
  const resumed = reflector.run(second.signal);
  await eventually('the relist', () => Promise.resolve(cache.size === 64 ? true : undefined), 60_000);
  expect(reflector.lists).toBe(2);
  expect(deleted).toEqual(['first-3']);
  // what vanished is reported from what the reflector remembered: metadata, no spec
  expect(deletedWithSpec).toEqual([false]);
  // and watching goes on after the relist
  await core.createNamespacedService({ namespace: ns, body: service('after') });
  await eventually('a watched add after the relist', () => Promise.resolve(cache.has('after') ? true : undefined));
  second.abort();
  await resumed;
}, 120_000);
