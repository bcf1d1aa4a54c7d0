// One group member read on its own: its annotations parsed, its paths turned into routes and
// its backends into actions and target groups. Everything that can be judged without the
// other members is judged here; agreement with them is checked in `merge.ts`.
import type { V1HTTPIngressPath, V1IngressRule, V1Service } from '@kubernetes/client-node';
import { compareStrings } from '../model/compare.js';
import type { ActionSpec, CertificateRef, IpAddressType, ObjectKey, Scheme, SubnetSelection, TlsResolver } from '../model/resources.js';
import { certificateCovers } from '../certificates/discovery.js';
import {
  Annotation,
  annotationKey,
  annotationsOf,
  parseCertificateArns,
  parseInboundCidrs,
  parseIpAddressType,
  parseListenPorts,
  parseLoadBalancerAttributes,
  parseLoadBalancerName,
  parseManageBackendSecurityGroupRules,
  parseScheme,
  parseSecurityGroups,
  parseSslPolicy,
  parseSslRedirect,
  parseSubnets,
  parseTags,
  type Annotations,
  type ListenPort,
  unsupportedProtections,
} from '../ingress/annotations.js';
import { conditionsAnnotation, type ExtraConditions } from '../ingress/backend-annotations.js';
import type { GroupMember } from '../ingress/group.js';
import type { ClassParams } from '../ingress/params.js';
import { isObject, objectsIn } from '../ingress/input.js';
import type { Result } from '../model/result.js';
import { quote } from '../model/messages.js';
import { resolveBackend, type ResolvedBackend, type TargetGroupDraft } from './backends.js';
import { hostMatch, pathMatch, type HostMatch, type PathMatch } from './paths.js';
import { parseTargetGroupAnnotations } from './target-group-settings.js';
import { certificateKey, memberTls } from './tls.js';

/** One Ingress path, ready to become ALB rules. */
export interface Route {
  /** Index of the owning member in group order. */
  readonly member: number;
  readonly ingress: ObjectKey;
  /** Position of the path in its Ingress (rules, then paths, in the order written). */
  readonly position: number;
  /** `rules[i].http.paths[j]`, for messages. */
  readonly where: string;
  readonly host: HostMatch;
  readonly path: PathMatch;
  readonly extra: ExtraConditions;
  readonly action: ActionSpec;
  /** `backend.service.name` as written: a Service, or the NAME of `actions.NAME`. */
  readonly backend: string;
}

/** Annotations that configure the load balancer as a whole: group members must agree on them. */
export const ExclusiveAnnotation = [
  Annotation.loadBalancerName,
  Annotation.scheme,
  Annotation.ipAddressType,
  Annotation.subnets,
  Annotation.securityGroups,
  Annotation.inboundCidrs,
  Annotation.loadBalancerAttributes,
  Annotation.manageBackendSecurityGroupRules,
  Annotation.sslPolicy,
  Annotation.sslRedirect,
] as const;
export type ExclusiveAnnotation = (typeof ExclusiveAnnotation)[number];

export interface ExclusiveValue<T = unknown> {
  readonly value: T;
  /** As written, for messages. */
  readonly written: string;
  /**
   * Where the value comes from, for messages: `annotation alb.ingress.kubernetes.io/<name>`,
   * or `IngressClassParams <name>: spec.<field>` when the member's class params set it.
   */
  readonly source: string;
  /** Equal keys mean equal settings (lists compare as sets). */
  readonly key: string;
}

export interface ExclusiveSettings {
  readonly [Annotation.loadBalancerName]?: ExclusiveValue<string>;
  readonly [Annotation.scheme]?: ExclusiveValue<Scheme>;
  readonly [Annotation.ipAddressType]?: ExclusiveValue<IpAddressType>;
  readonly [Annotation.subnets]?: ExclusiveValue<SubnetSelection>;
  readonly [Annotation.securityGroups]?: ExclusiveValue<readonly string[]>;
  readonly [Annotation.inboundCidrs]?: ExclusiveValue<readonly string[]>;
  readonly [Annotation.loadBalancerAttributes]?: ExclusiveValue<Readonly<Record<string, string>>>;
  readonly [Annotation.manageBackendSecurityGroupRules]?: ExclusiveValue<boolean>;
  readonly [Annotation.sslPolicy]?: ExclusiveValue<string>;
  readonly [Annotation.sslRedirect]?: ExclusiveValue<number>;
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(key(item)) && seen.add(key(item)) !== undefined);
}

export interface MemberModel {
  readonly key: ObjectKey;
  readonly index: number;
  readonly exclusive: ExclusiveSettings;
  readonly tags: Readonly<Record<string, string>>;
  /** Sorted by port. */
  readonly listenPorts: readonly ListenPort[];
  /** Where `listenPorts` come from: the annotation, `spec.tls` (80 and 443), `certificate-arn` (443), or the default (80). */
  readonly listenPortsFrom: 'annotation' | 'spec.tls' | 'certificate-arn' | 'default';
  /** `certificate-arn` ARNs first, then the certificates of `spec.tls` Secrets. */
  readonly certificates: readonly CertificateRef[];
  /**
   * Hosts that want a certificate neither the member's Secrets nor `certificate-arn` give;
   * on an HTTPS port they are looked up in ACM. Empty when `certificate-arn` is set, as AWS's
   * controller does.
   */
  readonly uncoveredHosts: readonly string[];
  readonly defaultBackend: ResolvedBackend | null;
  readonly routes: readonly Route[];
  /** Every target group the member's actions reference, one per id. */
  readonly targetGroups: readonly TargetGroupDraft[];
  /** Problems that degraded a path or the default backend to a fixed 503. */
  readonly degraded: readonly string[];
  /**
   * Why `spec.tls` Secrets failed (also in `degraded`): said again when the member is left out
   * for any reason, so that the Secret's own reason is never hidden behind its consequence.
   */
  readonly certificateProblems: readonly string[];
  /** Parts of the Ingress that are applied but have no effect, for warnings. */
  readonly warnings: readonly string[];
}

export interface MemberContext {
  /** Services by `namespace/name`. */
  readonly services: Pick<ReadonlyMap<string, V1Service>, 'get'>;
  /** Validates `spec.tls` Secrets; without it, TLS entries are reported as unreadable. */
  readonly tls?: TlsResolver | undefined;
}

export type MemberOutcome = Result<MemberModel, readonly string[]>;

export function buildMember(member: GroupMember, index: number, ctx: MemberContext): MemberOutcome {
  const { ingress, key } = member;
  const annotations = annotationsOf(ingress);
  const problems: string[] = [];
  const take = <T>(parsed: Result<T | undefined>): T | undefined => {
    if (parsed.ok) return parsed.value;
    problems.push(parsed.error);
    return undefined;
  };

  problems.push(...unsupportedProtections(annotations));
  // A field the class's IngressClassParams set wins over the annotation, which is then not read.
  const params = member.params;
  const exclusive = parseExclusive(annotations, take, params);
  const tags = { ...(take(parseTags(annotations)) ?? {}), ...params?.tags };
  const certificateArns = params?.certificateArns ?? take(parseCertificateArns(annotations)) ?? [];
  const namespace = ingress.metadata?.namespace ?? 'default';
  const tls = memberTls(isObject(ingress.spec) ? ingress.spec.tls : undefined, namespace, ctx.tls);
  // Without listen-ports: `spec.tls` adds HTTPS on 443 to HTTP on 80, as Kubernetes means
  // it (the TLS section secures hosts; it does not take plain HTTP away). `certificate-arn`
  // alone means HTTPS on 443 only, as with AWS's controller.
  const annotatedPorts = take(parseListenPorts(annotations));
  const listenPortsFrom = annotatedPorts !== undefined ? 'annotation' : tls.present ? 'spec.tls' : certificateArns.length > 0 ? 'certificate-arn' : 'default';
  const listenPorts =
    annotatedPorts ??
    (tls.present
      ? [{ protocol: 'HTTP', port: 80 } as const, { protocol: 'HTTPS', port: 443 } as const]
      : certificateArns.length > 0
        ? [{ protocol: 'HTTPS', port: 443 } as const]
        : [{ protocol: 'HTTP', port: 80 } as const]);
  const tgAnnotations = parseTargetGroupAnnotations(annotations);
  problems.push(...tgAnnotations.errors);
  // A member left out still says what is wrong with its Secrets: fixing the first problem
  // should not reveal a second one only on the next run.
  if (problems.length > 0) return { ok: false, error: [...problems, ...tls.degraded] };

  const backendCtx = { namespace, annotations, targetGroupAnnotations: tgAnnotations.value, services: ctx.services };
  const targetGroups = new Map<string, TargetGroupDraft>();
  const degraded: string[] = [];
  const use = (resolved: ResolvedBackend): void => {
    for (const tg of resolved.targetGroups) if (!targetGroups.has(tg.id)) targetGroups.set(tg.id, tg);
    degraded.push(...resolved.degraded);
  };

  let defaultBackend: ResolvedBackend | null = null;
  if (isObject(ingress.spec) && ingress.spec.defaultBackend !== undefined && ingress.spec.defaultBackend !== null) {
    const resolved = resolveBackend(backendCtx, ingress.spec.defaultBackend, 'spec.defaultBackend', false);
    if (resolved.ok) {
      defaultBackend = resolved.value;
      use(resolved.value);
    } else problems.push(resolved.error);
  }

  const routes: Route[] = [];
  const warnings: string[] = [];
  const rules = objectsIn<V1IngressRule>(isObject(ingress.spec) ? ingress.spec.rules : undefined);
  let position = 0;
  for (const [i, rule] of rules.entries()) {
    const host = hostMatch(rule.host);
    if (!host.ok) {
      problems.push(`rules[${i}].${host.error}`);
      continue;
    }
    const paths = objectsIn<V1HTTPIngressPath>(isObject(rule.http) ? rule.http.paths : undefined);
    for (const [j, path] of paths.entries()) {
      const where = `rules[${i}].http.paths[${j}]`;
      const match = pathMatch(path.pathType, path.path);
      if (!match.ok) {
        problems.push(`${where}: ${match.error}`);
        continue;
      }
      const resolved = resolveBackend(backendCtx, path.backend, where, true);
      if (!resolved.ok) {
        problems.push(resolved.error);
        continue;
      }
      use(resolved.value);
      const backendName = isObject(path.backend) && isObject(path.backend.service) ? String(path.backend.service.name) : '';
      if (match.value.patterns === null && resolved.value.extra.paths.length > 0)
        warnings.push(
          `${where}: annotation ${conditionsAnnotation(backendName)}: path-pattern ${resolved.value.extra.paths.map(quote).join(', ')} has no effect on path ${quote(match.value.path)} (${match.value.kind}), which matches every path already`,
        );
      routes.push({
        member: index,
        ingress: key,
        position: position++,
        where,
        host: host.value,
        path: match.value,
        extra: resolved.value.extra,
        action: resolved.value.action,
        backend: backendName,
      });
    }
  }
  if (problems.length > 0) return { ok: false, error: [...problems, ...tls.degraded] };
  degraded.push(...tls.degraded);
  const certificates = uniqueBy(
    [...certificateArns.map((arn): CertificateRef => ({ kind: 'arn', arn })), ...tls.certificates],
    certificateKey,
  );
  // Hosts that want a certificate from ACM: with `spec.tls`, only its entries without a
  // Secret (other hosts are plain HTTP hosts, as Kubernetes means it); without `spec.tls`
  // on an HTTPS port, every host of the rules, as AWS's controller discovers them.
  const ruleHosts = [...new Set(routes.map((r) => r.host.host).filter((h): h is string => h !== null))];
  const wantCertificate = tls.present ? [...new Set(tls.hostsWithoutSecret)] : ruleHosts;
  const uncoveredHosts = certificateArns.length > 0 ? [] : wantCertificate.filter((h) => !certificateCovers(tls.coveredNames, h));
  return {
    ok: true,
    value: {
      key,
      index,
      exclusive,
      tags,
      listenPorts,
      listenPortsFrom,
      certificates,
      uncoveredHosts,
      defaultBackend,
      routes,
      targetGroups: [...targetGroups.values()],
      degraded,
      certificateProblems: tls.degraded,
      warnings,
    },
  };
}

/**
 * The group-wide setting the class's IngressClassParams give for an annotation, read as that
 * annotation would be, with the params field it comes from; `undefined` when they leave it.
 */
function paramsValue(params: ClassParams, name: ExclusiveAnnotation): { value: unknown; written: string; field: string } | undefined {
  const plain = (field: string, value: string | undefined) => (value === undefined ? undefined : { value, written: value, field });
  const list = (field: string, value: readonly string[] | undefined) => (value === undefined ? undefined : { value, written: value.join(','), field });
  switch (name) {
    case Annotation.loadBalancerName:
      return plain('loadBalancerName', params.loadBalancerName);
    case Annotation.scheme:
      return plain('scheme', params.scheme);
    case Annotation.ipAddressType:
      return plain('ipAddressType', params.ipAddressType);
    case Annotation.sslPolicy:
      return plain('sslPolicy', params.sslPolicy);
    case Annotation.inboundCidrs:
      return list('inboundCIDRs', params.inboundCidrs);
    case Annotation.subnets: {
      const s = params.subnets;
      return s === undefined ? undefined : { value: s, written: (s.kind === 'ids' ? s.ids : s.kind === 'named' ? s.refs : []).join(','), field: 'subnets' };
    }
    case Annotation.loadBalancerAttributes: {
      const a = params.loadBalancerAttributes;
      return a === undefined ? undefined : { value: a, written: Object.entries(a).map(([k, v]) => `${k}=${v}`).join(','), field: 'loadBalancerAttributes' };
    }
    // IngressClassParams have no field for these.
    case Annotation.securityGroups:
    case Annotation.sslRedirect:
    case Annotation.manageBackendSecurityGroupRules:
      return undefined;
  }
}

function parseExclusive(
  annotations: Annotations,
  take: <T>(parsed: Result<T | undefined>) => T | undefined,
  params: ClassParams | undefined,
): ExclusiveSettings {
  const out: Record<string, ExclusiveValue> = {};
  const set = <T>(name: ExclusiveAnnotation, parsed: Result<T | undefined>, key: (value: T) => string): void => {
    const fromParams = params === undefined ? undefined : paramsValue(params, name);
    if (params !== undefined && fromParams !== undefined) {
      const { value, written, field } = fromParams;
      out[name] = { value, written, source: `IngressClassParams ${params.name}: spec.${field}`, key: key(value as T) };
      return;
    }
    const value = take(parsed);
    if (value !== undefined) out[name] = { value, written: annotations[annotationKey(name)] ?? '', source: `annotation ${annotationKey(name)}`, key: key(value) };
  };
  const scalar = (v: unknown): string => JSON.stringify(v);
  const asSet = (v: readonly string[]): string => JSON.stringify([...new Set(v)].sort());
  set(Annotation.loadBalancerName, parseLoadBalancerName(annotations), scalar);
  set(Annotation.scheme, parseScheme(annotations), scalar);
  set(Annotation.ipAddressType, parseIpAddressType(annotations), scalar);
  set(Annotation.subnets, parseSubnets(annotations), (v) => asSet(v.kind === 'ids' ? v.ids : v.kind === 'named' ? v.refs : []));
  set(Annotation.securityGroups, parseSecurityGroups(annotations), asSet);
  set(Annotation.inboundCidrs, parseInboundCidrs(annotations), asSet);
  set(Annotation.loadBalancerAttributes, parseLoadBalancerAttributes(annotations), (v) =>
    JSON.stringify(Object.entries(v).sort(([a], [b]) => compareStrings(a, b))),
  );
  set(Annotation.manageBackendSecurityGroupRules, parseManageBackendSecurityGroupRules(annotations), scalar);
  set(Annotation.sslPolicy, parseSslPolicy(annotations), scalar);
  set(Annotation.sslRedirect, parseSslRedirect(annotations), scalar);
  return out;
}
