// Benchmark 3: what the size of the AWS account costs a group's reconcile. One small group
// (1 Ingress, 2 paths, a TLS Secret) is applied, then reconciled with nothing to do, first in
// an empty account and then with 500 foreign load balancers, 500 foreign target groups, 100
// foreign certificates, 200 foreign security groups, 500 foreign network interfaces and 50
// foreign instances beside it. The pods' addresses sit on interfaces behind a node security
// group, so the backend security group step runs too. Prints one JSON line: reads per no-op
// reconcile, by operation.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACMClient, ImportCertificateCommand } from '@aws-sdk/client-acm';
import { AuthorizeSecurityGroupIngressCommand, CreateNetworkInterfaceCommand, CreateSecurityGroupCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateLoadBalancerCommand, CreateTargetGroupCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import pLimit from 'p-limit';
import { bootstrapNetwork, createNodeSecurityGroup } from '../localstack/bootstrap.js';
import { Aws } from '../src/aws/clients.js';
import { unpaced } from './unpaced.js';
import { clusterViewFromObjects } from '../src/cluster/files.js';
import { silentLogger } from '../src/observability/logger.js';
import { reconcileCluster } from '../src/pipeline/cluster.js';
import { reconcileDeps, reconcileGroup } from '../src/pipeline/reconcile.js';

const endpoint = process.env.AWS_ENDPOINT_URL;
if (endpoint === undefined) throw new Error('AWS_ENDPOINT_URL must name the emulator');
// A region of its own: the crowd stays out of the other scenarios' way.
const region = 'sa-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const clusterName = `bench-size-${Date.now().toString(36)}`;
const crowd = { loadBalancers: 500, targetGroups: 500, certificates: 100, securityGroups: 200, interfaces: 500, instances: 50 };

const dir = mkdtempSync(join(tmpdir(), 'albatross-bench-'));
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=shop.example.com', '-addext', 'subjectAltName=DNS:shop.example.com', '-days', '30', '-keyout', join(dir, 'key'), '-out', join(dir, 'crt')], { stdio: 'pipe' });
const certPem = readFileSync(join(dir, 'crt'), 'utf8');
const keyPem = readFileSync(join(dir, 'key'), 'utf8');
rmSync(dir, { recursive: true, force: true });

const network = await bootstrapNetwork({ endpoint, region, clusterName, credentials });
const ec2 = new EC2Client({ region, endpoint, credentials });
// The node security group as EKS tags it, and the pods' addresses on interfaces behind it.
const nodes = await createNodeSecurityGroup(ec2, network.vpcId, clusterName);
for (const ip of ['10.0.0.10', '10.0.1.10']) await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: network.publicSubnetIds[0], PrivateIpAddress: ip, Groups: [nodes] }));
const view = clusterViewFromObjects([
  { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'alb' }, spec: { controller: 'albatross.dev/alb' } },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'shop', annotations: { 'alb.ingress.kubernetes.io/group.name': 'shop' } },
    spec: {
      ingressClassName: 'alb',
      tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
              { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  },
  ...['web', 'api'].flatMap((name, i) => [
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace: 'shop', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080 }],
      endpoints: [{ addresses: [`10.0.${i}.10`] }],
    },
  ]),
  { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'shop-tls', namespace: 'shop' }, data: { 'tls.crt': Buffer.from(certPem).toString('base64'), 'tls.key': Buffer.from(keyPem).toString('base64') } },
]);

// The emulator has no API limits; AWS's budgets (defaultRateLimits) would pace the calls.
const aws = new Aws({ region, endpoint, rateLimits: unpaced });
const deps = () => reconcileDeps(aws, { clusterName, vpcId: network.vpcId, mode: 'apply', logger: silentLogger() });
await reconcileCluster(view, deps());

async function noOp(): Promise<{ groupReads: number; groupChanging: number; runReads: number; runChanging: number; byOperation: Record<string, number>; runByOperation: Record<string, number> }> {
  const group = await aws.calls.measure(() => reconcileGroup(view, 'alb:shop', deps(), { deleteIfEmpty: true }));
  const run = await aws.calls.measure(() => reconcileCluster(view, deps()));
  return {
    groupReads: group.calls.reads,
    groupChanging: group.calls.changing,
    runReads: run.calls.reads,
    runChanging: run.calls.changing,
    byOperation: Object.fromEntries(group.calls.entries().map((e) => [e.operation, e.count])),
    runByOperation: Object.fromEntries(run.calls.entries().map((e) => [e.operation, e.count])),
  };
}

const empty = await noOp();
const elbv2 = new ElasticLoadBalancingV2Client({ region, endpoint, credentials });
const acm = new ACMClient({ region, endpoint, credentials });
const limit = pLimit(8);
await Promise.all([
  ...Array.from({ length: crowd.loadBalancers }, (_, i) => limit(() => elbv2.send(new CreateLoadBalancerCommand({ Name: `other-${i}`, Subnets: network.publicSubnetIds, Scheme: 'internal' })))),
  ...Array.from({ length: crowd.targetGroups }, (_, i) =>
    limit(() => elbv2.send(new CreateTargetGroupCommand({ Name: `other-tg-${i}`, Protocol: 'HTTP', Port: 80, VpcId: network.vpcId, TargetType: 'ip' }))),
  ),
  ...Array.from({ length: crowd.certificates }, () => limit(() => acm.send(new ImportCertificateCommand({ Certificate: Buffer.from(certPem), PrivateKey: Buffer.from(keyPem) })))),
  ...Array.from({ length: crowd.securityGroups }, (_, i) =>
    limit(async () => {
      const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: `other-${i}-${clusterName}`, Description: 'other', VpcId: network.vpcId }));
      await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: sg.GroupId ?? '', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    }),
  ),
  ...Array.from({ length: crowd.interfaces }, (_, i) =>
    limit(() => ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: network.privateSubnetIds[0], PrivateIpAddress: `10.0.${70 + Math.floor(i / 200)}.${(i % 200) + 10}` }))),
  ),
  limit(() => ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: crowd.instances, MaxCount: crowd.instances, SubnetId: network.publicSubnetIds[0] }))),
]);
const crowded = await noOp();
elbv2.destroy();
acm.destroy();
ec2.destroy();
aws.destroy();
console.log(JSON.stringify({ crowd, empty, crowded, ratio: Math.round((crowded.groupReads / empty.groupReads) * 100) / 100 }));
