// Shared set-up for pipeline tests against the emulator: a network per test cluster, an Aws
// with fast retries, and a reader that routes requests through what AWS holds, rule by rule,
// the way ALB does.
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  paginateDescribeLoadBalancers,
  type Action,
  type LoadBalancer,
  type Rule,
  type TagDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { defined } from '../../defined.js';
import { bootstrapNetwork } from '../../../localstack/bootstrap.js';
import { Aws } from '../../../src/aws/clients.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { ClusterView } from '../../../src/cluster/view.js';
import { reconcileCluster, type ReconcileResult } from '../../../src/pipeline/cluster.js';
import { GroupKey } from '../../../src/model/ids.js';
import { reconcileDeps } from '../../../src/pipeline/reconcile.js';
import { BackendSecurityGroup, type BackendSecurityGroupSetting } from '../../../src/pipeline/backend-security-group.js';
import { awsClientConfig, emulatorRateLimits, endpoint, region } from '../emulator/emulator.js';
import { recordingFromEnv } from '../iam/recorder.js';

export interface TestCluster {
  readonly clusterName: string;
  readonly vpcId: string;
  readonly aws: Aws;
  readonly elbv2: ElasticLoadBalancingV2Client;
  /**
   * Runs the pipeline over every group, as the CLI does; `aws.calls` holds only this run's calls
   * afterwards. The backend security group is off unless `backendSecurityGroup` says otherwise:
   * most tests are about something else, and `backend-security-group.test.ts` tests it.
   */
  run(view: ClusterView, mode?: 'plan' | 'apply', options?: { readonly backendSecurityGroup?: BackendSecurityGroupSetting }): Promise<ReconcileResult>;
  close(): void;
}

let counter = 0;

export async function testCluster(label: string): Promise<TestCluster> {
  const clusterName = `${label}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  const network = await bootstrapNetwork({ endpoint: endpoint(), region: region(), clusterName, credentials: awsClientConfig().credentials });
  // ALBATROSS_RECORD_AWS=<file>: every request recorded for the IAM policy test (test/integration/iam).
  const recording = recordingFromEnv(clusterName);
  const aws = new Aws({
    region: region(),
    endpoint: endpoint(),
    retryPolicy: { retries: 6, minDelayMs: 5, maxDelayMs: 20 },
    rateLimits: emulatorRateLimits,
    ...(recording === undefined ? {} : { clients: recording }),
  });
  const elbv2 = new ElasticLoadBalancingV2Client(awsClientConfig());
  return {
    clusterName,
    vpcId: network.vpcId,
    aws,
    elbv2,
    async run(view, mode = 'apply', options = {}) {
      aws.calls.reset();
      const backendSecurityGroup = new BackendSecurityGroup(options.backendSecurityGroup ?? { kind: 'off' }, clusterName);
      return await reconcileCluster(view, reconcileDeps(aws, { clusterName, vpcId: network.vpcId, mode, logger: silentLogger(), backendSecurityGroup }));
    },
    close() {
      aws.destroy();
      recording?.destroy();
      elbv2.destroy();
    },
  };
}

/** A listener as AWS holds it, with its rules. */
export interface ObservedListener {
  readonly arn: string;
  readonly rules: readonly Rule[];
}

/** A load balancer of the cluster as AWS holds it, with its rules by listener port. */
export interface ObservedAlb {
  readonly arn: string;
  readonly listeners: ReadonlyMap<number, ObservedListener>;
  /** Target group ARN -> name. */
  readonly targetGroupNames: ReadonlyMap<string, string>;
  /** Target group name -> `namespace/service` it serves, read from its `albatross.dev/resource` tag in AWS. */
  readonly targetGroupServices: ReadonlyMap<string, string>;
}

/** Every load balancer of the region, every page: the emulator is shared by the whole suite, and its load balancers are many. */
export async function allLoadBalancers(elbv2: ElasticLoadBalancingV2Client): Promise<LoadBalancer[]> {
  const lbs: LoadBalancer[] = [];
  for await (const page of paginateDescribeLoadBalancers({ client: elbv2 }, {})) lbs.push(...(page.LoadBalancers ?? []));
  return lbs;
}

export async function readAlb(cluster: TestCluster, group: string): Promise<ObservedAlb | null> {
  const { elbv2 } = cluster;
  const lbs = await allLoadBalancers(elbv2);
  if (lbs.length === 0) return null;
  const tags: TagDescription[] = [];
  for (let i = 0; i < lbs.length; i += 20) {
    const batch = lbs.slice(i, i + 20).map((l) => defined(l.LoadBalancerArn, 'LoadBalancerArn'));
    tags.push(...((await elbv2.send(new DescribeTagsCommand({ ResourceArns: batch }))).TagDescriptions ?? []));
  }
  // `group` is a group.name (any class) or a group key `<class>:<name>` (that class only).
  const { group: name, ingressClass } = GroupKey.tags(group);
  const mine = tags.find((t) => {
    const m = Object.fromEntries((t.Tags ?? []).map((x) => [x.Key ?? '', x.Value ?? '']));
    return m['albatross.dev/cluster'] === cluster.clusterName && m['albatross.dev/group'] === name && (ingressClass === undefined || m['albatross.dev/ingress-class'] === ingressClass);
  });
  if (mine === undefined) return null;
  const arn = defined(mine.ResourceArn, 'ResourceArn of the tagged load balancer');
  const listeners = new Map<number, ObservedListener>();
  for (const l of (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: arn }))).Listeners ?? []) {
    const rules = (await elbv2.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn }))).Rules ?? [];
    listeners.set(defined(l.Port, 'listener Port'), { arn: defined(l.ListenerArn, 'ListenerArn'), rules });
  }
  const tgs = (await elbv2.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: arn }))).TargetGroups ?? [];
  const services = new Map<string, string>();
  for (let i = 0; i < tgs.length; i += 20) {
    const batch = tgs.slice(i, i + 20);
    const described = (await elbv2.send(new DescribeTagsCommand({ ResourceArns: batch.map((t) => t.TargetGroupArn ?? '') }))).TagDescriptions ?? [];
    for (const d of described) {
      const id = d.Tags?.find((t) => t.Key === 'albatross.dev/resource')?.Value ?? '';
      const name = tgs.find((t) => t.TargetGroupArn === d.ResourceArn)?.TargetGroupName ?? '';
      // ids are `tg/<namespace>/<service>:<port>/...`
      const match = /^tg\/([^/]+)\/([^:]+):/.exec(id);
      if (match !== null) services.set(name, `${match[1]}/${match[2]}`);
    }
  }
  return {
    arn,
    listeners,
    targetGroupNames: new Map(tgs.map((t) => [t.TargetGroupArn ?? '', t.TargetGroupName ?? ''])),
    targetGroupServices: services,
  };
}

/** The load balancer of a group that the test expects to exist. */
export async function requireAlb(cluster: TestCluster, group: string): Promise<ObservedAlb> {
  return defined(await readAlb(cluster, group), `a load balancer for group ${group} of cluster ${cluster.clusterName}`);
}

/** The listener on a port that the test expects to exist. */
export function listenerOf(alb: ObservedAlb, port: number): ObservedListener {
  return defined(alb.listeners.get(port), `a listener on port ${port} of ${alb.arn}`);
}

function glob(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, caseInsensitive ? 'i' : '').test(value);
}

/**
 * Where ALB sends `host` + `path` on a listener: the first rule by priority whose conditions
 * all match (any value within a condition), else the default rule. Returns a readable
 * action: `forward <target group name>`, `fixed-response 404`, `redirect ...`.
 */
export function route(alb: ObservedAlb, port: number, host: string, path: string): string {
  const rules = [...(alb.listeners.get(port)?.rules ?? [])].sort((a, b) =>
    a.IsDefault ? 1 : b.IsDefault ? -1 : Number(a.Priority) - Number(b.Priority),
  );
  for (const rule of rules) {
    const matches = (rule.Conditions ?? []).every((c) => {
      if (c.Field === 'host-header') return (c.HostHeaderConfig?.Values ?? c.Values ?? []).some((v) => glob(v, host, true));
      if (c.Field === 'path-pattern') return (c.PathPatternConfig?.Values ?? c.Values ?? []).some((v) => glob(v, path, false));
      return false;
    });
    if (rule.IsDefault === true || matches) return describeAction(alb, rule.Actions?.[0]);
  }
  return 'none';
}

function describeAction(alb: ObservedAlb, action: Action | undefined): string {
  if (action?.Type === 'forward') {
    const arn = action.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn ?? action.TargetGroupArn ?? '';
    return `forward ${alb.targetGroupNames.get(arn) ?? arn}`;
  }
  if (action?.Type === 'fixed-response') return `fixed-response ${action.FixedResponseConfig?.StatusCode}`;
  if (action?.Type === 'redirect') return `redirect ${action.RedirectConfig?.Path}`;
  return String(action?.Type);
}
