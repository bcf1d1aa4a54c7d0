// Benchmark 2: apply against the emulator at AWS_ENDPOINT_URL, twice: wall time and AWS
// calls (total and changing), for the whole run and per group. Prints one JSON line.
import { bootstrapNetwork } from '../localstack/bootstrap.js';
import { Aws } from '../src/aws/clients.js';
import { unpaced } from './unpaced.js';
import type { CallCounts } from '../src/aws/calls.js';
import { silentLogger } from '../src/observability/logger.js';
import { listGroups } from '../src/observe/group.js';
import { reconcileDeps, reconcileGroup } from '../src/pipeline/reconcile.js';
import { workload } from './workload.js';

const endpoint = process.env.AWS_ENDPOINT_URL;
if (endpoint === undefined) throw new Error('AWS_ENDPOINT_URL must name the emulator');
const region = process.env.AWS_REGION ?? 'us-east-1';
const clusterName = `bench-${Date.now().toString(36)}`;
const network = await bootstrapNetwork({ endpoint, region, clusterName, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const cluster = workload({ groups: 10, ingressesPerGroup: 10, pathsPerIngress: 3, podsPerService: 3 });
// The emulator has no API limits; AWS's budgets (defaultRateLimits) would pace the calls.
const aws = new Aws({ region, endpoint, rateLimits: unpaced });

const runs = [];
for (const label of ['first', 'second']) {
  const deps = reconcileDeps(aws, { clusterName, vpcId: network.vpcId, mode: 'apply', logger: silentLogger() });
  const start = process.hrtime.bigint();
  // As the CLI does, group by group; each group's calls are measured on their own.
  const { result: perGroup, calls } = await aws.calls.measure(async () => {
    const names = [...new Set([...cluster.view.grouping().groups.map((g) => g.name), ...(await listGroups(aws, clusterName))])].sort();
    const out: { group: string; changes: number; calls: CallCounts; errors: number; failed: boolean }[] = [];
    for (const name of names) {
      const { result, calls: groupCalls } = await aws.calls.measure(() => reconcileGroup(cluster.view, name, deps, { deleteIfEmpty: true }));
      out.push({ group: name, changes: result.changes.length, calls: groupCalls, errors: result.errors.length, failed: result.failure !== null });
    }
    return out;
  });
  const wallMs = Math.round(Number(process.hrtime.bigint() - start) / 1e6);
  const perGroupCalls = perGroup.map((p) => p.calls.total);
  runs.push({
    run: label,
    wallMs,
    calls: calls.total,
    changingCalls: calls.changing,
    reads: calls.reads,
    changes: perGroup.reduce((n, p) => n + p.changes, 0),
    errors: perGroup.reduce((n, p) => n + p.errors + (p.failed ? 1 : 0), 0),
    perGroup: { min: Math.min(...perGroupCalls), max: Math.max(...perGroupCalls), changingMax: Math.max(...perGroup.map((p) => p.calls.changing)) },
    changingByOperation: Object.fromEntries(
      calls
        .entries()
        .filter((e) => e.changing)
        .map((e) => [e.operation, e.count]),
    ),
  });
}
aws.destroy();
console.log(JSON.stringify({ ingresses: cluster.ingresses, groups: 10, runs }));
