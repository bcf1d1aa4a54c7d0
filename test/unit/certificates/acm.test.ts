// The ACM calls against a fake that records requests, answers like AWS or like the emulator
// on re-import, and can be told to fail.
import { TextDecoder } from 'node:util';
import {
  certificateUsers,
  deleteCertificate,
  describeCertificates,
  importCertificate,
  listIssuedCertificates,
  observeCertificates,
  reimportCertificate,
} from '../../../src/certificates/acm.js';
import { certificateTags } from '../../../src/certificates/imports.js';
import { TlsBundle } from '../../../src/certificates/secret.js';
import { Aws } from '../../../src/aws/clients.js';
import { AlbatrossError } from '../../../src/model/errors.js';
import { defined } from '../../defined.js';

interface FakeCertificate {
  arn: string;
  tags: Record<string, string>;
  type?: string;
  keyAlgorithm?: string;
  domainName?: string;
  sans?: string[];
  /** Whether ListCertificates carries the SAN summaries (AWS does; the emulator does not). */
  sanSummaries?: boolean;
  hasMoreSans?: boolean;
  status?: string;
  /** Load balancers using it, as DescribeCertificate's `InUseBy`. */
  inUseBy?: string[];
}

interface Sent {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

function awsError(name: string, status = 400): Error {
  const error = new Error(`${name}: from the fake`);
  error.name = name;
  Object.assign(error, { $metadata: { httpStatusCode: status } });
  return error;
}

class FakeAcm {
  readonly certificates = new Map<string, FakeCertificate>();
  readonly sent: Sent[] = [];
  /** `aws` keeps tags on re-import and rejects tags there; `emulator` drops them. */
  reimportTags: 'aws' | 'emulator' = 'aws';
  /** ListCertificates pages: each page lists these ARNs and hands out this token. */
  pages: { arns: string[]; next?: string }[] | undefined;
  private readonly failures: { operation: string; error: Error }[] = [];
  private nextArn = 1;

  add(cert: FakeCertificate): void {
    this.certificates.set(cert.arn, cert);
  }

  failNext(operation: string, error: Error, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push({ operation, error });
  }

  operations(): string[] {
    return this.sent.map((s) => s.operation);
  }

  install(aws: Aws): void {
    // Answers later, as the SDK does: a failure thrown by handle() becomes a rejection.
    const send = (command: unknown): Promise<unknown> => new Promise((resolve) => resolve(this.handle(command as { input: Record<string, unknown> })));
    (aws.acm as unknown as { send: typeof send }).send = send;
    (aws.tagging as unknown as { send: typeof send }).send = send;
  }

  private handle(command: { input: Record<string, unknown> }): unknown {
    const operation = command.constructor.name.replace(/Command$/, '');
    const input = command.input;
    this.sent.push({ operation, input });
    const failure = this.failures.findIndex((f) => f.operation === operation);
    if (failure >= 0) {
      const [f] = this.failures.splice(failure, 1);
      if (f !== undefined) throw f.error;
    }
    const arn = input['CertificateArn'] as string | undefined;
    const existing = arn === undefined ? undefined : this.certificates.get(arn);
    const tagList = (input['Tags'] as { Key: string; Value?: string }[] | undefined) ?? [];
    switch (operation) {
      case 'ListCertificates': {
        const page = this.pages?.[input['NextToken'] === undefined ? 0 : Number(input['NextToken'])];
        const listed = page === undefined ? [...this.certificates.values()] : page.arns.map((a) => this.certificates.get(a) ?? { arn: a, tags: {} });
        return {
          CertificateSummaryList: listed.map((c) => ({
            CertificateArn: c.arn,
            Type: c.type ?? 'IMPORTED',
            KeyAlgorithm: c.keyAlgorithm ?? 'EC_prime256v1',
            Status: c.status ?? 'ISSUED',
            DomainName: c.domainName,
            NotAfter: new Date('2030-01-01T00:00:00Z'),
            ...(c.sanSummaries === true ? { SubjectAlternativeNameSummaries: c.sans ?? [], HasAdditionalSubjectAlternativeNames: c.hasMoreSans ?? false } : {}),
          })),
          NextToken: page?.next,
        };
      }
      case 'GetResources': {
        // The Resource Groups Tagging API over the certificates: every filter must match.
        const filters = (input['TagFilters'] as { Key: string; Values: string[] }[] | undefined) ?? [];
        const types = (input['ResourceTypeFilters'] as string[] | undefined) ?? [];
        const matching = types.includes('acm')
          ? [...this.certificates.values()].filter((c) => filters.every((f) => f.Values.includes(c.tags[f.Key] ?? '\u0000')))
          : [];
        const token = input['PaginationToken'] as string | undefined;
        const page = this.pages?.[token === undefined ? 0 : Number(token)];
        const listed = page === undefined ? matching : matching.filter((c) => page.arns.includes(c.arn));
        return {
          ResourceTagMappingList: listed.map((c) => ({ ResourceARN: c.arn, Tags: Object.entries(c.tags).map(([Key, Value]) => ({ Key, Value })) })),
          PaginationToken: page?.next ?? '',
        };
      }
      case 'ListTagsForCertificate':
        if (existing === undefined) throw awsError('ResourceNotFoundException');
        return { Tags: Object.entries(existing.tags).map(([Key, Value]) => ({ Key, Value })) };
      case 'DescribeCertificate':
        if (existing === undefined) throw awsError('ResourceNotFoundException');
        return {
          Certificate: {
            CertificateArn: existing.arn,
            DomainName: existing.domainName,
            SubjectAlternativeNames: existing.sans,
            Status: existing.status ?? 'ISSUED',
            KeyAlgorithm: existing.keyAlgorithm ?? 'EC_prime256v1',
            NotAfter: new Date('2030-01-01T00:00:00Z'),
            InUseBy: existing.inUseBy ?? [],
          },
        };
      case 'ImportCertificate': {
        if (arn === undefined) {
          const created = `arn:aws:acm:us-east-1:123456789012:certificate/${this.nextArn++}`;
          this.add({ arn: created, tags: Object.fromEntries(tagList.map((t) => [t.Key, t.Value ?? ''])) });
          return { CertificateArn: created };
        }
        if (existing === undefined) throw awsError('ResourceNotFoundException');
        if (this.reimportTags === 'aws' && input['Tags'] !== undefined) throw awsError('ValidationException');
        if (this.reimportTags === 'emulator') existing.tags = {};
        return { CertificateArn: arn };
      }
      case 'AddTagsToCertificate':
        if (existing === undefined) throw awsError('ResourceNotFoundException');
        for (const t of tagList) existing.tags[t.Key] = t.Value ?? '';
        return {};
      case 'RemoveTagsFromCertificate':
        if (existing === undefined) throw awsError('ResourceNotFoundException');
        for (const t of tagList) if (t.Value === undefined || existing.tags[t.Key] === t.Value) delete existing.tags[t.Key];
        return {};
      case 'DeleteCertificate':
        if (existing === undefined) throw awsError('ResourceNotFoundException');
        this.certificates.delete(existing.arn);
        return {};
      default:
        throw new Error(`the fake does not know ${operation}`);
    }
  }
}

function bundle(content: string, chainPem = ''): TlsBundle {
  return new TlsBundle({
    secret: 'shop/cart-tls',
    certificatePem: `-----BEGIN CERTIFICATE-----\n${content}\n-----END CERTIFICATE-----\n`,
    chainPem,
    privateKeyPem: `-----BEGIN PRIVATE KEY-----\nkey-${content}\n-----END PRIVATE KEY-----\n`,
    names: ['shop.example.com'],
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2027-01-01T00:00:00Z'),
    subject: 'CN=shop.example.com',
    keyAlgorithm: 'EC_prime256v1',
  });
}

let aws: Aws;
let acm: FakeAcm;

beforeEach(() => {
  aws = new Aws({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', retryPolicy: { retries: 0, minDelayMs: 1, maxDelayMs: 1 } });
  acm = new FakeAcm();
  acm.install(aws);
});

afterEach(() => aws.destroy());

const ours = { 'albatross.dev/cluster': 'prod' };

describe('observeCertificates', () => {
  it('finds ours by the cluster tag through the Tagging API, in one call whatever else ACM holds', async () => {
    acm.add({ arn: 'arn:2', tags: { ...ours, 'albatross.dev/fingerprint': 'f2', 'albatross.dev/secret': 'shop/cart-tls' }, keyAlgorithm: 'EC_secp384r1' });
    acm.add({ arn: 'arn:1', tags: { 'albatross.dev/cluster': 'staging' } });
    for (let i = 0; i < 100; i++) acm.add({ arn: `arn:foreign-${i}`, tags: {} });

    const found = await observeCertificates(aws, 'prod');

    expect(found).toEqual([
      {
        arn: 'arn:2',
        fingerprint: 'f2',
        secret: 'shop/cart-tls',
        keyAlgorithm: null,
        status: null,
        notAfter: null,
        tags: { ...ours, 'albatross.dev/fingerprint': 'f2', 'albatross.dev/secret': 'shop/cart-tls' },
      },
    ]);
    expect(acm.sent).toEqual([
      { operation: 'GetResources', input: { ResourceTypeFilters: ['acm'], TagFilters: [{ Key: 'albatross.dev/cluster', Values: ['prod'] }] } },
    ]);
  });

  it('follows PaginationToken and stops when a token repeats', async () => {
    acm.add({ arn: 'arn:1', tags: ours });
    acm.add({ arn: 'arn:2', tags: ours });
    acm.pages = [{ arns: ['arn:1'], next: '1' }, { arns: ['arn:2'], next: '1' }];

    expect((await observeCertificates(aws, 'prod')).map((c) => c.arn)).toEqual(['arn:1', 'arn:2']);
    expect(acm.sent.map((s) => s.input['PaginationToken'])).toEqual([undefined, '1']);
  });
});

describe('describeCertificates', () => {
  it('fills in key algorithm, status and expiry, and leaves out a certificate deleted meanwhile', async () => {
    acm.add({ arn: 'arn:1', tags: ours, keyAlgorithm: 'RSA_2048' });
    const known = [
      { arn: 'arn:1', fingerprint: 'f1', secret: 'shop/a', keyAlgorithm: null, status: null, notAfter: null, tags: ours },
      { arn: 'arn:gone', fingerprint: 'f2', secret: 'shop/b', keyAlgorithm: null, status: null, notAfter: null, tags: ours },
    ];

    expect(await describeCertificates(aws, known)).toEqual([
      { arn: 'arn:1', fingerprint: 'f1', secret: 'shop/a', keyAlgorithm: 'RSA_2048', status: 'ISSUED', notAfter: new Date('2030-01-01T00:00:00Z'), tags: ours },
    ]);
  });
});

describe('certificateUsers', () => {
  it("names the load balancers ACM says use it, and null for a certificate that is gone", async () => {
    acm.add({ arn: 'arn:1', tags: ours, inUseBy: ['arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/theirs/1'] });
    expect(await certificateUsers(aws, 'arn:1')).toEqual(['arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/theirs/1']);
    expect(await certificateUsers(aws, 'arn:gone')).toBeNull();
  });
});

describe('listIssuedCertificates', () => {
  it('takes names from the summaries and describes only certificates whose summary falls short', async () => {
    acm.add({ arn: 'arn:summary', tags: {}, domainName: 'a.example.com', sans: ['a.example.com', '*.a.example.com'], sanSummaries: true });
    acm.add({ arn: 'arn:more', tags: {}, domainName: 'b.example.com', sans: ['b.example.com', 'c.example.com'], sanSummaries: true, hasMoreSans: true });
    acm.add({ arn: 'arn:bare', tags: {}, domainName: 'legacy.example.com', sans: [] });

    const found = await listIssuedCertificates(aws);

    expect(found.map((c) => [c.arn, c.names])).toEqual([
      ['arn:summary', ['a.example.com', '*.a.example.com']],
      ['arn:more', ['b.example.com', 'c.example.com']],
      ['arn:bare', ['legacy.example.com']],
    ]);
    expect(acm.sent.filter((s) => s.operation === 'DescribeCertificate').map((s) => s.input['CertificateArn'])).toEqual(['arn:more', 'arn:bare']);
    expect(acm.sent[0]?.input['CertificateStatuses']).toEqual(['ISSUED']);
  });
});

describe('importCertificate', () => {
  it('sends the PEMs as bytes with every tag, and no chain field for an empty chain', async () => {
    const b = bundle('leaf');
    const arn = await importCertificate(aws, b, certificateTags('prod', b));

    expect(acm.certificates.get(arn)?.tags).toEqual(certificateTags('prod', b));
    const input = acm.sent[0]?.input ?? {};
    expect(new TextDecoder().decode(input['Certificate'] as Uint8Array)).toBe(b.certificatePem);
    expect(new TextDecoder().decode(input['PrivateKey'] as Uint8Array)).toBe(b.privateKeyPem);
    expect('CertificateChain' in input).toBe(false);
  });

  it('sends the chain when there is one', async () => {
    const b = bundle('leaf', '-----BEGIN CERTIFICATE-----\nissuer\n-----END CERTIFICATE-----\n');
    await importCertificate(aws, b, certificateTags('prod', b));
    expect(new TextDecoder().decode(acm.sent[0]?.input['CertificateChain'] as Uint8Array)).toBe(b.chainPem);
  });

  it('refuses to import without the ownership tags', async () => {
    const b = bundle('leaf');
    await expect(importCertificate(aws, b, { team: 'web' })).rejects.toBeInstanceOf(AlbatrossError);
    expect(acm.sent).toEqual([]);
  });
});

describe('reimportCertificate', () => {
  async function imported(): Promise<{ arn: string; old: TlsBundle }> {
    const old = bundle('v1');
    const arn = await importCertificate(aws, old, certificateTags('prod', old, { team: 'web' }));
    defined(acm.certificates.get(arn), `certificate ${arn} in the fake`).tags['owner'] = 'added-by-hand';
    acm.sent.length = 0;
    return { arn, old };
  }

  it.each(['aws', 'emulator'] as const)('keeps the ARN and ends with the same tags when re-import %s-style', async (mode) => {
    acm.reimportTags = mode;
    const { arn } = await imported();
    const renewed = bundle('v2');

    await reimportCertificate(aws, arn, renewed, certificateTags('prod', renewed, { team: 'web' }));

    const importCall = acm.sent.find((s) => s.operation === 'ImportCertificate');
    expect(importCall?.input['CertificateArn']).toBe(arn);
    expect('Tags' in (importCall?.input ?? {})).toBe(false);
    expect(acm.certificates.get(arn)?.tags).toEqual({ ...certificateTags('prod', renewed, { team: 'web' }), owner: 'added-by-hand' });
  });

  it('removes the old fingerprint before adding the new one where tags survive', async () => {
    const { arn, old } = await imported();
    const renewed = bundle('v2');

    await reimportCertificate(aws, arn, renewed, certificateTags('prod', renewed, { team: 'web' }));

    expect(acm.operations()).toEqual(['ListTagsForCertificate', 'ImportCertificate', 'ListTagsForCertificate', 'RemoveTagsFromCertificate', 'AddTagsToCertificate']);
    const removed = acm.sent.find((s) => s.operation === 'RemoveTagsFromCertificate')?.input['Tags'];
    expect(removed).toEqual(
      expect.arrayContaining([
        { Key: 'albatross.dev/fingerprint', Value: old.fingerprint },
        { Key: 'albatross.dev/resource', Value: `certificate/${old.fingerprint.slice(0, 16)}` },
      ]),
    );
  });

  it('refuses a certificate that is not ours, before importing anything', async () => {
    acm.add({ arn: 'arn:theirs', tags: { 'albatross.dev/cluster': 'staging' } });
    const b = bundle('v2');
    await expect(reimportCertificate(aws, 'arn:theirs', b, certificateTags('prod', b))).rejects.toThrow(/not tagged albatross.dev\/cluster=prod/);
    expect(acm.operations()).toEqual(['ListTagsForCertificate']);
  });
});

describe('deleteCertificate', () => {
  const noWait = { sleep: async () => {}, firstDelayMs: 10 };

  it('deletes our certificate', async () => {
    acm.add({ arn: 'arn:1', tags: ours });
    expect(await deleteCertificate(aws, 'arn:1', 'prod', noWait)).toBe('deleted');
    expect(acm.certificates.has('arn:1')).toBe(false);
  });

  it('leaves a certificate without our cluster tag alone', async () => {
    acm.add({ arn: 'arn:theirs', tags: { 'albatross.dev/cluster': 'staging' } });
    acm.add({ arn: 'arn:untagged', tags: {} });
    expect(await deleteCertificate(aws, 'arn:theirs', 'prod', noWait)).toBe('not-ours');
    expect(await deleteCertificate(aws, 'arn:untagged', 'prod', noWait)).toBe('not-ours');
    expect(acm.operations()).not.toContain('DeleteCertificate');
  });

  it('retries while the certificate is in use, waiting longer each time', async () => {
    acm.add({ arn: 'arn:1', tags: ours });
    acm.failNext('DeleteCertificate', awsError('ResourceInUseException'), 2);
    const waits: number[] = [];
    const sleep = (ms: number): Promise<void> => {
      waits.push(ms);
      return Promise.resolve();
    };

    const outcome = await deleteCertificate(aws, 'arn:1', 'prod', { firstDelayMs: 100, sleep });

    expect(outcome).toBe('deleted');
    expect(waits).toEqual([100, 200]);
  });

  it('gives up after the attempts allowed, with a message saying why', async () => {
    acm.add({ arn: 'arn:1', tags: ours });
    acm.failNext('DeleteCertificate', awsError('ResourceInUseException'), 3);
    await expect(deleteCertificate(aws, 'arn:1', 'prod', { ...noWait, attempts: 3 })).rejects.toThrow(/still in use after 3 delete attempts/);
    expect(acm.certificates.has('arn:1')).toBe(true);
  });

  it('treats a certificate already gone as done', async () => {
    expect(await deleteCertificate(aws, 'arn:missing', 'prod', noWait)).toBe('not-found');
  });
});
