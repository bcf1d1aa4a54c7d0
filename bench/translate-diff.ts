// Benchmark 1: the pure middle of the pipeline on a large cluster, in a process of its own
// so its peak memory is its own. Prints one JSON line.
import { resourceUsage } from 'node:process';
import { diffStack } from '../src/plan/diff.js';
import { translate } from '../src/translate/index.js';
import { workload } from './workload.js';

const shape = { groups: 200, ingressesPerGroup: 10, pathsPerIngress: 5, podsPerService: 3 };
const snapshot = workload(shape);
const context = { vpcId: 'vpc-bench', subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: [] };
const baselineRssKb = resourceUsage().maxRSS;

const runs: number[] = [];
let operations = 0;
let rules = 0;
let errors = 0;
for (let run = 0; run < 5; run++) {
  const start = process.hrtime.bigint();
  const desired = translate(snapshot, { clusterName: 'bench' });
  operations = desired.stacks.reduce((n, stack) => n + diffStack(stack, null, context).length, 0);
  runs.push(Number(process.hrtime.bigint() - start) / 1e6);
  rules = desired.stacks.reduce((n, s) => n + s.rules.length, 0);
  errors = desired.errors.length;
}
const sorted = [...runs].sort((a, b) => a - b);
console.log(
  JSON.stringify({
    ingresses: snapshot.ingresses.length,
    paths: snapshot.ingresses.reduce((n, i) => n + (i.spec?.rules ?? []).reduce((m, r) => m + (r.http?.paths.length ?? 0), 0), 0),
    groups: shape.groups,
    rules,
    operations,
    errors,
    firstRunMs: Math.round(runs[0] ?? 0),
    medianMs: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    peakRssMb: Math.round(resourceUsage().maxRSS / 1024),
    baselineRssMb: Math.round(baselineRssKb / 1024),
  }),
);
