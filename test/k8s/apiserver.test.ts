// Smoke test of the k8s tier: a real kube-apiserver stores Ingress objects, feeds an informer,
// takes status through the status subresource and refuses stale writes with 409.
import {
  ApiException,
  CoreV1Api,
  NetworkingV1Api,
  PatchStrategy,
  makeInformer,
  setHeaderOptions,
  type Informer,
  type KubernetesObject,
  type ObjectCache,
  type V1Ingress,
} from '@kubernetes/client-node';
import { envtestPerFile } from './suite.js';

const NAMESPACE = 'default';
const CONTROLLER = 'albatross.dev/alb';
const LOAD_BALANCER_HOSTNAME = 'k8s-default-web-0123456789.eu-west-1.elb.amazonaws.com';
const TEST_TIMEOUT_MS = 60_000;

const started = envtestPerFile({ crdPaths: [] });

/** Resolves with the first object an informer reports (add or update) that satisfies `match`. */
function nextEvent<T extends KubernetesObject>(
  informer: Informer<T>,
  match: (obj: T) => boolean,
  timeoutMs = 20_000,
): Promise<{ verb: 'add' | 'update'; obj: T }> {
  return new Promise((resolve, reject) => {
    const onAdd = (obj: T): void => settle('add', obj);
    const onUpdate = (obj: T): void => settle('update', obj);
    const timer = setTimeout(() => {
      informer.off('add', onAdd);
      informer.off('update', onUpdate);
      reject(new Error('no matching informer event in time'));
    }, timeoutMs);
    function settle(verb: 'add' | 'update', obj: T): void {
      if (!match(obj)) return;
      clearTimeout(timer);
      informer.off('add', onAdd);
      informer.off('update', onUpdate);
      resolve({ verb, obj });
    }
    informer.on('add', onAdd);
    informer.on('update', onUpdate);
  });
}

describe('kube-apiserver (envtest)', () => {
  it(
    'stores Ingress objects, streams them to an informer, patches status and rejects stale writes',
    async () => {
      const { kubeConfig } = started();
      const networking = kubeConfig.makeApiClient(NetworkingV1Api);
      const core = kubeConfig.makeApiClient(CoreV1Api);

      const informer: Informer<V1Ingress> & ObjectCache<V1Ingress> = makeInformer(
        kubeConfig,
        `/apis/networking.k8s.io/v1/namespaces/${NAMESPACE}/ingresses`,
        () => networking.listNamespacedIngress({ namespace: NAMESPACE }),
      );
      const informerErrors: unknown[] = [];
      informer.on('error', (err) => informerErrors.push(err));
      await informer.start();
      try {
        await networking.createIngressClass({
          body: { metadata: { name: 'albatross' }, spec: { controller: CONTROLLER } },
        });
        await core.createNamespacedService({
          namespace: NAMESPACE,
          body: {
            metadata: { name: 'web' },
            spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
          },
        });

        const added = nextEvent(informer, (ing) => ing.metadata?.name === 'web');
        const created = await networking.createNamespacedIngress({
          namespace: NAMESPACE,
          body: {
            metadata: { name: 'web', annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing' } },
            spec: {
              ingressClassName: 'albatross',
              rules: [
                {
                  host: 'web.example.com',
                  http: {
                    paths: [
                      {
                        path: '/',
                        pathType: 'Prefix',
                        backend: { service: { name: 'web', port: { number: 80 } } },
                      },
                    ],
                  },
                },
              ],
            },
          },
        });
        expect(created.metadata?.uid).toBeTruthy();
        expect((await added).verb).toBe('add');

        const classes = await networking.listIngressClass();
        expect(classes.items.map((c) => c.spec?.controller)).toContain(CONTROLLER);
        const service = await core.readNamespacedService({ name: 'web', namespace: NAMESPACE });
        expect(service.spec?.clusterIP).toMatch(/^10\.0\.0\.\d+$/);

        // Status goes through its own subresource, as the controller will write it.
        const statusSeen = nextEvent(
          informer,
          (ing) => ing.status?.loadBalancer?.ingress?.[0]?.hostname === LOAD_BALANCER_HOSTNAME,
        );
        const patched = await networking.patchNamespacedIngressStatus(
          {
            name: 'web',
            namespace: NAMESPACE,
            body: { status: { loadBalancer: { ingress: [{ hostname: LOAD_BALANCER_HOSTNAME }] } } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        expect(patched.status?.loadBalancer?.ingress).toEqual([{ hostname: LOAD_BALANCER_HOSTNAME }]);
        expect(patched.spec).toEqual(created.spec);
        const update = await statusSeen;
        expect(update.verb).toBe('update');
        expect(informer.get('web', NAMESPACE)?.status?.loadBalancer?.ingress?.[0]?.hostname).toBe(
          LOAD_BALANCER_HOSTNAME,
        );

        // A replace carrying an old resourceVersion must lose against the status write above.
        expect(created.metadata?.resourceVersion).not.toBe(patched.metadata?.resourceVersion);
        const stale: V1Ingress = {
          ...created,
          metadata: { ...created.metadata, annotations: { 'alb.ingress.kubernetes.io/scheme': 'internal' } },
        };
        const conflict = await networking
          .replaceNamespacedIngress({ name: 'web', namespace: NAMESPACE, body: stale })
          .then(
            () => undefined,
            (err: unknown) => err,
          );
        expect(conflict).toBeInstanceOf(ApiException);
        expect((conflict as ApiException<unknown>).code).toBe(409);

        const current = await networking.readNamespacedIngress({ name: 'web', namespace: NAMESPACE });
        expect(current.metadata?.annotations?.['alb.ingress.kubernetes.io/scheme']).toBe('internet-facing');
        expect(informerErrors).toEqual([]);
      } finally {
        await informer.stop();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
