// The per-group engine against a recording fake: a failure is a value and stays in its
// group, a group with no member is deleted only on the caller's word, and the certificate
// cleanup waits for every group to converge.
import { TlsBundle } from '../../../src/certificates/secret.js';
import { AlbatrossError } from '../../../src/model/errors.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { reconcileCluster } from '../../../src/pipeline/cluster.js';
import { reconcileDeps, reconcileGroup } from '../../../src/pipeline/reconcile.js';
import { BackendSecurityGroup } from '../../../src/pipeline/backend-security-group.js';
import { awsError, fakeAws, internalSubnets, type Handler } from '../fake-aws.js';
import { endpointSlice, gateway, httpRoute, ingress, service, snapshot } from '../factories.js';

const view = snapshot({
  ingresses: [
    ingress({ namespace: 'shop', name: 'a', annotations: { 'group.name': 'a' }, paths: [{ path: '/a' }] }),
    ingress({ namespace: 'shop', name: 'b', annotations: { 'group.name': 'b' }, paths: [{ path: '/b' }] }),
  ],
  services: [service({ namespace: 'shop' })],
  endpointSlices: [endpointSlice({ namespace: 'shop' })],
});

const groupOf = (input: Record<string, unknown>): string | undefined =>
  (input['TagFilters'] as { Key: string; Values: string[] }[] | undefined)?.find((f) => f.Key === 'albatross.dev/group')?.Values[0];

/** An empty account with a VPC of two zones tagged for internal load balancers. */
function emptyAccount(extra: Handler = () => undefined): Handler {
  return (operation, input, service) => {
    const answer = extra(operation, input, service);
    if (answer !== undefined) return answer;
    switch (operation) {
      case 'GetResources':
        return { ResourceTagMappingList: [] };
      case 'DescribeSecurityGroups':
        return { SecurityGroups: [] };
      case 'DescribeLoadBalancers':
        // The name a new load balancer asks for is free.
        return { LoadBalancers: [] };
      case 'DescribeSubnets':
        return internalSubnets();
      default:
        throw new Error(`unexpected ${operation}`);
    }
  };
}

// The backend security group has tests of its own against the emulator (backend-security-group.test.ts).
const deps = (fake: ReturnType<typeof fakeAws>) =>
  reconcileDeps(fake.aws, { clusterName: 'prod', vpcId: 'vpc-1', mode: 'plan', logger: silentLogger(), backendSecurityGroup: new BackendSecurityGroup({ kind: 'off' }, 'prod') });

test('AWS failing for good is the group’s failure value, never a throw', async () => {
  const fake = fakeAws(() => {
    throw awsError('InternalFailure', 500);
  });
  const result = await reconcileGroup(view, 'alb:a', deps(fake), { deleteIfEmpty: true });
  expect(result.failure).toEqual({
    code: 'aws-unavailable',
    message: 'GetResources failed: InternalFailure: InternalFailure from the fake',
    retryable: true,
  });
  expect(result.changes).toEqual([]);
  expect(result.ingresses).toEqual(['shop/a']);
});

test('a group with no member is left alone, with no AWS call, unless the caller says it is gone', async () => {
  const fake = fakeAws(emptyAccount());
  const kept = await reconcileGroup(view, 'gone', deps(fake), { deleteIfEmpty: false });
  expect(kept.leftAsIs).toBe('no member Ingress in view; kept until its absence is confirmed');
  expect(fake.calls).toEqual([]);
});

test('a Gateway not in the view is left alone, with no AWS call, unless the caller says it is gone', async () => {
  const fake = fakeAws(emptyAccount());
  const kept = await reconcileGroup(view, 'gateway:infra/edge', deps(fake), { deleteIfEmpty: false });
  expect(kept.leftAsIs).toBe('no Gateway of ours in view; kept until its absence is confirmed');
  expect(kept.gatewayStatus).toBeNull();
  expect(fake.calls).toEqual([]);
  const gone = await reconcileGroup(view, 'gateway:infra/edge', deps(fake), { deleteIfEmpty: true });
  expect(gone.leftAsIs).toBeNull();
  expect(fake.calls.filter((c) => c.operation === 'GetResources').map((c) => groupOf(c.input))).toEqual(['gateway:infra/edge']);
});

test('a Gateway whose class is gone while it holds our finalizer keeps its load balancer as it is, and says so naming the Gateway', async () => {
  const fake = fakeAws(emptyAccount());
  const held = snapshot({ gateways: [{ ...gateway({ namespace: 'infra', name: 'edge' }), metadata: { name: 'edge', namespace: 'infra', finalizers: ['gateway.albatross.dev/load-balancer'] } }], httpRoutes: [httpRoute({ namespace: 'shop', parents: ['infra/edge'] })] });
  const result = await reconcileGroup(held, 'gateway:infra/edge', deps(fake), { deleteIfEmpty: true });
  expect(result.leftAsIs).toBe('Gateway infra/edge cannot be programmed (see its errors); its load balancer stays as it is');
  expect(result.changes).toEqual([]);
  expect(result.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^Gateway infra\/edge: GatewayClass "albatross" does not exist/)]);
});

test('one group failing leaves the others planned, and no certificate is cleaned up', async () => {
  const fake = fakeAws(
    emptyAccount((operation, input) => {
      if (operation === 'GetResources' && groupOf(input) === 'a') throw awsError('AccessDeniedException');
      return undefined;
    }),
  );
  const result = await reconcileCluster(view, deps(fake));

  expect(result.groups.map((g) => [g.name, g.failure?.code ?? null, g.failure?.retryable ?? null])).toEqual([
    ['alb:a', 'aws-validation', false],
    ['alb:b', null, null],
  ]);
  expect(result.groups[1]?.changes.map((c) => `${c.action} ${c.kind}`)).toEqual([
    'create security-group',
    'create target-group',
    'update targets',
    'create load-balancer',
    'create listener',
    'create rule',
  ]);
  // The cleanup lists our certificates through the Tagging API with the `acm` type: it never ran.
  expect(fake.calls.filter((c) => c.operation === 'GetResources' && (c.input['ResourceTypeFilters'] as string[]).includes('acm'))).toEqual([]);
});

test('a group that is only in AWS is planned for deletion when the view is complete', async () => {
  const lb = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/k8s-old/1';
  const owned = [
    { Key: 'albatross.dev/cluster', Value: 'prod' },
    { Key: 'albatross.dev/group', Value: 'old' },
    { Key: 'albatross.dev/resource', Value: 'loadbalancer' },
  ];
  const fake = fakeAws(
    emptyAccount((operation, input) => {
      if (operation === 'GetResources' && !(input['ResourceTypeFilters'] as string[]).includes('acm') && (groupOf(input) === undefined || groupOf(input) === 'old')) {
        return { ResourceTagMappingList: [{ ResourceARN: lb, Tags: owned }] };
      }
      if (operation === 'DescribeLoadBalancers') return { LoadBalancers: [{ LoadBalancerArn: lb, Type: 'application', DNSName: 'old.elb.example' }] };
      if (operation === 'DescribeListeners') return { Listeners: [] };
      return undefined;
    }),
  );
  const result = await reconcileCluster(view, deps(fake));
  expect(result.groups.map((g) => g.name)).toEqual(['alb:a', 'alb:b', 'old']);
  expect(result.groups[2]?.changes.map((c) => `${c.action} ${c.kind} ${c.id}`)).toEqual(['delete load-balancer loadbalancer']);
});

describe('a run with a signal (the controller session)', () => {
  const bundle = new TlsBundle({
    secret: 'shop/shop-tls',
    certificatePem: 'cert one',
    chainPem: '',
    privateKeyPem: 'key one',
    names: ['shop.example.com'],
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2027-01-01T00:00:00Z'),
    subject: 'CN=shop.example.com',
    keyAlgorithm: 'EC_prime256v1',
  });

  test('imports no certificate once the signal aborted while it read what was imported', async () => {
    const session = new AbortController();
    const fake = fakeAws((operation) => {
      if (operation === 'GetResources') {
        // Leadership ends while the read is out; its answer still arrives.
        session.abort(new AlbatrossError('aborted', 'lost leadership: renew deadline passed'));
        return { ResourceTagMappingList: [] };
      }
      return { CertificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/new' };
    });
    const runDeps = reconcileDeps(fake.aws, { clusterName: 'prod', vpcId: 'vpc-1', mode: 'apply', logger: silentLogger(), signal: session.signal });

    // Whether the registry reports the abort as a failure of the import or as a throw.
    const codes = await runDeps.certificates.ensure([bundle], () => false, 'apply').then(
      (ensured) => ensured.failures.map((f) => f.code),
      (err: unknown) => [(err as AlbatrossError).code],
    );
    expect(codes).toEqual(['aborted']);
    await expect(runDeps.issuedCertificates()).rejects.toMatchObject({ code: 'aborted' });
    expect(fake.operations()).toEqual(['GetResources']);
  });
});
