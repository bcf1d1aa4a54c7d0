// TLS certificates from Secrets against the AWS emulator: import, find again by tag, renew
// into the same ARN, share identical content, and never delete what is not ours.
import { DescribeCertificateCommand, ImportCertificateCommand } from '@aws-sdk/client-acm';
import {
  certificateTags,
  deleteCertificate,
  importCertificate,
  listIssuedCertificates,
  describeCertificates,
  observeCertificates,
  parseTlsSecret,
  pickDiscoveredCertificate,
  planCertificateImports,
  reimportCertificate,
  type TlsBundle,
} from '../../../src/certificates/index.js';
import { Aws } from '../../../src/aws/clients.js';
import { chain, Pki, tlsSecret, type Issued } from '../../unit/certificates/pki.js';
import { emulatorRateLimits, endpoint, region } from '../emulator/emulator.js';

// The emulator is shared with other test files: every cluster name is unique to this run and
// every check looks only at certificates tagged with it.
const runId = `${process.pid}-${Date.now()}`;
let aws: Aws;
let pki: Pki;
let intermediate: Issued;

beforeAll(() => {
  aws = new Aws({ region: region(), endpoint: endpoint(), retryPolicy: { retries: 0, minDelayMs: 1, maxDelayMs: 1 }, rateLimits: emulatorRateLimits });
  pki = new Pki();
  ({ intermediate } = chain(pki, ['unused.example.com']));
});

afterAll(() => {
  aws.destroy();
  pki.close();
});

function bundleFor(leaf: Issued, secretName: string, host: string): TlsBundle {
  const result = parseTlsSecret(tlsSecret(leaf.certPem + intermediate.certPem, leaf.keyPem, { name: secretName }), [host], new Date());
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

function leafFor(host: string, key: 'ec' | 'rsa3072' = 'ec'): Issued {
  return pki.issue({ sans: [host], issuer: intermediate, key });
}

async function exists(arn: string): Promise<boolean> {
  try {
    await aws.acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
    return true;
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return false;
    throw err;
  }
}

test('an imported certificate is found again by its cluster tag, of any key type', async () => {
  const cluster = `import-${runId}`;
  const ec = bundleFor(leafFor('ec.example.com'), 'ec-tls', 'ec.example.com');
  const rsa = bundleFor(leafFor('rsa.example.com', 'rsa3072'), 'rsa-tls', 'rsa.example.com');

  const ecArn = await importCertificate(aws, ec, certificateTags(cluster, ec));
  const rsaArn = await importCertificate(aws, rsa, certificateTags(cluster, rsa));
  const found = await observeCertificates(aws, cluster);

  expect(found.map((c) => c.arn).sort()).toEqual([ecArn, rsaArn].sort());
  // The Tagging API gives tags only; ACM's own details come from describing them.
  const byArn = new Map((await describeCertificates(aws, found)).map((c) => [c.arn, c]));
  expect(byArn.get(ecArn)).toMatchObject({ fingerprint: ec.fingerprint, secret: 'shop/ec-tls', keyAlgorithm: 'EC_prime256v1', status: 'ISSUED' });
  expect(byArn.get(ecArn)?.notAfter?.getTime()).toBe(ec.notAfter.getTime());
  expect(byArn.get(rsaArn)).toMatchObject({ fingerprint: rsa.fingerprint, keyAlgorithm: 'RSA_3072' });
  expect(byArn.get(ecArn)?.tags).toEqual(certificateTags(cluster, ec));
  // Another cluster sees none of them.
  expect(await observeCertificates(aws, `other-${runId}`)).toEqual([]);
});

test('a renewed Secret is re-imported into the same ARN and its tags end up intact', async () => {
  const cluster = `renew-${runId}`;
  const first = bundleFor(leafFor('shop.example.com'), 'cart-tls', 'shop.example.com');
  const arn = await importCertificate(aws, first, certificateTags(cluster, first, { team: 'web' }));

  // given the Secret renewed (new key and certificate, same names)
  const renewed = bundleFor(leafFor('shop.example.com'), 'cart-tls', 'shop.example.com');
  const plan = planCertificateImports([renewed], await observeCertificates(aws, cluster));
  expect(plan.toImport).toEqual([]);
  expect(plan.toReimport.map((r) => r.arn)).toEqual([arn]);

  // when
  await reimportCertificate(aws, arn, renewed, certificateTags(cluster, renewed, { team: 'web' }));

  // then the same ARN holds the new content, with every tag as for a fresh import
  const found = await observeCertificates(aws, cluster);
  expect(found.map((c) => c.arn)).toEqual([arn]);
  expect(found[0]?.tags).toEqual(certificateTags(cluster, renewed, { team: 'web' }));
  expect(found[0]?.fingerprint).toBe(renewed.fingerprint);
  const described = await aws.send(aws.acm, new DescribeCertificateCommand({ CertificateArn: arn }));
  expect(described.Certificate?.NotAfter?.getTime()).toBe(renewed.notAfter.getTime());
  expect(planCertificateImports([renewed], found).unchanged.map((u) => u.arn)).toEqual([arn]);
});

test('identical content from several Secrets is imported once, and a second pass changes nothing', async () => {
  const cluster = `shared-${runId}`;
  const leaf = leafFor('www.example.com');
  const bundles = [bundleFor(leaf, 'a-tls', 'www.example.com'), bundleFor(leaf, 'b-tls', 'www.example.com'), bundleFor(leaf, 'a-tls', 'www.example.com')];

  const plan = planCertificateImports(bundles, await observeCertificates(aws, cluster));
  expect(plan.toImport).toHaveLength(1);
  for (const b of plan.toImport) await importCertificate(aws, b, certificateTags(cluster, b));

  aws.calls.reset();
  const again = planCertificateImports(bundles, await observeCertificates(aws, cluster));
  expect(again.toImport).toEqual([]);
  expect(again.toReimport).toEqual([]);
  expect(again.unchanged).toHaveLength(1);
  expect(aws.calls.changing).toBe(0);
});

test('deleteCertificate deletes ours and never one without our cluster tag', async () => {
  const cluster = `delete-${runId}`;
  const mine = bundleFor(leafFor('mine.example.com'), 'mine-tls', 'mine.example.com');
  const theirs = bundleFor(leafFor('theirs.example.com'), 'theirs-tls', 'theirs.example.com');
  const mineArn = await importCertificate(aws, mine, certificateTags(cluster, mine));
  const otherClusterArn = await importCertificate(aws, theirs, certificateTags(`someone-else-${runId}`, theirs));
  const untagged = await aws.send(
    aws.acm,
    new ImportCertificateCommand({ Certificate: Buffer.from(theirs.certificatePem), PrivateKey: Buffer.from(theirs.privateKeyPem), CertificateChain: Buffer.from(theirs.chainPem) }),
  );
  const untaggedArn = untagged.CertificateArn ?? '';

  expect(await deleteCertificate(aws, otherClusterArn, cluster)).toBe('not-ours');
  expect(await deleteCertificate(aws, untaggedArn, cluster)).toBe('not-ours');
  expect(await deleteCertificate(aws, mineArn, cluster)).toBe('deleted');

  expect(await exists(otherClusterArn)).toBe(true);
  expect(await exists(untaggedArn)).toBe(true);
  expect(await exists(mineArn)).toBe(false);
  expect(await deleteCertificate(aws, mineArn, cluster)).toBe('not-found');
  expect(await observeCertificates(aws, cluster)).toEqual([]);
});

test('discovery finds an issued certificate for a host by its names', async () => {
  const host = `discover-${runId}.example.com`;
  const b = bundleFor(leafFor(host), 'discover-tls', host);
  const arn = await importCertificate(aws, b, certificateTags(`discover-${runId}`, b));

  const candidates = await listIssuedCertificates(aws);

  expect(candidates.find((c) => c.arn === arn)?.names).toEqual([host]);
  expect(pickDiscoveredCertificate(host, candidates)?.arn).toBe(arn);
  expect(pickDiscoveredCertificate(`nobody-${runId}.example.com`, candidates)).toBeNull();
});
