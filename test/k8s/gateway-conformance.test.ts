// The Gateway API GATEWAY-HTTP conformance scenarios ported in test/conformance/gateway/, run
// through a real kube-apiserver with the Gateway API CRDs and the controller running in this
// process against the AWS emulator: each scenario's status expectations are polled on the API
// server, and its requests are routed through the listener rules the emulator holds, as ALB
// evaluates them (test/k8s/conformance/alb.ts). One test per scenario, named after the
// upstream test. Scenarios that cannot interfere (different Gateways, objects and grants) run
// at the same time; a summary of results, divergences and timings is printed at the end.
import { Pki } from '../unit/certificates/pki.js';
import { awsCluster, startController, type RunningController } from './cluster.js';
import { ConformanceRunner, schedule, type ScenarioReport } from './conformance/runner.js';
import { loadBase, loadScenarios } from './conformance/scenarios.js';
import { startEnvtest, type Envtest } from './envtest.js';

const base = loadBase();
// ALBATROSS_CONFORMANCE_ONLY=<upstream name>,...: only these scenarios (while working on one).
const only = process.env['ALBATROSS_CONFORMANCE_ONLY']?.split(',').map((n) => n.trim());
const scenarios = loadScenarios().filter((s) => only === undefined || only.includes(s.name));

/** Scenarios running at once: enough to overlap the long chain on the shared Gateways with the rest. */
const concurrency = Number(process.env['ALBATROSS_CONFORMANCE_CONCURRENCY'] ?? 4);
/** No scenario starts after this long. */
const runBudgetMs = 8 * 60_000;

let env: Envtest | undefined;
let pki: Pki | undefined;
let running: RunningController | undefined;
let runner: ConformanceRunner | undefined;
let results = new Map<string, Promise<ScenarioReport>>();
let startedAt = 0;
let baseReadyMs = 0;

beforeAll(async () => {
  startedAt = Date.now();
  // Started here rather than per file, so that it stops after the controller.
  env = await startEnvtest({ gatewayApi: true, startTimeoutMs: 110_000 });
  const kc = env.kubeConfig;
  const at = await awsCluster('gw-conformance');
  const made = (pki = new Pki());
  runner = new ConformanceRunner(kc, at.clusterName, base);
  // The Secrets base.yaml asks for, made before anything else is applied.
  await runner.makeSecrets((hostnames) => made.issue({ sans: hostnames }));
  running = startController(kc, at, { maxConcurrentReconciles: 4 });
  await runner.setUpBase();
  baseReadyMs = Date.now() - startedAt;
  const active = runner;
  results = schedule(scenarios, concurrency, Date.now() + runBudgetMs, async (s) => await active.runScenario(s));
}, 240_000);

afterAll(async () => {
  const reports = await Promise.all([...results.values()]);
  if (reports.length > 0) console.log(summary(reports));
  await running?.stop();
  runner?.close();
  pki?.close();
  await env?.stop();
}, 120_000);

function summary(reports: readonly ScenarioReport[]): string {
  const lines = [`Gateway API conformance: envtest, base ready after ${(baseReadyMs / 1000).toFixed(1)} s; scenarios at most ${concurrency} at a time`, ''];
  lines.push('| Scenario | Support | Result | Time (s) | Note |', '|---|---|---|---|---|');
  for (const r of [...reports].sort((a, b) => a.name.localeCompare(b.name)))
    lines.push(`| ${r.name} | ${r.support} | ${r.result} | ${((r.timings['total'] ?? 0) / 1000).toFixed(1)} | ${(r.why ?? '').split('\n')[0]} |`);
  const divergences = reports.flatMap((r) => r.divergences.map((d) => ({ scenario: r.name, ...d })));
  if (divergences.length > 0) {
    lines.push('', 'Known divergences (reported, not failed):');
    for (const d of divergences) lines.push(`- ${d.scenario}, ${d.where}: ${d.request}: ${d.problem === null ? 'got what upstream expects after all' : d.problem} [${d.divergence}]`);
  }
  const first = Math.min(...reports.map((r) => r.startedAt));
  const last = Math.max(...reports.map((r) => r.endedAt));
  lines.push('', `Scenarios from first start to last end: ${((last - first) / 1000).toFixed(1)} s; whole file so far: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  const slow = [...reports].sort((a, b) => (b.timings['total'] ?? 0) - (a.timings['total'] ?? 0)).slice(0, 5);
  lines.push('Slowest:', ...slow.map((r) => `- ${r.name}: ${Object.entries(r.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')}`));
  return lines.join('\n');
}

describe('Gateway API conformance, GATEWAY-HTTP (test/conformance/gateway)', () => {
  for (const s of scenarios) {
    test(`${s.name} (${s.file})`, async () => {
      const report = await results.get(s.name);
      if (report === undefined) throw new Error(`${s.name} was not scheduled`);
      if (report.result === 'fails') throw new Error(`${s.name} fails:\n${report.why ?? ''}`);
      for (const d of report.divergences) if (d.problem !== null) console.log(`${s.name}: known divergence: ${d.request}: ${d.problem} [${d.divergence}]`);
      expect(['passes', 'not supported']).toContain(report.result);
    }, runBudgetMs + 120_000);
  }
});
