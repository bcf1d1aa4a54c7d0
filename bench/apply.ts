// Benchmark 2: apply against the emulator at AWS_ENDPOINT_URL, twice: wall time and AWS
// calls (total and changing), for the whole run and per group. Prints one JSON line.
import { bootstrapNetwork } from '../localstack/bootstrap.js';
import { Aws } from '../src/aws/clients.js';
import { silentLogger } from '../src/observability/logger.js';
import { reconcile } from '../src/pipeline/reconcile.js';
import { workload } from './workload.js';

const endpoint = process.env.AWS_ENDPOINT_URL;
if (endpoint === undefined) throw new Error('AWS_ENDPOINT_URL must name the emulator');
const region = process.env.AWS_REGION ?? 'us-east-1';
const clusterName = `bench-${Date.now().toString(36)}`;
const network = await bootstrapNetwork({ endpoint, region, clusterName, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const snapshot = workload({ groups: 10, ingressesPerGroup: 10, pathsPerIngress: 3, podsPerService: 3 });
const aws = new Aws({ region, endpoint });

const runs = [];
for (const label of ['first', 'second']) {
  aws.calls.reset();
  const start = process.hrtime.bigint();
  const result = await reconcile(snapshot, aws, { clusterName, vpcId: network.vpcId, mode: 'apply', logger: silentLogger() });
  const wallMs = Math.round(Number(process.hrtime.bigint() - start) / 1e6);
  const calls = aws.calls.calls;
  const perGroup = result.groups.map((g) => {
    const mine = calls.filter((c) => c.group === g.name);
    return { group: g.name, calls: mine.length, changing: mine.filter((c) => c.changing).length, changes: g.changes.length };
  });
  // Objects: each created resource, each target group's registered set, and each managed
  // security group's ingress permissions (authorised in one call after the group exists).
  const objects = result.groups.reduce(
    (n, g) =>
      n +
      g.changes.filter((c) => c.action === 'create' || (c.kind === 'targets' && c.summary.startsWith('register'))).length +
      g.changes.filter((c) => c.kind === 'security-group' && c.action === 'create' && c.summary.includes('allowing')).length,
    0,
  );
  runs.push({
    run: label,
    wallMs,
    calls: calls.length,
    changingCalls: calls.filter((c) => c.changing).length,
    clusterWideReads: calls.filter((c) => c.group === null).length,
    objectsCreated: objects,
    errors: result.errors.length + result.groups.filter((g) => g.failure !== null).length,
    perGroup: { min: Math.min(...perGroup.map((p) => p.calls)), max: Math.max(...perGroup.map((p) => p.calls)), changingMax: Math.max(...perGroup.map((p) => p.changing)) },
    changingByOperation: Object.fromEntries(
      [...new Set(calls.filter((c) => c.changing).map((c) => c.operation))].sort().map((op) => [op, calls.filter((c) => c.operation === op).length]),
    ),
  });
}
aws.destroy();
console.log(JSON.stringify({ ingresses: snapshot.ingresses.length, groups: 10, runs }));
