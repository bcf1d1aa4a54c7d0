// The Helm chart (charts/albatross/) checked by helm itself and against a real kube-apiserver
// with RBAC authorization on: lint and render, values the schema refuses, an install read back
// through the API, the built controller running as the chart's ServiceAccount through a whole
// Ingress lifecycle (every request it makes recorded by the API server's audit log, so a rule it
// needs and lacks and a rule it never uses both fail), and an upgrade that changes the CRD.
// The API server has the Gateway API CRDs (standard channel), which the chart does not ship: the
// lifecycle runs a Gateway and an HTTPRoute too, its Gateway API rules are also checked by
// SubjectAccessReview, and its optional GatewayClass is installed.
// One API server for the whole file; the tests run in order and build on each other.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  PolicyV1Api,
  RbacAuthorizationV1Api,
  loadAllYaml,
  loadYaml,
  setHeaderOptions,
  type V1ClusterRole,
  type V1Deployment,
  type V1Ingress,
  type V1Pod,
  type V1PolicyRule,
} from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { parseControllerArgs } from '../../src/cli/controller-args.js';
import { ClusterWrites } from '../../src/controller/writes.js';
import { silentLogger } from '../../src/observability/logger.js';
import { endpointSlice, ingress, pod, service } from '../unit/factories.js';
import { Pki, tlsSecret } from '../unit/certificates/pki.js';
import { awsClientConfig, endpoint, region } from '../integration/emulator/emulator.js';
import {
  apis,
  applyEndpointSlice,
  applyIngress,
  applyService,
  awsCluster,
  builtMain,
  eventsOf,
  eventually,
  httpGet,
  namespace,
  spawnCommand,
  type AwsCluster,
  type ControllerProcess,
} from './cluster.js';
import { freePorts, k8sTierRequired, startEnvtest, type Envtest } from './envtest.js';

const chartDir = join(process.cwd(), 'charts/albatross');
const helmScript = join(process.cwd(), 'scripts/helm-binary.sh');
const everythingValues = join(process.cwd(), 'test/k8s/chart/values-everything.yaml');
const RELEASE = 'albatross';
const RELEASE_NS = 'albatross-system';
const APP_NS = 'shop';
const GATEWAY_GROUP = 'gateway.networking.k8s.io';
/** What the ClusterRole grants on the Gateway API kinds, sorted as the tests compare it. */
const GATEWAY_GRANTS = [
  ...['gatewayclasses', 'gateways', 'httproutes', 'referencegrants'].flatMap((r) => ['list', 'watch'].map((v) => `${v} ${GATEWAY_GROUP}/${r}`)),
  ...['gateways', 'gatewayclasses/status', 'gateways/status', 'httproutes/status'].map((r) => `patch ${GATEWAY_GROUP}/${r}`),
].sort();

/** helm: HELM when set, else what scripts/helm-binary.sh caches. */
function findHelm(): string | undefined {
  const given = process.env['HELM'];
  if (given) return given;
  const pin = /^HELM_VERSION_DEFAULT=(\S+)$/m.exec(readFileSync(helmScript, 'utf8'))?.[1];
  const version = process.env['ALBATROSS_HELM_VERSION'] || pin || 'unknown';
  const cached = join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'albatross', 'helm', version, 'helm');
  return existsSync(cached) ? cached : undefined;
}

let helmPath: string;
let env: Envtest;
let scratch: string;
let auditLog: string;
let at: AwsCluster;
let pki: Pki;
const started: ControllerProcess[] = [];

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs helm with its home, config and cache folders in the scratch folder (nothing written under the real $HOME or the repository). */
async function helm(args: readonly string[], timeoutMs = 60_000): Promise<Run> {
  return await new Promise((resolve) => {
    execFile(
      helmPath,
      [...args],
      {
        timeout: timeoutMs,
        maxBuffer: 32 * 1024 * 1024,
        env: {
          PATH: process.env['PATH'] ?? '',
          // client-go's discovery cache goes under $HOME/.kube.
          HOME: scratch,
          HELM_CONFIG_HOME: join(scratch, 'helm', 'config'),
          HELM_CACHE_HOME: join(scratch, 'helm', 'cache'),
          HELM_DATA_HOME: join(scratch, 'helm', 'data'),
        },
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** helm, which must succeed; its stdout. */
async function helmOk(args: readonly string[]): Promise<string> {
  const run = await helm(args);
  if (run.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${String(run.code)}:\n${run.stderr}${run.stdout}`);
  return run.stdout;
}

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [key: string]: unknown;
}

async function render(args: readonly string[]): Promise<Manifest[]> {
  const out = await helmOk(['template', RELEASE, chartDir, '--namespace', RELEASE_NS, ...args]);
  return (loadAllYaml(out) as unknown[]).filter((d): d is Manifest => typeof d === 'object' && d !== null && 'kind' in d);
}

function only(docs: readonly Manifest[], kind: string): Manifest {
  const found = docs.filter((d) => d.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, rendered ${String(found.length)}`);
  const [doc] = found;
  if (doc === undefined) throw new Error(`no ${kind}`);
  return doc;
}

function deploymentOf(docs: readonly Manifest[]): V1Deployment {
  return only(docs, 'Deployment');
}

function containerOf(deployment: V1Deployment): NonNullable<NonNullable<V1Deployment['spec']>['template']['spec']>['containers'][number] {
  const container = deployment.spec?.template.spec?.containers[0];
  if (container === undefined) throw new Error('the Deployment has no container');
  return container;
}

/** The NetworkPolicy spec the chart should make of `values.networkPolicy` (ports 8080 and 8081, the Deployment's). */
function networkPolicySpecOf(values: unknown, name: string, instance = RELEASE): Record<string, unknown> {
  const np = (values as { networkPolicy: { metricsFrom: unknown[]; healthProbesFrom: unknown[]; egress: unknown[] } }).networkPolicy;
  return {
    podSelector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': instance } },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [
      { from: np.metricsFrom, ports: [{ protocol: 'TCP', port: 8080 }] },
      { from: np.healthProbesFrom, ports: [{ protocol: 'TCP', port: 8081 }] },
    ],
    egress: np.egress,
  };
}

/** The chart's NetworkPolicy as plain YAML (the client's models rename fields, `from` to `_from`). */
async function renderNetworkPolicy(args: readonly string[]): Promise<{ spec: unknown }> {
  return parseYaml(await helmOk(['template', RELEASE, chartDir, '--namespace', RELEASE_NS, '--show-only', 'templates/networkpolicy.yaml', ...args])) as { spec: unknown };
}

/** Values of the install: the emulator's cluster, short leases so that renewals happen during the test. */
function installValues(paramsSpec: Record<string, unknown> = { scheme: 'internet-facing' }, more: Record<string, unknown> = {}, name = 'install-values.json'): string {
  const file = join(scratch, name);
  writeFileSync(
    file,
    JSON.stringify({
      ...more,
      clusterName: at.clusterName,
      region: region(),
      vpcId: at.vpcId,
      syncPeriod: '1h',
      ingressClassParams: { create: true, spec: paramsSpec },
      extraArgs: ['--leader-election-lease-duration=4s', '--leader-election-renew-deadline=3s', '--leader-election-retry-period=1s'],
    }),
  );
  return file;
}

beforeAll(async () => {
  const found = findHelm();
  if (found === undefined) {
    const hint = 'helm not found: run `bash scripts/helm-binary.sh` (builds it once from the Go module proxy; npm test does) or set HELM';
    throw new Error(k8sTierRequired() ? `${hint} (required here: CI or ALBATROSS_REQUIRE_K8S=1)` : hint);
  }
  helmPath = found;
  if (!existsSync(builtMain)) throw new Error(`${builtMain} is missing: run npm run build (npm test does)`);
  scratch = mkdtempSync(join(tmpdir(), 'albatross-chart-'));
  pki = new Pki();
  // Every request of every ServiceAccount, at Metadata level: who, verb, resource, answer.
  const policy = join(scratch, 'audit-policy.yaml');
  auditLog = join(scratch, 'audit.log');
  writeFileSync(
    policy,
    JSON.stringify({
      apiVersion: 'audit.k8s.io/v1',
      kind: 'Policy',
      omitStages: ['RequestReceived'],
      rules: [{ level: 'Metadata', userGroups: ['system:serviceaccounts'] }, { level: 'None' }],
    }),
  );
  env = await startEnvtest({ startTimeoutMs: 110_000, apiServerArgs: [`--audit-policy-file=${policy}`, `--audit-log-path=${auditLog}`], gatewayApi: true });
  at = await awsCluster('chart');
}, 150_000);

afterAll(async () => {
  for (const p of started) p.kill('SIGKILL');
  await Promise.all(started.map(async (p) => await p.exited));
  await env?.stop();
  pki?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 60_000);

describe('helm lint and helm template', () => {
  test('helm lint passes with the default values and with every value set', async () => {
    const defaults = await helm(['lint', chartDir, '--strict', '--set', 'clusterName=demo']);
    expect(defaults.stdout).toContain('0 chart(s) failed');
    expect(defaults.code).toBe(0);
    const everything = await helm(['lint', chartDir, '--strict', '--values', everythingValues]);
    expect(everything.stdout).toContain('0 chart(s) failed');
    expect(everything.code).toBe(0);
  });

  test('the default values render the controller, its RBAC, the CRD once, the IngressClass and no webhook', async () => {
    const docs = await render(['--set', 'clusterName=demo']);
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(
      [
        'ClusterRole/albatross',
        'ClusterRoleBinding/albatross',
        'CustomResourceDefinition/ingressclassparams.albatross.dev',
        'Deployment/albatross',
        'IngressClass/alb',
        'IngressClassParams/alb',
        'PodDisruptionBudget/albatross',
        'Role/albatross-leader-election',
        'RoleBinding/albatross-leader-election',
        'Service/albatross-metrics',
        'ServiceAccount/albatross',
      ].sort(),
    );
    expect(existsSync(join(chartDir, 'crds'))).toBe(false);
    expect(docs.filter((d) => /Webhook/.test(d.kind))).toEqual([]);
    const crd = only(docs, 'CustomResourceDefinition');
    expect(crd.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');

    const deployment = deploymentOf(docs);
    expect(deployment.spec?.replicas).toBe(2);
    const pod = deployment.spec?.template.spec;
    expect(pod?.terminationGracePeriodSeconds).toBeGreaterThan(30);
    expect(pod?.securityContext?.runAsNonRoot).toBe(true);
    const container = containerOf(deployment);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(container.resources?.requests).toEqual({ cpu: '50m', memory: '256Mi' });
    expect(container.resources?.limits?.['memory']).toBe('512Mi');
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(container.env).toEqual([{ name: 'LOG_LEVEL', value: 'info' }]);
    // The flags are ones `albatross controller` accepts.
    const options = parseControllerArgs(container.args ?? [], { AWS_REGION: 'eu-west-1' });
    expect(options).toMatchObject({
      clusterName: 'demo',
      region: 'eu-west-1',
      watchNamespaces: null,
      leaderElect: true,
      leaderElectionNamespace: RELEASE_NS,
      leaderElectionId: 'albatross-leader',
      metricsBindAddress: ':8080',
      healthProbeBindAddress: ':8081',
    });
    const role = only(docs, 'Role') as unknown as { rules: V1PolicyRule[] };
    expect(role.rules.flatMap((r) => r.resourceNames ?? [])).toEqual(['albatross-leader']);
    // Without watchNamespace, the ClusterRole reads Secrets in every namespace.
    expect(granted((only(docs, 'ClusterRole') as unknown as { rules: V1PolicyRule[] }).rules).filter((g) => g.endsWith(' core/secrets')).sort()).toEqual(['get core/secrets', 'list core/secrets', 'watch core/secrets']);

    // The Gateway API kinds, cluster-wide; no GatewayClass unless asked for.
    expect(granted((only(docs, 'ClusterRole') as unknown as { rules: V1PolicyRule[] }).rules).filter((g) => g.includes(` ${GATEWAY_GROUP}/`)).sort()).toEqual(GATEWAY_GRANTS);
    expect(docs.filter((d) => d.kind === 'GatewayClass')).toEqual([]);

    const ingressClass = only(docs, 'IngressClass');
    expect(ingressClass.metadata.annotations).toBeUndefined();
    expect(ingressClass['spec']).toEqual({ controller: 'albatross.dev/alb', parameters: { apiGroup: 'albatross.dev', kind: 'IngressClassParams', name: 'alb' } });
    expect(only(docs, 'PodDisruptionBudget')['spec']).toMatchObject({ maxUnavailable: 1 });
  });

  test('a values file that sets everything renders each value where it belongs', async () => {
    // It does set every key values.yaml has (nested ones included).
    const keys = (value: unknown, prefix = ''): string[] =>
      typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0
        ? Object.entries(value).flatMap(([k, v]) => (prefix === '' && ['ingressClassParams', 'podDisruptionBudget', 'resources', 'podSecurityContext', 'securityContext', 'env'].includes(k) ? [k] : keys(v, `${prefix}${k}.`)))
        : [prefix.slice(0, -1)];
    const defaults = keys(loadYaml(readFileSync(join(chartDir, 'values.yaml'), 'utf8')));
    const everything = keys(loadYaml(readFileSync(everythingValues, 'utf8')));
    expect(defaults.filter((k) => !everything.some((e) => e === k || e.startsWith(`${k}.`)))).toEqual([]);
    const docs = await render(['--values', everythingValues]);
    expect(docs.filter((d) => d.kind === 'CustomResourceDefinition')).toEqual([]);
    const sa = only(docs, 'ServiceAccount');
    expect(sa.metadata.name).toBe('albatross-sa');
    expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/albatross' });
    expect(sa['imagePullSecrets']).toEqual([{ name: 'ecr-pull' }]);
    for (const doc of docs) expect(doc.metadata.labels?.['example.com/owner']).toBe('platform');

    const deployment = deploymentOf(docs);
    expect(deployment.metadata?.name).toBe('edge');
    expect(deployment.spec?.replicas).toBe(3);
    const pod = deployment.spec?.template.spec;
    expect(pod?.serviceAccountName).toBe('albatross-sa');
    expect(pod?.priorityClassName).toBe('system-cluster-critical');
    expect(pod?.terminationGracePeriodSeconds).toBe(45);
    expect(pod?.topologySpreadConstraints?.[0]?.topologyKey).toBe('topology.kubernetes.io/zone');
    expect(pod?.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(pod?.tolerations).toEqual([{ key: 'CriticalAddonsOnly', operator: 'Exists' }]);
    expect(pod?.affinity?.nodeAffinity).toBeDefined();
    expect(pod?.securityContext?.runAsUser).toBe(10001);
    expect(pod?.imagePullSecrets).toEqual([{ name: 'ecr-pull' }]);
    expect(deployment.spec?.template.metadata?.annotations).toEqual({ 'example.com/team': 'platform' });
    expect(deployment.spec?.template.metadata?.labels?.['example.com/tier']).toBe('edge');
    const container = containerOf(deployment);
    expect(container.image).toBe('111122223333.dkr.ecr.eu-west-1.amazonaws.com/albatross:1.2.3');
    expect(container.imagePullPolicy).toBe('Always');
    expect(container.resources?.limits).toEqual({ cpu: '1', memory: '1Gi' });
    expect(container.env).toEqual([
      { name: 'LOG_LEVEL', value: 'debug' },
      { name: 'AWS_MAX_ATTEMPTS', value: '5' },
      { name: 'NODE_OPTIONS', value: '--max-old-space-size=768' },
    ]);
    const options = parseControllerArgs(container.args ?? [], {});
    expect(options).toMatchObject({
      clusterName: 'prod-eu',
      region: 'eu-west-1',
      vpcId: 'vpc-0123456789abcdef0',
      syncPeriodMs: 5 * 60_000,
      watchNamespaces: ['shop', 'blog'],
      maxConcurrentReconciles: 5,
      leaderElectionNamespace: RELEASE_NS,
      leaderElectionId: 'edge-lease',
      backendSecurityGroup: { kind: 'given', groupId: 'sg-0fedcba9876543210' },
    });
    const roles = docs.filter((d) => d.kind === 'Role') as unknown as (Manifest & { rules: V1PolicyRule[] })[];
    const leaderRole = roles.find((r) => r.metadata.name === 'edge-leader-election');
    expect(leaderRole?.rules.flatMap((r) => r.resourceNames ?? [])).toEqual(['edge-lease']);
    // watchNamespace: Secrets through a Role and RoleBinding in each watched namespace, none cluster-wide.
    expect(granted((only(docs, 'ClusterRole') as unknown as { rules: V1PolicyRule[] }).rules).filter((g) => g.endsWith(' core/secrets'))).toEqual([]);
    const secretRoles = roles.filter((r) => r.metadata.name === 'edge-secrets');
    expect(secretRoles.map((r) => r.metadata.namespace)).toEqual(['shop', 'blog']);
    for (const r of secretRoles) expect(granted(r.rules).sort()).toEqual(['get core/secrets', 'list core/secrets', 'watch core/secrets']);
    const secretBindings = docs.filter((d) => d.kind === 'RoleBinding' && d.metadata.name === 'edge-secrets');
    expect(secretBindings.map((b) => [b.metadata.namespace, b['roleRef'], b['subjects']])).toEqual(
      ['shop', 'blog'].map((ns) => [ns, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'edge-secrets' }, [{ kind: 'ServiceAccount', name: 'albatross-sa', namespace: RELEASE_NS }]]),
    );

    // With watchNamespace the Gateway API kinds stay in the ClusterRole, as Ingresses do.
    expect(granted((only(docs, 'ClusterRole') as unknown as { rules: V1PolicyRule[] }).rules).filter((g) => g.includes(` ${GATEWAY_GROUP}/`)).sort()).toEqual(GATEWAY_GRANTS);
    const gatewayClass = only(docs, 'GatewayClass');
    expect(gatewayClass.apiVersion).toBe(`${GATEWAY_GROUP}/v1`);
    expect(gatewayClass.metadata.name).toBe('edge-gateways');
    expect(gatewayClass['spec']).toEqual({ controllerName: 'albatross.dev/gateway' });

    const ingressClass = only(docs, 'IngressClass');
    expect(ingressClass.metadata.name).toBe('edge');
    expect(ingressClass.metadata.annotations).toEqual({ 'ingressclass.kubernetes.io/is-default-class': 'true' });
    expect(ingressClass['spec']).toEqual({ controller: 'albatross.dev/alb', parameters: { apiGroup: 'albatross.dev', kind: 'IngressClassParams', name: 'edge-params' } });
    const params = only(docs, 'IngressClassParams');
    expect(params.metadata.name).toBe('edge-params');
    expect(params['spec']).toEqual({ scheme: 'internet-facing', group: { name: 'edge' } });
    expect(only(docs, 'PodDisruptionBudget')['spec']).toMatchObject({ minAvailable: 2 });
    const metrics = only(docs, 'Service');
    expect(metrics.metadata.annotations).toEqual({ 'example.com/scrape': 'true' });
    const monitor = only(docs, 'ServiceMonitor');
    expect(monitor.metadata.namespace).toBe('monitoring');
    expect(monitor.metadata.labels?.['release']).toBe('prometheus');
    expect(monitor['spec']).toMatchObject({
      namespaceSelector: { matchNames: [RELEASE_NS] },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s', relabelings: [expect.any(Object)], metricRelabelings: [expect.any(Object)] }],
    });
    expect(only(docs, 'NetworkPolicy').metadata).toMatchObject({ name: 'edge', namespace: RELEASE_NS });
    const policy = await renderNetworkPolicy(['--values', everythingValues]);
    expect(policy.spec).toEqual(networkPolicySpecOf(loadYaml(readFileSync(everythingValues, 'utf8')), 'alb-controller'));
  });

  test('networkPolicy.enabled alone: every connection to the pods refused, egress left open', async () => {
    const policy = await renderNetworkPolicy(['--set', 'clusterName=demo', '--set', 'networkPolicy.enabled=true']);
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'albatross', 'app.kubernetes.io/instance': RELEASE } },
      policyTypes: ['Ingress'],
      ingress: [],
    });
  });

  test('enableBackendSecurityGroup=false turns the flag off and drops the nodes rule; with backendSecurityGroup as well it refuses to render', async () => {
    const docs = await render(['--set', 'clusterName=prod', '--set', 'enableBackendSecurityGroup=false']);
    expect(parseControllerArgs(containerOf(deploymentOf(docs)).args ?? [], { AWS_REGION: 'eu-west-1' })).toMatchObject({ backendSecurityGroup: { kind: 'off' } });
    expect(granted((only(docs, 'ClusterRole') as unknown as { rules: V1PolicyRule[] }).rules).filter((g) => g.endsWith(' core/nodes'))).toEqual([]);
    const on = await render(['--set', 'clusterName=prod']);
    expect(granted((only(on, 'ClusterRole') as unknown as { rules: V1PolicyRule[] }).rules).filter((g) => g.endsWith(' core/nodes')).sort()).toEqual(['list core/nodes', 'watch core/nodes']);
    const both = await helm(['template', RELEASE, chartDir, '--set', 'clusterName=prod', '--set', 'enableBackendSecurityGroup=false', '--set', 'backendSecurityGroup=sg-12345678']);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/backendSecurityGroup "sg-12345678" has no effect with enableBackendSecurityGroup=false/);
  });

  test('the readiness gate injection policy matches only namespaces the controller watches, when watchNamespace says which', async () => {
    const binding = async (args: string[]) =>
      only(await render(['--set', 'clusterName=prod', '--set', 'readinessGateInjection.enabled=true', ...args]), 'MutatingAdmissionPolicyBinding') as unknown as {
        spec: { matchResources: { namespaceSelector: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } } };
      };
    expect((await binding([])).spec.matchResources.namespaceSelector).toEqual({ matchLabels: { 'albatross.dev/readiness-gate-inject': 'enabled' } });
    expect((await binding(['--set-string', 'watchNamespace=shop\\,blog'])).spec.matchResources.namespaceSelector).toEqual({
      matchLabels: { 'albatross.dev/readiness-gate-inject': 'enabled' },
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['shop', 'blog'] }],
    });
  });

  test('without clusterName the chart refuses to render and says why', async () => {
    const run = await helm(['template', RELEASE, chartDir]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/clusterName is required/);
  });
});

describe('values the schema refuses', () => {
  const cases: [string, string[], RegExp][] = [
    ['a wrong type (replicaCount a string)', ['--set-string', 'replicaCount=two'], /replicaCount/],
    ['a wrong type (a map where a list belongs)', ['--set-json', 'extraArgs={"sync":"1m"}'], /extraArgs/],
    ['a wrong type (a boolean where a map belongs)', ['--set', 'podDisruptionBudget=true'], /podDisruptionBudget/],
    ['an unknown top-level key (a reference-chart key without a meaning here)', ['--set', 'enableWaf=true'], /enableWaf/],
    ['an unknown top-level key (a typo)', ['--set', 'replicas=3'], /replicas/],
    ['an unknown key in a known object', ['--set', 'serviceAccount.roleArn=arn:aws:iam::1:role/x'], /roleArn/],
    ['a value outside the enum (logLevel)', ['--set', 'logLevel=verbose'], /logLevel/],
    ['a value outside the enum (image.pullPolicy)', ['--set', 'image.pullPolicy=Sometimes'], /pullPolicy/],
    ['a malformed duration (syncPeriod)', ['--set', 'syncPeriod=10 minutes'], /syncPeriod/],
    ['a grace period the shutdown does not fit in', ['--set', 'terminationGracePeriodSeconds=10'], /terminationGracePeriodSeconds/],
    ['an unknown key in a NetworkPolicy peer', ['--set', 'networkPolicy.metricsFrom[0].namespace=monitoring'], /metricsFrom/],
    ['an unknown key in an egress rule', ['--set', 'networkPolicy.egress[0].from[0].ipBlock.cidr=0.0.0.0/0'], /egress/],
    ['a GatewayClass name Kubernetes refuses', ['--set', 'gatewayClass.enabled=true', '--set', 'gatewayClass.name=Edge_Gateways'], /gatewayClass/],
    ['a GatewayClass controllerName (fixed by the chart)', ['--set', 'gatewayClass.controllerName=example.com/gw'], /controllerName/],
  ];

  test.each(cases)('%s', async (_, args, key) => {
    const run = await helm(['template', RELEASE, chartDir, '--set', 'clusterName=demo', ...args]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(run.stderr).toMatch(key);
  });
});

/** One audit event, the fields read here. */
interface AuditEvent {
  readonly stage: string;
  readonly verb: string;
  readonly user: { readonly username: string };
  readonly objectRef?: { readonly apiGroup?: string; readonly resource?: string; readonly subresource?: string; readonly namespace?: string; readonly name?: string };
  readonly responseStatus?: { readonly code?: number };
  readonly requestURI: string;
}

function auditEvents(username: string): AuditEvent[] {
  return readFileSync(auditLog, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditEvent)
    .filter((e) => e.user.username === username);
}

/** `verb group/resource[/subresource]`, as a rule grants it. */
function permission(verb: string, group: string, resource: string): string {
  return `${verb} ${group === '' ? 'core' : group}/${resource}`;
}

function granted(rules: readonly V1PolicyRule[]): string[] {
  return rules.flatMap((r) => (r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).flatMap((res) => r.verbs.map((v) => permission(v, g, res)))));
}

/** Where the chart was installed and what the controller runs: its release, the app namespace, the IngressClass. */
interface Install {
  /** The release's full name: the ServiceAccount, the Deployment, the ClusterRole. */
  readonly fullname: string;
  readonly namespace: string;
  readonly appNamespace: string;
  readonly ingressClass: string;
}

/**
 * The built controller, with the installed Deployment's arguments, as the chart's ServiceAccount
 * (a token from the TokenRequest API in a kubeconfig of its own), through one Ingress with a TLS
 * Secret: create, change, delete. Returns once the controller exited cleanly after SIGTERM.
 */
async function runLifecycle(install: Install): Promise<ControllerProcess> {
  const kc = env.kubeConfig;
  const core = kc.makeApiClient(CoreV1Api);
  const { fullname, namespace: releaseNs, appNamespace: appNs, ingressClass } = install;
  const token = await core.createNamespacedServiceAccountToken({ name: fullname, namespace: releaseNs, body: { spec: { expirationSeconds: 3600, audiences: [] } } });
  const admin = JSON.parse(readFileSync(env.kubeconfigPath, 'utf8')) as { clusters: unknown[] };
  const kubeconfig = join(scratch, `${releaseNs}.serviceaccount.kubeconfig`);
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: admin.clusters,
      users: [{ name: 'albatross', user: { token: token.status?.token } }],
      contexts: [{ name: 'albatross', context: { cluster: 'envtest', user: 'albatross', namespace: releaseNs } }],
      'current-context': 'albatross',
    }),
    { mode: 0o600 },
  );

  // Backends, and a TLS Secret that exists before any Ingress uses it (so the controller keeps
  // it without its key material and reads it in full once the Ingress arrives).
  const host = `${appNs}.example.com`;
  await namespace(kc, appNs);
  await applyService(kc, service({ namespace: appNs, name: 'web' }));
  await applyEndpointSlice(kc, endpointSlice({ namespace: appNs, service: 'web', name: 'web-1', endpoints: [{ addresses: ['10.0.1.10'] }] }));
  const issued = pki.issue({ sans: [host], days: 30 });
  await core.createNamespacedSecret({ namespace: appNs, body: tlsSecret(issued.certPem, issued.keyPem, { namespace: appNs, name: 'shop-tls' }) });

  // The Deployment's own arguments, with loopback ports for metrics and probes.
  const deployment = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: fullname, namespace: releaseNs });
  const [healthPort, metricsPort] = await freePorts(2);
  const health = `127.0.0.1:${String(healthPort)}`;
  const args = (containerOf(deployment).args ?? []).map((a) =>
    a.startsWith('--metrics-bind-address=') ? `--metrics-bind-address=127.0.0.1:${String(metricsPort)}` : a.startsWith('--health-probe-bind-address=') ? `--health-probe-bind-address=${health}` : a,
  );
  const { credentials } = awsClientConfig();
  const controller = spawnCommand(`chart-controller-${releaseNs}`, ['controller', '--kubeconfig', kubeconfig, ...args], {
    AWS_ENDPOINT_URL: endpoint(),
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: credentials.sessionToken }),
    LOG_LEVEL: 'debug',
  });
  started.push(controller);
  /** A wait that gives up at once when the controller exited. */
  const whileRunning = async <T>(what: string, check: () => Promise<T | undefined>): Promise<T> =>
    await eventually(
      what,
      async () => {
        if (controller.exit !== undefined) throw new Error(`the controller exited (${String(controller.exit.code ?? controller.exit.signal)})`);
        return await check();
      },
      60_000,
    );
  try {
    await whileRunning('/readyz 200', async () => ((await httpGet(`http://${health}/readyz`)).status === 200 ? true : undefined));
    const { networking } = apis(kc);
    const read = async (): Promise<V1Ingress | undefined> => await networking.readNamespacedIngress({ name: 'shop', namespace: appNs }).catch(() => undefined);
    const shop = (paths: string[]): V1Ingress => {
      const base = ingress({ namespace: appNs, name: 'shop', host, className: ingressClass, annotations: { scheme: 'internet-facing' }, paths: paths.map((path) => ({ path, service: 'web' })) });
      return { ...base, spec: { ...base.spec, tls: [{ hosts: [host], secretName: 'shop-tls' }] } };
    };

    // Create: finalizer, status and an Event.
    await applyIngress(kc, shop(['/']));
    const created = await whileRunning('the status hostname', async () => ((await read())?.status?.loadBalancer?.ingress?.[0]?.hostname === undefined ? undefined : await read()));
    expect(created?.status?.loadBalancer?.ingress?.[0]?.hostname).toMatch(/\.elb\.amazonaws\.com$/);
    expect(created?.metadata?.finalizers).toContain('albatross.dev/resources');

    // A Pod with the readiness gate behind a Service no Ingress uses: read (get pods) and
    // given its condition at once (patch pods/status).
    await applyService(kc, service({ namespace: appNs, name: 'batch' }));
    await core.createNamespacedPod({ namespace: appNs, body: pod({ namespace: appNs, name: 'batch-1', gated: true }) });
    await applyEndpointSlice(kc, endpointSlice({ namespace: appNs, service: 'batch', name: 'batch-1', endpoints: [{ addresses: ['10.0.1.50'], ready: false, pod: 'batch-1' }] }));
    await whileRunning('the gate condition of a Pod no Ingress routes to', async () => {
      const read = await core.readNamespacedPod({ name: 'batch-1', namespace: appNs });
      return read.status?.conditions?.some((c) => c.type === 'albatross.dev/target-health' && c.status === 'True') === true ? true : undefined;
    });

    // Change: a second path; the same "converged" Event again, counted on the first.
    await applyIngress(kc, shop(['/', '/api']));
    await whileRunning('a second SuccessfullyReconciled', async () =>
      (await eventsOf(kc, appNs, 'shop')).some((e) => e.reason === 'SuccessfullyReconciled' && e.count >= 2) ? true : undefined,
    );

    // The Gateway API: a class of ours (its Accepted written), a Gateway (its finalizer and
    // status) and an HTTPRoute (its parents), then the Gateway deleted (its finalizer removed).
    const gw = kc.makeApiClient(CustomObjectsApi);
    const className = `${fullname}-gateways`;
    await gw.createClusterCustomObject({ group: GATEWAY_GROUP, version: 'v1', plural: 'gatewayclasses', body: { apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'GatewayClass', metadata: { name: className }, spec: { controllerName: 'albatross.dev/gateway' } } });
    await gw.createNamespacedCustomObject({
      group: GATEWAY_GROUP,
      version: 'v1',
      namespace: appNs,
      plural: 'gateways',
      body: { apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'Gateway', metadata: { name: 'edge', namespace: appNs }, spec: { gatewayClassName: className, listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } },
    });
    await gw.createNamespacedCustomObject({
      group: GATEWAY_GROUP,
      version: 'v1',
      namespace: appNs,
      plural: 'httproutes',
      body: { apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'HTTPRoute', metadata: { name: 'web', namespace: appNs }, spec: { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } },
    });
    type WithStatus = { metadata?: { finalizers?: string[] }; status?: { conditions?: { type: string; status: string }[]; parents?: { conditions: { type: string; status: string }[] }[] } };
    const programmed = await whileRunning('the Gateway Programmed', async () => {
      const read = (await gw.getNamespacedCustomObject({ group: GATEWAY_GROUP, version: 'v1', namespace: appNs, plural: 'gateways', name: 'edge' })) as WithStatus;
      return read.status?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True') === true ? read : undefined;
    });
    expect(programmed.metadata?.finalizers).toContain('gateway.albatross.dev/load-balancer');
    await whileRunning('the HTTPRoute accepted', async () => {
      const read = (await gw.getNamespacedCustomObject({ group: GATEWAY_GROUP, version: 'v1', namespace: appNs, plural: 'httproutes', name: 'web' })) as WithStatus;
      return read.status?.parents?.[0]?.conditions.some((c) => c.type === 'Accepted' && c.status === 'True') === true ? true : undefined;
    });
    await whileRunning('the GatewayClass accepted', async () => {
      const read = (await gw.getClusterCustomObject({ group: GATEWAY_GROUP, version: 'v1', plural: 'gatewayclasses', name: className })) as WithStatus;
      return read.status?.conditions?.some((c) => c.type === 'Accepted' && c.status === 'True') === true ? true : undefined;
    });
    await gw.deleteNamespacedCustomObject({ group: GATEWAY_GROUP, version: 'v1', namespace: appNs, plural: 'httproutes', name: 'web' });
    await gw.deleteNamespacedCustomObject({ group: GATEWAY_GROUP, version: 'v1', namespace: appNs, plural: 'gateways', name: 'edge' });
    await whileRunning('the Gateway gone', async () =>
      (await gw.getNamespacedCustomObject({ group: GATEWAY_GROUP, version: 'v1', namespace: appNs, plural: 'gateways', name: 'edge' }).then(
        () => undefined,
        () => true,
      )),
    );
    await gw.deleteClusterCustomObject({ group: GATEWAY_GROUP, version: 'v1', plural: 'gatewayclasses', name: className });

    // Delete: the rules go, then the finalizer, then the Ingress.
    await networking.deleteNamespacedIngress({ name: 'shop', namespace: appNs });
    await whileRunning('the Ingress gone', async () => ((await read()) === undefined ? true : undefined));

    controller.kill('SIGTERM');
    const exit = await controller.exited;
    expect(exit).toEqual({ code: 0, signal: null });
  } catch (error) {
    throw new Error(`${String(error)}\n${controller.tail(40)}`, { cause: error });
  }

  // A finalizer edit from a stale copy meets 409, reads the Ingress again and tries once more.
  // Whether the lifecycle above meets such a conflict is a matter of timing, so the controller's
  // own writer does it here, as the same ServiceAccount, with a copy made stale on purpose.
  const { networking } = apis(kc);
  const bystander = ingress({ namespace: appNs, name: 'conflict', host, className: 'not-ours', paths: [{ path: '/', service: 'web' }] });
  await networking.createNamespacedIngress({ namespace: appNs, body: bystander });
  const stale = await networking.readNamespacedIngress({ name: 'conflict', namespace: appNs });
  await networking.patchNamespacedIngress({ name: 'conflict', namespace: appNs, body: { metadata: { labels: { touched: 'yes' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  const asServiceAccount = new KubeConfig();
  asServiceAccount.loadFromFile(kubeconfig);
  const writes = new ClusterWrites(asServiceAccount, 'chart-test', silentLogger());
  await writes.editFinalizers(stale, { add: ['example.com/test'] });
  const edited = await networking.readNamespacedIngress({ name: 'conflict', namespace: appNs });
  expect(edited.metadata?.finalizers).toEqual(['example.com/test']);
  await writes.editFinalizers(edited, { remove: ['example.com/test'] });
  await networking.deleteNamespacedIngress({ name: 'conflict', namespace: appNs });
  return controller;
}

/**
 * What the chart's ServiceAccount asked of the API server, checked against what the chart grants
 * it: no request refused (by the controller's account and by the audit log), every
 * (verb, resource) granted was used, every one used is granted. Returns the audit events.
 */
async function expectRbacExact(install: Install, controller: ControllerProcess, namespacedRoles: readonly { readonly name: string; readonly namespace: string }[]): Promise<AuditEvent[]> {
  const saUser = `system:serviceaccount:${install.namespace}:${install.fullname}`;
  expect(controller.stderr()).not.toMatch(/\b403\b|forbidden/i);
  const events = auditEvents(saUser);
  const refused = events.filter((e) => e.responseStatus?.code === 403).map((e) => `${e.verb} ${e.requestURI}`);
  expect(refused).toEqual([]);

  const used = new Set(
    events
      .filter((e) => e.objectRef?.resource !== undefined)
      .map((e) => permission(e.verb, e.objectRef?.apiGroup ?? '', `${e.objectRef?.resource ?? ''}${e.objectRef?.subresource === undefined ? '' : `/${e.objectRef.subresource}`}`)),
  );
  const rbac = env.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  const clusterRole: V1ClusterRole = await rbac.readClusterRole({ name: install.fullname });
  const roles = await Promise.all(namespacedRoles.map(async (r) => await rbac.readNamespacedRole(r)));
  const grants = new Set([...granted(clusterRole.rules ?? []), ...roles.flatMap((r) => granted(r.rules ?? []))]);
  console.log(`chart RBAC (${install.namespace}): granted ${[...grants].sort().join(', ')}; used ${[...used].sort().join(', ')}`);
  expect([...grants].filter((g) => !used.has(g)).sort()).toEqual([]);
  expect([...used].filter((u) => !grants.has(u)).sort()).toEqual([]);
  // The Lease requests stayed in the release namespace.
  expect(new Set(events.filter((e) => e.objectRef?.resource === 'leases').map((e) => e.objectRef?.namespace))).toEqual(new Set([install.namespace]));
  return events;
}

describe('installed into the API server (RBAC on)', () => {
  test('helm install succeeds and creates the CRD, the RBAC, the Deployment and the IngressClass', async () => {
    const out = await helmOk(['install', RELEASE, chartDir, '--namespace', RELEASE_NS, '--create-namespace', '--kubeconfig', env.kubeconfigPath, '--values', installValues()]);
    expect(out).toMatch(/STATUS: deployed/);
    const kc = env.kubeConfig;
    const crd = await kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: 'ingressclassparams.albatross.dev' });
    expect(crd.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
    expect(crd.metadata?.annotations?.['helm.sh/resource-policy']).toBe('keep');
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const clusterRole = await rbac.readClusterRole({ name: RELEASE });
    expect(granted(clusterRole.rules ?? [])).toContain('patch networking.k8s.io/ingresses/status');
    expect((await rbac.readClusterRoleBinding({ name: RELEASE })).subjects).toEqual([{ kind: 'ServiceAccount', name: RELEASE, namespace: RELEASE_NS }]);
    expect(granted((await rbac.readNamespacedRole({ name: `${RELEASE}-leader-election`, namespace: RELEASE_NS })).rules ?? [])).toEqual(
      expect.arrayContaining(['create coordination.k8s.io/leases', 'get coordination.k8s.io/leases', 'update coordination.k8s.io/leases']),
    );
    expect((await rbac.readNamespacedRoleBinding({ name: `${RELEASE}-leader-election`, namespace: RELEASE_NS })).roleRef.name).toBe(`${RELEASE}-leader-election`);
    const core = kc.makeApiClient(CoreV1Api);
    await core.readNamespacedServiceAccount({ name: RELEASE, namespace: RELEASE_NS });
    expect((await core.readNamespacedService({ name: `${RELEASE}-metrics`, namespace: RELEASE_NS })).spec?.ports?.[0]?.port).toBe(8080);
    const deployment = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: RELEASE, namespace: RELEASE_NS });
    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.spec?.template.spec?.serviceAccountName).toBe(RELEASE);
    expect((await kc.makeApiClient(PolicyV1Api).readNamespacedPodDisruptionBudget({ name: RELEASE, namespace: RELEASE_NS })).spec?.maxUnavailable).toBe(1);
    const ingressClass = await apis(kc).networking.readIngressClass({ name: 'alb' });
    expect(ingressClass.spec).toMatchObject({ controller: 'albatross.dev/alb', parameters: { apiGroup: 'albatross.dev', kind: 'IngressClassParams', name: 'alb', scope: 'Cluster' } });
    const params = (await kc.makeApiClient(CustomObjectsApi).getClusterCustomObject({ group: 'albatross.dev', version: 'v1', plural: 'ingressclassparams', name: 'alb' })) as { spec?: unknown };
    expect(params.spec).toEqual({ scheme: 'internet-facing' });
  }, 90_000);

  test('the controller, as the chart\'s ServiceAccount, runs an Ingress from create to delete; every rule granted is used and none is missing', async () => {
    const install: Install = { fullname: RELEASE, namespace: RELEASE_NS, appNamespace: APP_NS, ingressClass: 'alb' };
    const controller = await runLifecycle(install);
    const events = await expectRbacExact(install, controller, [{ name: `${RELEASE}-leader-election`, namespace: RELEASE_NS }]);
    // Without watchNamespace, Secrets are listed and watched across all namespaces.
    expect(events.some((e) => e.objectRef?.resource === 'secrets' && e.verb === 'list' && e.objectRef.namespace === undefined)).toBe(true);
  }, 240_000);

  test('helm upgrade with a changed CRD changes the CRD in the API server', async () => {
    const api = env.kubeConfig.makeApiClient(ApiextensionsV1Api);
    const before = await api.readCustomResourceDefinition({ name: 'ingressclassparams.albatross.dev' });
    const columns = (crd: typeof before): string[] => (crd.spec.versions[0]?.additionalPrinterColumns ?? []).map((c) => c.name);
    expect(columns(before)).not.toContain('CLASS-TEST');

    // The next chart version, whose CRD has one more printer column.
    const next = join(scratch, 'chart-next');
    cpSync(chartDir, next, { recursive: true });
    const crdFile = join(next, 'files/crds/ingressclassparams.yaml');
    const crdText = readFileSync(crdFile, 'utf8');
    const marker = '        - name: AGE\n';
    expect(crdText).toContain(marker);
    writeFileSync(crdFile, crdText.replace(marker, `        - name: CLASS-TEST\n          type: string\n          jsonPath: .metadata.name\n${marker}`));
    writeFileSync(join(next, 'Chart.yaml'), readFileSync(join(next, 'Chart.yaml'), 'utf8').replace(/^version: .*$/m, 'version: 0.1.1-test'));

    const out = await helmOk(['upgrade', RELEASE, next, '--namespace', RELEASE_NS, '--kubeconfig', env.kubeconfigPath, '--values', installValues({ scheme: 'internet-facing', ipAddressType: 'dualstack' })]);
    expect(out).toMatch(/REVISION: 2/);
    const after = await api.readCustomResourceDefinition({ name: 'ingressclassparams.albatross.dev' });
    expect(columns(after)).toEqual([...columns(before).slice(0, -1), 'CLASS-TEST', 'AGE']);
    expect(after.metadata?.labels?.['helm.sh/chart']).toBe('albatross-0.1.1-test');
    // The IngressClassParams (a hook, applied after the CRD) has the new values.
    const params = (await env.kubeConfig.makeApiClient(CustomObjectsApi).getClusterCustomObject({ group: 'albatross.dev', version: 'v1', plural: 'ingressclassparams', name: 'alb' })) as { spec?: unknown };
    expect(params.spec).toEqual({ scheme: 'internet-facing', ipAddressType: 'dualstack' });

    // Uninstalling keeps the CRD (and with it every IngressClassParams).
    await helmOk(['uninstall', RELEASE, '--namespace', RELEASE_NS, '--kubeconfig', env.kubeconfigPath]);
    expect((await api.readCustomResourceDefinition({ name: 'ingressclassparams.albatross.dev' })).metadata?.name).toBe('ingressclassparams.albatross.dev');
  }, 90_000);
});

describe('installed with watchNamespace: Secrets readable in the watched namespaces only', () => {
  // A release of its own (cluster-scoped names do not meet the first one's); the CRD is already there.
  const install: Install = { fullname: 'albatross-scoped', namespace: 'albatross-scoped', appNamespace: 'tenant-a', ingressClass: 'scoped' };
  const watched = ['tenant-a', 'tenant-b'];
  const secretRoles = watched.map((ns) => ({ name: `${install.fullname}-secrets`, namespace: ns }));
  const podRoles = watched.map((ns) => ({ name: `${install.fullname}-pods`, namespace: ns }));
  const saUser = `system:serviceaccount:${install.namespace}:${install.fullname}`;

  test('helm install grants Secrets through a Role and RoleBinding in each watched namespace, not the ClusterRole', async () => {
    const kc = env.kubeConfig;
    // RoleBindings go into the watched namespaces, so these exist first.
    for (const ns of watched) await namespace(kc, ns);
    // With the NetworkPolicy of the everything-values file, which the API server must accept.
    const { networkPolicy } = loadYaml<{ networkPolicy: unknown }>(readFileSync(everythingValues, 'utf8'));
    const values = installValues(
      { scheme: 'internet-facing' },
      { watchNamespace: watched.join(','), ingressClass: install.ingressClass, crds: { install: false }, networkPolicy, gatewayClass: { enabled: true, name: 'scoped-gateways' } },
      'scoped-values.json',
    );
    const out = await helmOk(['install', install.fullname, chartDir, '--namespace', install.namespace, '--create-namespace', '--kubeconfig', env.kubeconfigPath, '--values', values]);
    expect(out).toMatch(/STATUS: deployed/);
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const clusterRole = await rbac.readClusterRole({ name: install.fullname });
    expect(granted(clusterRole.rules ?? []).filter((g) => g.endsWith(' core/secrets'))).toEqual([]);
    for (const role of secretRoles) {
      expect(granted((await rbac.readNamespacedRole(role)).rules ?? []).sort()).toEqual(['get core/secrets', 'list core/secrets', 'watch core/secrets']);
      const binding = await rbac.readNamespacedRoleBinding(role);
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: install.fullname, namespace: install.namespace }]);
    }
    // As the API server stored it (read as plain JSON, without the client's models).
    const policy = (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: 'networking.k8s.io', version: 'v1', namespace: install.namespace, plural: 'networkpolicies', name: install.fullname })) as { spec?: unknown };
    expect(policy.spec).toEqual(networkPolicySpecOf({ networkPolicy }, 'albatross', install.fullname));
    // The GatewayClass of gatewayClass.enabled, waiting for its controller.
    const gatewayClass = (await kc.makeApiClient(CustomObjectsApi).getClusterCustomObject({ group: GATEWAY_GROUP, version: 'v1', plural: 'gatewayclasses', name: 'scoped-gateways' })) as {
      metadata?: { labels?: Record<string, string> };
      spec?: unknown;
      status?: { conditions?: { type: string; status: string; reason: string }[] };
    };
    expect(gatewayClass.spec).toEqual({ controllerName: 'albatross.dev/gateway' });
    expect(gatewayClass.metadata?.labels?.['app.kubernetes.io/instance']).toBe(install.fullname);
    expect(gatewayClass.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.reason}`)).toEqual(['Accepted=Unknown Pending']);
  }, 90_000);

  test('the controller runs an Ingress with a TLS Secret from create to delete with no 403; every rule granted is used and none is missing', async () => {
    const controller = await runLifecycle(install);
    const events = await expectRbacExact(install, controller, [{ name: `${install.fullname}-leader-election`, namespace: install.namespace }, ...secretRoles, ...podRoles]);
    // Secrets were listed and watched in each watched namespace, read in full in the Ingress's, and nowhere else.
    const secretRequests = events.filter((e) => e.objectRef?.resource === 'secrets');
    expect(new Set(secretRequests.map((e) => `${e.verb} ${e.objectRef?.namespace ?? '(all)'}`))).toEqual(
      new Set(['list tenant-a', 'watch tenant-a', 'get tenant-a', 'list tenant-b', 'watch tenant-b']),
    );
  }, 240_000);

  test('SubjectAccessReview: the ServiceAccount may read Secrets in the watched namespaces and in no other', async () => {
    const authz = env.kubeConfig.makeApiClient(AuthorizationV1Api);
    const can = async (verb: string, ns: string): Promise<boolean> =>
      (
        await authz.createSubjectAccessReview({
          body: {
            spec: {
              user: saUser,
              groups: ['system:serviceaccounts', `system:serviceaccounts:${install.namespace}`, 'system:authenticated'],
              resourceAttributes: { verb, resource: 'secrets', ...(ns === '' ? {} : { namespace: ns }) },
            },
          },
        })
      ).status?.allowed === true;
    const answers: Record<string, boolean> = {};
    for (const verb of ['get', 'list', 'watch'])
      for (const ns of [...watched, APP_NS, install.namespace, 'kube-system', '']) answers[`${verb} ${ns === '' ? '(all namespaces)' : ns}`] = await can(verb, ns);
    expect(answers).toEqual(
      Object.fromEntries(Object.keys(answers).map((k) => [k, watched.some((ns) => k.endsWith(` ${ns}`))])),
    );
    // The same review sees the rest of the ClusterRole: the check is not refusing everything.
    expect(
      (
        await authz.createSubjectAccessReview({
          body: { spec: { user: saUser, groups: ['system:serviceaccounts'], resourceAttributes: { verb: 'list', group: 'networking.k8s.io', resource: 'ingresses' } } },
        })
      ).status?.allowed,
    ).toBe(true);
  }, 30_000);

  test('SubjectAccessReview: in every namespace, watched or not, the ServiceAccount may read the four Gateway API kinds, write their status and a Gateway\'s finalizer, and nothing else of the Gateway API', async () => {
    const authz = env.kubeConfig.makeApiClient(AuthorizationV1Api);
    const can = async (verb: string, resource: string, ns: string): Promise<boolean> => {
      const [name = resource, subresource] = resource.split('/');
      const review = await authz.createSubjectAccessReview({
        body: {
          spec: {
            user: saUser,
            groups: ['system:serviceaccounts', `system:serviceaccounts:${install.namespace}`, 'system:authenticated'],
            resourceAttributes: { verb, group: GATEWAY_GROUP, resource: name, ...(subresource === undefined ? {} : { subresource }), ...(ns === '' ? {} : { namespace: ns }) },
          },
        },
      });
      return review.status?.allowed === true;
    };
    const resources = ['gatewayclasses', 'gateways', 'httproutes', 'referencegrants', 'grpcroutes', 'gatewayclasses/status', 'gateways/status', 'httproutes/status', 'referencegrants/status'];
    const answers: Record<string, boolean> = {};
    for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'])
      for (const resource of resources)
        for (const ns of [watched[0] ?? '', 'kube-system', '']) answers[`${verb} ${GATEWAY_GROUP}/${resource} in ${ns === '' ? '(all namespaces)' : ns}`] = await can(verb, resource, ns);
    expect(answers).toEqual(Object.fromEntries(Object.keys(answers).map((k) => [k, GATEWAY_GRANTS.includes(k.replace(/ in .*$/, ''))])));
    expect(Object.values(answers).filter(Boolean)).toHaveLength(GATEWAY_GRANTS.length * 3);
  }, 60_000);
});

describe('readinessGateInjection: a MutatingAdmissionPolicy, applied by the API server itself', () => {
  const gate = 'albatross.dev/target-health';
  const gatesOf = (p: { spec?: { readinessGates?: { conditionType: string }[] } }): string[] => (p.spec?.readinessGates ?? []).map((g) => g.conditionType);

  test('Pods created in a labelled namespace get the gate once; other namespaces, opted-out Pods and Pods that never restart do not', async () => {
    const kc = env.kubeConfig;
    const docs = (loadAllYaml(await helmOk(['template', 'gates', chartDir, '--namespace', 'gates-system', '--show-only', 'templates/readiness-gate-injection.yaml', '--set', 'clusterName=demo', '--set', 'readinessGateInjection.enabled=true'])) as Manifest[]).filter(
      (d) => typeof d === 'object' && d !== null,
    );
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(['MutatingAdmissionPolicy/gates-albatross-readiness-gate', 'MutatingAdmissionPolicyBinding/gates-albatross-readiness-gate']);
    const custom = kc.makeApiClient(CustomObjectsApi);
    for (const doc of docs) {
      const plural = doc.kind === 'MutatingAdmissionPolicy' ? 'mutatingadmissionpolicies' : 'mutatingadmissionpolicybindings';
      await custom.createClusterCustomObject({ group: 'admissionregistration.k8s.io', version: 'v1', plural, body: doc });
    }
    await namespace(kc, 'gated-apps', { 'albatross.dev/readiness-gate-inject': 'enabled' });
    await namespace(kc, 'plain-apps');
    const core = kc.makeApiClient(CoreV1Api);

    // The API server picks a new policy up within moments: a Pod is made until one has the gate.
    let attempt = 0;
    await eventually('the policy in force', async () => {
      const made = await core.createNamespacedPod({ namespace: 'gated-apps', body: pod({ namespace: 'gated-apps', name: `probe-${String(++attempt)}` }) });
      return gatesOf(made).includes(gate) ? true : undefined;
    });

    const create = async (ns: string, name: string, change: (p: V1Pod) => V1Pod = (p) => p): Promise<string[]> => gatesOf(await core.createNamespacedPod({ namespace: ns, body: change(pod({ namespace: ns, name })) }));
    expect(await create('gated-apps', 'web')).toEqual([gate]);
    expect(await create('gated-apps', 'other-gate', (p) => ({ ...p, spec: { ...p.spec, containers: p.spec?.containers ?? [], readinessGates: [{ conditionType: 'example.com/warm' }] } }))).toEqual(['example.com/warm', gate]);
    expect(await create('gated-apps', 'has-it', (p) => ({ ...p, spec: { ...p.spec, containers: p.spec?.containers ?? [], readinessGates: [{ conditionType: gate }] } }))).toEqual([gate]);
    expect(await create('gated-apps', 'opted-out', (p) => ({ ...p, metadata: { ...p.metadata, labels: { 'albatross.dev/readiness-gate-inject': 'disabled' } } }))).toEqual([]);
    expect(await create('gated-apps', 'job', (p) => ({ ...p, spec: { ...p.spec, containers: p.spec?.containers ?? [], restartPolicy: 'Never' } }))).toEqual([]);
    expect(await create('plain-apps', 'web')).toEqual([]);
  }, 60_000);
});
