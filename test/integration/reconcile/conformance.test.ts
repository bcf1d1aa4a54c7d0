// The host and path scenarios of the SIG Network Ingress conformance suite, applied to the
// emulator and routed request by request through the rules AWS holds, as ALB evaluates them.
// (Its default-backend scenarios expect 404 for a missing Service; Albatross answers 503 by
// design, reported on the Ingress, so those are covered by containment.test.ts instead.)
import type { V1HTTPIngressPath, V1Ingress } from '@kubernetes/client-node';
import { endpointSlice, ingressClass, service, snapshot } from '../../unit/factories.js';
import { Pki, tlsSecret } from '../../unit/certificates/pki.js';
import { requireAlb, route, testCluster, type ObservedAlb, type TestCluster } from './harness.js';

const ns = 'conformance';
const path = (p: string, pathType: 'Exact' | 'Prefix', svc: string, port: number | string = 8080): V1HTTPIngressPath => ({
  path: p,
  pathType,
  backend: { service: { name: svc, port: typeof port === 'number' ? { number: port } : { name: port } } },
});
const ingressOf = (name: string, spec: NonNullable<V1Ingress['spec']>): V1Ingress => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: ns },
  spec,
});

const services = ['wildcard-foo-com', 'foo-bar-com', 'foo-exact', 'foo-prefix', 'aaa-slash-bbb-prefix', 'aaa-prefix', 'aaa-slash-bbb-slash-prefix', 'foo-slash-exact'];

describe('Ingress conformance scenarios (no class name: the default IngressClass applies)', () => {
  let cluster: TestCluster;
  let pki: Pki;
  const backends = new Map<string, string>();
  let hostAlb: ObservedAlb;
  let pathAlb: ObservedAlb;

  beforeAll(async () => {
    cluster = await testCluster('conf');
    pki = new Pki();
    const cert = pki.issue({ sans: ['foo.bar.com'] });
    const hostRules = ingressOf('host-rules', {
      tls: [{ hosts: ['foo.bar.com'], secretName: 'conformance-tls' }],
      rules: [
        { host: '*.foo.com', http: { paths: [path('/', 'Prefix', 'wildcard-foo-com')] } },
        { host: 'foo.bar.com', http: { paths: [path('/', 'Prefix', 'foo-bar-com', 'http')] } },
      ],
    });
    const pathRules = ingressOf('path-rules', {
      rules: [
        { host: 'exact-path-rules', http: { paths: [path('/foo', 'Exact', 'foo-exact')] } },
        {
          host: 'prefix-path-rules',
          http: { paths: [path('/foo', 'Prefix', 'foo-prefix'), path('/aaa/bbb', 'Prefix', 'aaa-slash-bbb-prefix'), path('/aaa', 'Prefix', 'aaa-prefix')] },
        },
        { host: 'mixed-path-rules', http: { paths: [path('/foo', 'Prefix', 'foo-prefix'), path('/foo', 'Exact', 'foo-exact')] } },
        {
          host: 'trailing-slash-path-rules',
          http: { paths: [path('/aaa/bbb/', 'Prefix', 'aaa-slash-bbb-slash-prefix'), path('/foo/', 'Exact', 'foo-slash-exact')] },
        },
      ],
    });
    const world = snapshot({
      ingresses: [hostRules, pathRules],
      ingressClasses: [ingressClass({ isDefault: true })],
      services: services.map((name) => service({ name, namespace: ns, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] })),
      endpointSlices: services.map((name, i) => endpointSlice({ service: name, namespace: ns, endpoints: [{ addresses: [`10.0.7.${i + 10}`] }] })),
      secrets: [tlsSecret(cert.certPem, cert.keyPem, { namespace: ns, name: 'conformance-tls' })],
    });
    const result = await cluster.run(world);
    // In beforeAll an error fails every test below, with this message.
    if (result.errors.length > 0) throw new Error(`the conformance Ingresses should have no errors: ${result.errors.map((e) => e.message).join('; ')}`);
    hostAlb = await requireAlb(cluster, `${ns}/host-rules`);
    pathAlb = await requireAlb(cluster, `${ns}/path-rules`);
    // Which Service each target group serves, as AWS holds it (its resource tag).
    for (const alb of [hostAlb, pathAlb]) for (const [name, key] of alb.targetGroupServices) backends.set(name, key.slice(`${ns}/`.length));
  });
  afterAll(() => {
    cluster.close();
    pki.close();
  });

  /** The Service a request reaches, or the fixed status ALB answers with. */
  const serve = (alb: ObservedAlb, port: number, host: string, requestPath: string): string => {
    const action = route(alb, port, host, requestPath);
    return action.startsWith('forward ') ? (backends.get(action.slice('forward '.length)) ?? action) : action.replace('fixed-response ', '');
  };

  it.each([
    [443, 'foo.bar.com', 'foo-bar-com'],
    [80, 'foo.bar.com', 'foo-bar-com'],
    [80, 'subdomain.bar.com', '404'],
    [80, 'bar.foo.com', 'wildcard-foo-com'],
    [80, 'baz.bar.foo.com', '404'],
    [80, 'foo.com', '404'],
  ])('host rules: port %i, host %s -> %s', (port, host, expected) => {
    expect(serve(hostAlb, port, host, '/')).toBe(expected);
  });

  it.each([
    ['exact-path-rules', '/foo', 'foo-exact'],
    ['exact-path-rules', '/foo/', '404'],
    ['exact-path-rules', '/FOO', '404'],
    ['exact-path-rules', '/bar', '404'],
    ['prefix-path-rules', '/foo', 'foo-prefix'],
    ['prefix-path-rules', '/foo/', 'foo-prefix'],
    ['prefix-path-rules', '/FOO', '404'],
    ['prefix-path-rules', '/aaa/bbb', 'aaa-slash-bbb-prefix'],
    ['prefix-path-rules', '/aaa/bbb/ccc', 'aaa-slash-bbb-prefix'],
    ['prefix-path-rules', '/aaa/ccc', 'aaa-prefix'],
    ['prefix-path-rules', '/aaaccc', '404'],
    ['mixed-path-rules', '/foo', 'foo-exact'],
    ['trailing-slash-path-rules', '/aaa/bbb', 'aaa-slash-bbb-slash-prefix'],
    ['trailing-slash-path-rules', '/aaa/bbb/', 'aaa-slash-bbb-slash-prefix'],
    ['trailing-slash-path-rules', '/foo', '404'],
  ])('path rules: %s%s -> %s', (host, requestPath, expected) => {
    expect(serve(pathAlb, 80, host, requestPath)).toBe(expected);
  });
});
