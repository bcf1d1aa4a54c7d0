// TLS from Secrets end to end against the emulator: import and serve, converge, renew in
// place, share, contain a broken Secret, and clean up only what we imported.
import { expect } from '@jest/globals';
import { DeleteCertificateCommand, DescribeCertificateCommand, ACMClient, ImportCertificateCommand, ListTagsForCertificateCommand } from '@aws-sdk/client-acm';
import { DescribeListenerCertificatesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { V1Ingress, V1Secret } from '@kubernetes/client-node';
import { endpointSlice, ingress, service, snapshot } from '../../unit/factories.js';
import { chain, Pki, tlsSecret, type Issued } from '../../unit/certificates/pki.js';
import { awsClientConfig } from '../emulator/emulator.js';
import { listenerOf, requireAlb, route, testCluster, type TestCluster } from './harness.js';
import { defined } from '../../defined.js';

let pki: Pki;
let intermediate: Issued;
let acm: ACMClient;
beforeAll(() => {
  pki = new Pki();
  ({ intermediate } = chain(pki, ['unused.example.com']));
  acm = new ACMClient(awsClientConfig());
});
afterAll(() => {
  pki.close();
  acm.destroy();
});

const leaf = (sans: string[]): Issued => pki.issue({ sans, issuer: intermediate });
const secret = (cert: Issued, name: string, namespace = 'shop'): V1Secret => tlsSecret(cert.certPem + intermediate.certPem, cert.keyPem, { name, namespace });

function withTls(base: V1Ingress, secretName: string, hosts: string[]): V1Ingress {
  return { ...base, spec: { ...base.spec, tls: [{ secretName, hosts }] } };
}

const app = (name: string, host: string, group = 'shop', namespace = 'shop'): V1Ingress =>
  withTls(ingress({ name, namespace, host, annotations: { 'group.name': group }, paths: [{ path: '/', service: 'web' }] }), `${name}-tls`, [host]);

const world = (ingresses: V1Ingress[], secrets: V1Secret[]) =>
  snapshot({
    ingresses,
    services: [service({ name: 'web', namespace: 'shop' })],
    endpointSlices: [endpointSlice({ service: 'web', namespace: 'shop' })],
    secrets,
  });

async function listenerCertificates(cluster: TestCluster, group: string): Promise<{ default: string; all: string[] }> {
  const alb = await requireAlb(cluster, group);
  const listener = listenerOf(alb, 443);
  const certs = (await cluster.elbv2.send(new DescribeListenerCertificatesCommand({ ListenerArn: listener.arn }))).Certificates ?? [];
  return { default: certs.find((c) => c.IsDefault)?.CertificateArn ?? '', all: certs.map((c) => defined(c.CertificateArn, 'c.CertificateArn')).sort() };
}

async function tagsOf(arn: string): Promise<Record<string, string>> {
  const res = await acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn }));
  return Object.fromEntries((res.Tags ?? []).map((t) => [defined(t.Key, 't.Key'), t.Value ?? '']));
}

describe('TLS from Secrets', () => {
  let cluster: TestCluster;
  beforeEach(async () => {
    cluster = await testCluster('tls');
  });
  afterEach(() => cluster.close());

  it('imports a Secret and serves it on HTTPS with SNI for a second host; a second run makes no changing call', async () => {
    const shopCert = leaf(['shop.example.com']);
    const apiCert = leaf(['api.example.com']);
    const input = world([app('a', 'shop.example.com'), app('b', 'api.example.com')], [secret(shopCert, 'a-tls'), secret(apiCert, 'b-tls')]);
    const first = await cluster.run(input);
    expect(first.errors).toEqual([]);
    expect(cluster.aws.calls.changingOperations().filter((op) => op === 'ImportCertificate')).toHaveLength(2);

    const certs = await listenerCertificates(cluster, 'shop');
    expect(certs.all).toHaveLength(2);
    const described = await acm.send(new DescribeCertificateCommand({ CertificateArn: certs.default }));
    expect(described.Certificate?.DomainName).toBe('shop.example.com');
    expect(await tagsOf(certs.default)).toMatchObject({ 'albatross.dev/cluster': cluster.clusterName, 'albatross.dev/secret': 'shop/a-tls' });
    const alb = await requireAlb(cluster, 'shop');
    expect(route(alb, 443, 'api.example.com', '/')).toMatch(/^forward k8s-shop-web-/);
    // spec.tls adds HTTPS; plain HTTP still routes, as Kubernetes means it.
    expect(route(alb, 80, 'api.example.com', '/')).toMatch(/^forward k8s-shop-web-/);

    await cluster.run(input);
    expect(cluster.aws.calls.changingOperations()).toEqual([]);
    expect(cluster.aws.calls.entries().filter((c) => c.service === 'acm' && c.changing)).toEqual([]);
  });

  it('re-imports a renewed Secret into the same ARN, keeping the listener and the tags', async () => {
    const before = leaf(['shop.example.com']);
    await cluster.run(world([app('a', 'shop.example.com')], [secret(before, 'a-tls')]));
    const { default: arn } = await listenerCertificates(cluster, 'shop');

    const renewed = leaf(['shop.example.com']);
    const result = await cluster.run(world([app('a', 'shop.example.com')], [secret(renewed, 'a-tls')]));
    expect(result.errors).toEqual([]);
    const changes = result.groups.flatMap((g) => g.changes);
    expect(changes).toEqual([expect.objectContaining({ action: 'update', kind: 'certificate', summary: expect.stringContaining(`re-import renewed Secret shop/a-tls into ${arn}`) })]);
    expect(cluster.aws.calls.changingOperations().filter((op) => op === 'ImportCertificate')).toHaveLength(1);
    expect((await listenerCertificates(cluster, 'shop')).default).toBe(arn);
    const described = await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
    expect(described.Certificate?.Serial?.replace(/:/g, '').toLowerCase()).not.toBe('');
    expect(await tagsOf(arn)).toMatchObject({ 'albatross.dev/cluster': cluster.clusterName, 'albatross.dev/secret': 'shop/a-tls' });

    await cluster.run(world([app('a', 'shop.example.com')], [secret(renewed, 'a-tls')]));
    expect(cluster.aws.calls.changingOperations()).toEqual([]);
  });

  it('imports content shared by two groups once', async () => {
    const cert = leaf(['shop.example.com', 'www.example.com']);
    const input = world(
      [app('a', 'shop.example.com', 'one'), app('b', 'www.example.com', 'two')],
      [secret(cert, 'a-tls'), secret(cert, 'b-tls')],
    );
    const result = await cluster.run(input);
    expect(result.errors).toEqual([]);
    expect(cluster.aws.calls.changingOperations().filter((op) => op === 'ImportCertificate')).toHaveLength(1);
    expect((await listenerCertificates(cluster, 'one')).default).toBe((await listenerCertificates(cluster, 'two')).default);
  });

  it('fails only the Ingress of a broken Secret and keeps serving the certificate it had', async () => {
    const shopCert = leaf(['shop.example.com']);
    const apiCert = leaf(['api.example.com']);
    await cluster.run(world([app('a', 'shop.example.com'), app('b', 'api.example.com')], [secret(shopCert, 'a-tls'), secret(apiCert, 'b-tls')]));
    const before = await listenerCertificates(cluster, 'shop');

    // b's Secret now holds a key that does not match its certificate; a new Ingress c arrives.
    const other = leaf(['api.example.com']);
    const broken = tlsSecret(apiCert.certPem, other.keyPem, { name: 'b-tls', namespace: 'shop' });
    const cCert = leaf(['c.example.com']);
    const result = await cluster.run(
      world([app('a', 'shop.example.com'), app('b', 'api.example.com'), app('c', 'c.example.com')], [secret(shopCert, 'a-tls'), broken, secret(cCert, 'c-tls')]),
    );
    expect(result.errors).toEqual([
      expect.objectContaining({ ingress: 'shop/b', message: expect.stringMatching(/Ingress shop\/b: .*Secret shop\/b-tls.*tls\.key does not match/) }),
    ]);
    expect(JSON.stringify(result)).not.toMatch(/PRIVATE KEY/);
    const after = await listenerCertificates(cluster, 'shop');
    expect(after.default).toBe(before.default);
    expect(after.all).toEqual(expect.arrayContaining(before.all));
    expect(after.all).toHaveLength(3);
  });

  it('deletes the certificates it imported once no Ingress uses them, and leaves a certificate it did not import', async () => {
    const mine = leaf(['shop.example.com']);
    const foreign = leaf(['foreign.example.com']);
    const imported = await acm.send(new ImportCertificateCommand({ Certificate: Buffer.from(foreign.certPem), PrivateKey: Buffer.from(foreign.keyPem) }));
    await cluster.run(world([app('a', 'shop.example.com')], [secret(mine, 'a-tls')]));
    const { default: arn } = await listenerCertificates(cluster, 'shop');

    const gone = await cluster.run(world([], []));
    expect(gone.groups.flatMap((g) => g.changes.map((c) => `${c.action} ${c.kind}`))).toEqual(
      expect.arrayContaining(['delete load-balancer', 'delete certificate']),
    );
    await expect(acm.send(new DescribeCertificateCommand({ CertificateArn: arn }))).rejects.toThrow();
    const still = await acm.send(new DescribeCertificateCommand({ CertificateArn: imported.CertificateArn }));
    expect(still.Certificate?.CertificateArn).toBe(imported.CertificateArn);
    await acm.send(new DeleteCertificateCommand({ CertificateArn: imported.CertificateArn }));
  });

  it('finds an ISSUED ACM certificate for a host without a Secret, and redirects HTTP to HTTPS', async () => {
    const host = `disc-${Date.now().toString(36)}.example.com`;
    const issued = leaf([host]);
    const existing = await acm.send(new ImportCertificateCommand({ Certificate: Buffer.from(issued.certPem), PrivateKey: Buffer.from(issued.keyPem) }));
    const https = ingress({
      name: 'disc',
      namespace: 'shop',
      host,
      annotations: { 'group.name': 'shop', 'listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]', 'ssl-redirect': '443' },
      paths: [{ path: '/', service: 'web' }],
    });
    const result = await cluster.run(world([https], []));
    expect(result.errors).toEqual([]);
    expect((await listenerCertificates(cluster, 'shop')).default).toBe(existing.CertificateArn);
    const alb = await requireAlb(cluster, 'shop');
    expect(route(alb, 80, host, '/x')).toBe('redirect /#{path}');
    expect(route(alb, 443, host, '/x')).toMatch(/^forward k8s-shop-web-/);

    // Not ours: deleting the Ingress leaves it in ACM.
    await cluster.run(world([], []));
    const still = await acm.send(new DescribeCertificateCommand({ CertificateArn: existing.CertificateArn }));
    expect(still.Certificate?.CertificateArn).toBe(existing.CertificateArn);
    await acm.send(new DeleteCertificateCommand({ CertificateArn: existing.CertificateArn }));
  });

  it('shows certificate changes in plan by Secret, fingerprint and names, without key material', async () => {
    const cert = leaf(['shop.example.com']);
    const plan = await cluster.run(world([app('a', 'shop.example.com')], [secret(cert, 'a-tls')]), 'plan');
    expect(cluster.aws.calls.changing).toBe(0);
    const changes = plan.groups.flatMap((g) => g.changes);
    expect(changes[0]).toMatchObject({ action: 'create', kind: 'certificate', summary: expect.stringMatching(/^import from Secret shop\/a-tls \(fingerprint [0-9a-f]{16}, names shop\.example\.com, expires \d{4}-\d\d-\d\d\)$/) });
    expect(JSON.stringify(plan)).not.toMatch(/PRIVATE KEY|BEGIN/);
  });
});
