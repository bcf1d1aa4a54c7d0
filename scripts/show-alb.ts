// Prints what a cluster's load balancers route, read straight from AWS (or the emulator):
// per listener the rules in priority order with conditions and action, then the target
// groups with their targets. Used by the demo:
//   node scripts/show-alb.ts --cluster-name demo [--endpoint URL] [--region R]
import { parseArgs } from 'node:util';
import {
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type Action,
  type RuleCondition,
} from '@aws-sdk/client-elastic-load-balancing-v2';

const { values } = parseArgs({ options: { 'cluster-name': { type: 'string' }, endpoint: { type: 'string' }, region: { type: 'string' } } });
const cluster = values['cluster-name'] ?? 'default';
const endpoint = values.endpoint ?? process.env.AWS_ENDPOINT_URL;
const elb = new ElasticLoadBalancingV2Client({
  region: values.region ?? process.env.AWS_REGION ?? 'us-east-1',
  ...(endpoint ? { endpoint } : {}),
});

const tagsOf = async (arns: string[]): Promise<Map<string, Record<string, string>>> => {
  const out = new Map<string, Record<string, string>>();
  for (let i = 0; i < arns.length; i += 20) {
    const res = await elb.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }));
    for (const d of res.TagDescriptions ?? []) out.set(d.ResourceArn ?? '', Object.fromEntries((d.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])));
  }
  return out;
};

const lbs = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
const lbTags = await tagsOf(lbs.map((l) => l.LoadBalancerArn ?? ''));
const tgs = (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
const tgName = new Map(tgs.map((t) => [t.TargetGroupArn ?? '', t.TargetGroupName ?? '']));

const cond = (c: RuleCondition): string => {
  const v = (xs: string[] | undefined): string => (xs ?? []).join(' | ');
  switch (c.Field) {
    case 'host-header': return `host ${v(c.HostHeaderConfig?.Values ?? c.Values)}`;
    case 'path-pattern': return `path ${v(c.PathPatternConfig?.Values ?? c.Values)}`;
    case 'http-header': return `header ${c.HttpHeaderConfig?.HttpHeaderName}: ${v(c.HttpHeaderConfig?.Values)}`;
    case 'http-request-method': return `method ${v(c.HttpRequestMethodConfig?.Values)}`;
    case 'source-ip': return `source ${v(c.SourceIpConfig?.Values)}`;
    case 'query-string': return `query ${(c.QueryStringConfig?.Values ?? []).map((q) => `${q.Key ?? ''}=${q.Value}`).join(' | ')}`;
    case undefined:
    default: return String(c.Field);
  }
};
const act = (a: Action | undefined): string => {
  if (a === undefined) return '-';
  if (a.Type === 'forward') {
    const groups = a.ForwardConfig?.TargetGroups ?? [{ TargetGroupArn: a.TargetGroupArn, Weight: 1 }];
    return `forward ${groups.map((g) => `${tgName.get(g.TargetGroupArn ?? '') ?? g.TargetGroupArn}${groups.length > 1 ? ` (${g.Weight})` : ''}`).join(', ')}`;
  }
  if (a.Type === 'redirect') return `redirect ${a.RedirectConfig?.StatusCode} ${a.RedirectConfig?.Protocol}://${a.RedirectConfig?.Host}:${a.RedirectConfig?.Port}${a.RedirectConfig?.Path}`;
  if (a.Type === 'fixed-response') return `fixed-response ${a.FixedResponseConfig?.StatusCode}`;
  return String(a.Type);
};

const used = new Set<string>();
for (const lb of lbs) {
  const tags = lbTags.get(lb.LoadBalancerArn ?? '') ?? {};
  if (tags['albatross.dev/cluster'] !== cluster) continue;
  console.log(`\nLoad balancer ${lb.LoadBalancerName} (group ${tags['albatross.dev/group']}, ${lb.Scheme})`);
  console.log(`  DNS name: ${lb.DNSName}`);
  const listeners = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [];
  for (const l of listeners.sort((a, b) => (a.Port ?? 0) - (b.Port ?? 0))) {
    console.log(`  Listener ${l.Protocol}:${l.Port}${l.SslPolicy && l.Protocol === 'HTTPS' ? ` (policy ${l.SslPolicy})` : ''}`);
    if (l.Protocol === 'HTTPS') {
      const certs = (await elb.send(new DescribeListenerCertificatesCommand({ ListenerArn: l.ListenerArn }))).Certificates ?? [];
      for (const c of certs) console.log(`    certificate ${c.CertificateArn}${c.IsDefault ? ' (default)' : ''}`);
    }
    const rules = (await elb.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn }))).Rules ?? [];
    const order = (p: string | undefined): number => (p === 'default' ? Infinity : Number(p));
    const rows = rules.sort((a, b) => order(a.Priority) - order(b.Priority)).map((r): [string, string, string] => {
      for (const a of r.Actions ?? []) for (const g of a.ForwardConfig?.TargetGroups ?? []) used.add(g.TargetGroupArn ?? '');
      return [r.Priority ?? '', r.IsDefault ? '(no rule matched)' : (r.Conditions ?? []).map(cond).join(' AND '), act(r.Actions?.[0])];
    });
    const width = { priority: 8, conditions: Math.max(10, ...rows.map(([, c]) => c.length)) };
    console.log(`    ${'PRIORITY'.padEnd(width.priority)}  ${'CONDITIONS'.padEnd(width.conditions)}  ACTION`);
    for (const [p, c, a] of rows) console.log(`    ${p.padEnd(width.priority)}  ${c.padEnd(width.conditions)}  ${a}`);
  }
}
console.log('\nTarget groups');
for (const tg of tgs) {
  if (!used.has(tg.TargetGroupArn ?? '')) continue;
  const health = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions ?? [];
  const targets = health.map((h) => `${h.Target?.Id}:${h.Target?.Port}`).join(', ');
  console.log(`  ${tg.TargetGroupName}  ${tg.Protocol} ${tg.ProtocolVersion}, health ${tg.HealthCheckPath}  targets: ${targets || '(none)'}`);
}
elb.destroy();
