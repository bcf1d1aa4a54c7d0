// What a failed reconcile says and whether it is tried again: the Failure value whose message
// becomes the FailedDeployModel Event, for Kubernetes API errors and for the unexpected.
import { ApiException } from '@kubernetes/client-node';
import { KubernetesApiError, failureOf, kubernetesApiError } from '../../../src/pipeline/failure.js';
import { reconcileDeps, reconcileGroup } from '../../../src/pipeline/reconcile.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { fakeAws, internalSubnets } from '../fake-aws.js';
import { ingress, service, snapshot } from '../factories.js';

/** An ApiException as client-node throws it: the Status body as text, the response headers. */
function apiException(code: number, message: string, headers: Record<string, string> = {}): ApiException<unknown> {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code });
  return new ApiException(code, 'Unknown API Status Code!', body, { 'content-type': 'application/json', ...headers });
}

const conflict = 'Operation cannot be fulfilled on ingresses.networking.k8s.io "web": the object has been modified; please apply your changes to the latest version and try again';

describe('failureOf, Kubernetes API errors', () => {
  it('retries a conflict while adding the finalizer, and says so in one sentence with the API server’s words', () => {
    const failure = failureOf(kubernetesApiError('add finalizer alb.group.albatross.dev/shop on Ingress shop/web', apiException(409, conflict)));
    expect(failure).toEqual({
      code: 'kubernetes-api',
      message: `add finalizer alb.group.albatross.dev/shop on Ingress shop/web: the Kubernetes API server answered 409 Conflict: ${conflict}`,
      retryable: true,
    });
  });

  it.each([
    [429, 'Too Many Requests'],
    [500, 'Internal Server Error'],
    [503, 'Service Unavailable'],
  ])('retries a %i', (code, text) => {
    const failure = failureOf(apiException(code, 'the server is busy'));
    expect(failure).toEqual({ code: 'kubernetes-api', message: `a Kubernetes API request: the Kubernetes API server answered ${code} ${text}: the server is busy`, retryable: true });
  });

  it('waits at least as long as the API server’s Retry-After', () => {
    expect(failureOf(apiException(429, 'too many requests, please try again later', { 'retry-after': '5' })).retryAfterMs).toBe(5_000);
  });

  it.each([
    [403, 'Forbidden', 'ingresses.networking.k8s.io "web" is forbidden: User "system:serviceaccount:kube-system:albatross" cannot patch resource "ingresses"'],
    [422, 'Unprocessable Entity', 'Ingress.networking.k8s.io "web" is invalid: metadata.finalizers[0]: Invalid value'],
  ])('does not retry a %i, which only a person can fix', (code, text, message) => {
    const failure = failureOf(kubernetesApiError('add finalizer alb.group.albatross.dev/shop on Ingress shop/web', apiException(code, message)));
    expect(failure).toEqual({ code: 'kubernetes-api', message: `add finalizer alb.group.albatross.dev/shop on Ingress shop/web: the Kubernetes API server answered ${code} ${text}: ${message}`, retryable: false });
  });

  it('names the status alone when the body is no Status', () => {
    const failure = failureOf(new ApiException(502, 'Unknown API Status Code!', undefined, {}));
    expect(failure.message).toBe('a Kubernetes API request: the Kubernetes API server answered 502 Bad Gateway');
  });

  it('a finalizer the API server refuses with 409 stops the group before any change, as a retryable failure that reads as one sentence', async () => {
    const view = snapshot({
      ingresses: [ingress({ namespace: 'shop', name: 'web', annotations: { 'group.name': 'web' }, paths: [{ path: '/' }] })],
      services: [service({ namespace: 'shop' })],
    });
    const fake = fakeAws((operation) => {
      switch (operation) {
        case 'DescribeSubnets':
          return internalSubnets();
        case 'GetResources':
          return { ResourceTagMappingList: [] };
        case 'DescribeSecurityGroups':
          return { SecurityGroups: [] };
        default:
          return {};
      }
    });
    const deps = reconcileDeps(fake.aws, {
      clusterName: 'prod',
      vpcId: 'vpc-1',
      mode: 'apply',
      logger: silentLogger(),
      beforeChanges: async () => {
        await Promise.resolve();
        throw kubernetesApiError('add finalizer alb.group.albatross.dev/shop on Ingress shop/web', apiException(409, conflict));
      },
    });
    const result = await reconcileGroup(view, 'alb:web', deps, { deleteIfEmpty: true });
    expect(result.failure).toEqual({
      code: 'kubernetes-api',
      message: `add finalizer alb.group.albatross.dev/shop on Ingress shop/web: the Kubernetes API server answered 409 Conflict: ${conflict}`,
      retryable: true,
    });
    expect(fake.calls.filter((c) => !/^(Describe|Get|List)/.test(c.operation))).toEqual([]);
  });

  it('keeps the class and status for callers that look at them', () => {
    const error = kubernetesApiError('remove finalizer alb.group.albatross.dev/shop on Ingress shop/web', apiException(500, 'etcdserver: request timed out'));
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({ code: 'kubernetes-api', status: 500, retryable: true });
  });
});

describe('failureOf, the unexpected', () => {
  it('is one sentence naming the error, without its stack', () => {
    const failure = failureOf(new TypeError('Cannot read properties of undefined (reading \'port\')'), 'create rule rule/80/3f2a');
    expect(failure).toEqual({ code: 'internal', message: 'create rule rule/80/3f2a: unexpected failure: TypeError: Cannot read properties of undefined (reading \'port\')', retryable: false });
  });
});
