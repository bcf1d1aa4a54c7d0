// A Gateway's load balancer as the emulator holds it, read with plain SDK calls (none of
// Albatross's own readers), and requests routed through it as ALB does: the listener of the
// request's port, its rules by priority through the ALB router model
// (test/unit/translate/alb-router.ts), the certificate ALB would pick by SNI, then the action:
// the targets of the forward's target groups (their addresses name the backends), a fixed
// response, or the Location of a redirect.
import { X509Certificate } from 'node:crypto';
import { ACMClient, GetCertificateCommand } from '@aws-sdk/client-acm';
import {
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type Action,
  type RedirectActionConfig,
  type RuleCondition,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { ConditionSpec } from '../../../src/model/resources.js';
import { awsClientConfig } from '../../integration/emulator/emulator.js';
import { conditionMatches, type AlbRequest } from '../../unit/translate/alb-router.js';
import type { ExpectedRequest } from './scenarios.js';

export interface AlbRule {
  readonly priority: number;
  readonly conditions: readonly ConditionSpec[];
  readonly actions: readonly Action[];
}

export interface AlbListener {
  readonly port: number;
  readonly protocol: string;
  /** Certificate ARNs, the default first. */
  readonly certificates: readonly string[];
  /** Non-default rules by ascending priority. */
  readonly rules: readonly AlbRule[];
  readonly defaultActions: readonly Action[];
}

export interface Alb {
  readonly arn: string;
  readonly dnsName: string;
  readonly listeners: ReadonlyMap<number, AlbListener>;
  /** Target group ARN -> the addresses of its targets (draining ones left out). */
  readonly targets: ReadonlyMap<string, readonly string[]>;
}

/** What a request got. */
export type Outcome =
  | { readonly kind: 'forward'; readonly shares: readonly { readonly targetGroup: string; readonly weight: number; readonly addresses: readonly string[] }[] }
  | { readonly kind: 'fixed'; readonly status: number }
  | { readonly kind: 'redirect'; readonly status: number; readonly location: URL }
  | { readonly kind: 'refused'; readonly why: string };

/** Reads the emulator: a Gateway's load balancer (by the cluster and group tags the controller puts on it). */
export class AlbReader {
  private readonly elbv2 = new ElasticLoadBalancingV2Client(awsClientConfig());
  private readonly tagging = new ResourceGroupsTaggingAPIClient(awsClientConfig());
  private readonly acm = new ACMClient(awsClientConfig());
  private readonly certificateBodies = new Map<string, Promise<string>>();

  constructor(private readonly clusterName: string) {}

  /** The load balancer of the Gateway `namespace/name`, or `null` when there is none. */
  async read(gateway: string): Promise<Alb | null> {
    const tagged = await this.tagging.send(
      new GetResourcesCommand({
        ResourceTypeFilters: ['elasticloadbalancing:loadbalancer'],
        TagFilters: [
          { Key: 'albatross.dev/cluster', Values: [this.clusterName] },
          { Key: 'albatross.dev/group', Values: [`gateway:${gateway}`] },
        ],
      }),
    );
    const arns = (tagged.ResourceTagMappingList ?? []).map((r) => r.ResourceARN ?? '').filter((a) => a.includes(':loadbalancer/app/'));
    if (arns.length === 0) return null;
    if (arns.length > 1) throw new Error(`Gateway ${gateway} has ${arns.length} load balancers: ${arns.join(', ')}`);
    const arn = arns[0] ?? '';
    const lb = (await this.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }))).LoadBalancers?.[0];
    if (lb === undefined) return null;
    const listeners = new Map<number, AlbListener>();
    const targets = new Map<string, readonly string[]>();
    for (const l of (await this.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: arn }))).Listeners ?? []) {
      const listenerArn = l.ListenerArn ?? '';
      const [rules, certificates] = await Promise.all([
        this.elbv2.send(new DescribeRulesCommand({ ListenerArn: listenerArn })),
        l.Protocol === 'HTTPS' ? this.elbv2.send(new DescribeListenerCertificatesCommand({ ListenerArn: listenerArn })) : Promise.resolve({ Certificates: [] }),
      ]);
      const byDefault = (l.Certificates ?? []).map((c) => c.CertificateArn ?? '');
      const listed = (certificates.Certificates ?? []).map((c) => ({ arn: c.CertificateArn ?? '', isDefault: c.IsDefault === true }));
      const defaults = [...listed.filter((c) => c.isDefault).map((c) => c.arn), ...byDefault];
      const all = [...new Set([...defaults, ...listed.map((c) => c.arn)])];
      let defaultActions: Action[] = l.DefaultActions ?? [];
      const own: AlbRule[] = [];
      for (const r of rules.Rules ?? []) {
        if (r.IsDefault === true) defaultActions = r.Actions ?? defaultActions;
        else own.push({ priority: Number(r.Priority), conditions: (r.Conditions ?? []).map(conditionOf), actions: r.Actions ?? [] });
      }
      own.sort((a, b) => a.priority - b.priority);
      listeners.set(l.Port ?? 0, { port: l.Port ?? 0, protocol: l.Protocol ?? '', certificates: all, rules: own, defaultActions });
    }
    const used = new Set<string>();
    for (const l of listeners.values()) for (const a of [...l.defaultActions, ...l.rules.flatMap((r) => r.actions)]) for (const tg of targetGroupsOf(a)) used.add(tg.arn);
    await Promise.all(
      [...used].map(async (tg) => {
        const health = await this.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }));
        targets.set(
          tg,
          (health.TargetHealthDescriptions ?? []).filter((d) => d.TargetHealth?.State !== 'draining').map((d) => d.Target?.Id ?? ''),
        );
      }),
    );
    return { arn, dnsName: lb.DNSName ?? '', listeners, targets };
  }

  /** The PEM body of an ACM certificate. */
  async certificate(arn: string): Promise<string> {
    let body = this.certificateBodies.get(arn);
    if (body === undefined) {
      body = this.acm.send(new GetCertificateCommand({ CertificateArn: arn })).then((r) => r.Certificate ?? '');
      this.certificateBodies.set(arn, body);
    }
    return await body;
  }

  close(): void {
    this.elbv2.destroy();
    this.tagging.destroy();
    this.acm.destroy();
  }
}

/** A rule condition as the router model reads it; a field it does not know fails the run. */
function conditionOf(c: RuleCondition): ConditionSpec {
  switch (c.Field) {
    case 'host-header':
      return { field: 'host-header', values: c.HostHeaderConfig?.Values ?? c.Values ?? [] };
    case 'path-pattern':
      return { field: 'path-pattern', values: c.PathPatternConfig?.Values ?? c.Values ?? [] };
    case 'http-request-method':
      return { field: 'http-request-method', values: c.HttpRequestMethodConfig?.Values ?? [] };
    case 'source-ip':
      return { field: 'source-ip', values: c.SourceIpConfig?.Values ?? [] };
    case 'http-header':
      return { field: 'http-header', name: c.HttpHeaderConfig?.HttpHeaderName ?? '', values: c.HttpHeaderConfig?.Values ?? [] };
    case 'query-string':
      return { field: 'query-string', values: (c.QueryStringConfig?.Values ?? []).map((v) => ({ ...(v.Key === undefined ? {} : { key: v.Key }), value: v.Value ?? '' })) };
    case undefined:
    default:
      throw new Error(`a rule condition on ${String(c.Field)}, which the router model does not know`);
  }
}

function targetGroupsOf(action: Action): { arn: string; weight: number }[] {
  if (action.Type !== 'forward') return [];
  const weighted = action.ForwardConfig?.TargetGroups ?? [];
  if (weighted.length > 0) return weighted.map((t) => ({ arn: t.TargetGroupArn ?? '', weight: t.Weight ?? 1 }));
  return action.TargetGroupArn === undefined ? [] : [{ arn: action.TargetGroupArn, weight: 1 }];
}

/** The request as the router model takes it: the Host header without its port, the path without its query. */
export function albRequest(request: ExpectedRequest, defaultHost: string): AlbRequest & { readonly queryText: string } {
  const host = hostOnly(request.host ?? defaultHost);
  const q = request.path.indexOf('?');
  const path = q < 0 ? request.path : request.path.slice(0, q);
  const queryText = q < 0 ? '' : request.path.slice(q + 1);
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(queryText)) if (!(k in query)) query[k] = v;
  return { host, path, method: request.method ?? 'GET', headers: request.headers ?? {}, query, queryText };
}

function hostOnly(host: string): string {
  const colon = host.lastIndexOf(':');
  return colon > 0 && /^\d+$/.test(host.slice(colon + 1)) ? host.slice(0, colon) : host;
}

/** The DNS names of a certificate's subject alternative names. */
export function dnsNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice('DNS:'.length));
}

/**
 * Whether a certificate name covers a host name as upstream's client (Go's crypto/x509) checks
 * it: equal without case, or a `*` leftmost label standing for any one label, whatever follows
 * (`*.org` covers `example.org`; `*` alone covers nothing).
 */
export function nameCovers(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '').split('.');
  const h = host.toLowerCase().replace(/\.$/, '').split('.');
  if (p.length !== h.length || h.some((label) => label === '')) return false;
  return p.every((label, i) => (i === 0 && label === '*') || label === h[i]);
}

/**
 * The certificate ALB presents for a TLS request with this SNI: the first of the listener's
 * certificates whose names cover it, else the default one.
 */
export async function presentedCertificate(reader: AlbReader, listener: AlbListener, sni: string): Promise<{ arn: string; pem: string } | null> {
  let fallback: { arn: string; pem: string } | null = null;
  for (const arn of listener.certificates) {
    const pem = await reader.certificate(arn);
    if (fallback === null) fallback = { arn, pem };
    if (dnsNames(new X509Certificate(pem)).some((n) => nameCovers(n, sni))) return { arn, pem };
  }
  return fallback;
}

/** Routes one request on the Gateway's load balancer. */
export async function routeRequest(reader: AlbReader, alb: Alb, request: ExpectedRequest, trusted: readonly string[]): Promise<Outcome> {
  const listener = alb.listeners.get(request.listenerPort);
  if (listener === undefined) return { kind: 'refused', why: `no listener on port ${request.listenerPort} (listeners: ${[...alb.listeners.keys()].join(', ') || 'none'})` };
  const scheme = request.scheme ?? 'http';
  const req = albRequest(request, alb.dnsName);
  if (scheme === 'https') {
    if (listener.protocol !== 'HTTPS') return { kind: 'refused', why: `a TLS request to the ${listener.protocol} listener on port ${listener.port}` };
    const presented = await presentedCertificate(reader, listener, req.host);
    if (presented === null) return { kind: 'refused', why: `the HTTPS listener on port ${listener.port} has no certificate` };
    const cert = new X509Certificate(presented.pem);
    if (!dnsNames(cert).some((n) => nameCovers(n, req.host))) return { kind: 'refused', why: `TLS: the certificate presented for SNI ${req.host} (${cert.subjectAltName ?? cert.subject}) does not cover it` };
    if (!trusted.some((t) => new X509Certificate(t).fingerprint256 === cert.fingerprint256)) return { kind: 'refused', why: `TLS: the certificate presented for SNI ${req.host} is not the one the client trusts` };
  } else if (listener.protocol !== 'HTTP') {
    return { kind: 'refused', why: `a plain HTTP request to the ${listener.protocol} listener on port ${listener.port}` };
  }
  const rule = listener.rules.find((r) => r.conditions.every((c) => conditionMatches(c, req)));
  const action = (rule?.actions ?? listener.defaultActions).find((a) => a.Type === 'forward' || a.Type === 'fixed-response' || a.Type === 'redirect');
  switch (action?.Type) {
    case 'forward':
      return { kind: 'forward', shares: targetGroupsOf(action).map((tg) => ({ targetGroup: tg.arn, weight: tg.weight, addresses: alb.targets.get(tg.arn) ?? [] })) };
    case 'fixed-response':
      return { kind: 'fixed', status: Number(action.FixedResponseConfig?.StatusCode) };
    case 'redirect': {
      const c: RedirectActionConfig = action.RedirectConfig ?? { StatusCode: undefined };
      const fill = (text: string): string =>
        text
          .replaceAll('#{protocol}', scheme.toUpperCase())
          .replaceAll('#{host}', req.host)
          .replaceAll('#{port}', String(listener.port))
          .replaceAll('#{path}', req.path.replace(/^\//, ''))
          .replaceAll('#{query}', req.queryText);
      const protocol = fill(c.Protocol ?? '#{protocol}').toLowerCase();
      const query = fill(c.Query ?? '#{query}');
      const location = new URL(`${protocol}://${fill(c.Host ?? '#{host}')}:${fill(c.Port ?? '#{port}')}${fill(c.Path ?? '/#{path}')}${query === '' ? '' : `?${query}`}`);
      return { kind: 'redirect', status: c.StatusCode === 'HTTP_301' ? 301 : c.StatusCode === 'HTTP_302' ? 302 : 0, location };
    }
    case 'authenticate-cognito':
    case 'authenticate-oidc':
    case 'jwt-validation':
    case undefined:
      return { kind: 'refused', why: `no action ALB can take (${JSON.stringify(rule?.actions ?? listener.defaultActions)})` };
  }
}

/** An outcome in a few words, for failure messages. */
export function describeOutcome(outcome: Outcome, backendOf: (address: string) => string): string {
  switch (outcome.kind) {
    case 'forward':
      return `forward to ${outcome.shares.map((s) => `[${s.addresses.map(backendOf).join(', ') || 'no target'}] weight ${s.weight}`).join(' + ') || 'nothing'}`;
    case 'fixed':
      return `fixed response ${outcome.status}`;
    case 'redirect':
      return `redirect ${outcome.status} to ${outcome.location.href}`;
    case 'refused':
      return outcome.why;
  }
}
