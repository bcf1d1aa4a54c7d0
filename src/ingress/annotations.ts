// Typed parsers for the `alb.ingress.kubernetes.io/*` annotations, one per family, with the
// names, formats and limits of the AWS Load Balancer Controller. Each returns `undefined`
// when the annotation is absent (defaults are applied by the caller, which knows whether a
// value is inherited from another group member) and an error message when it is invalid.
import { isIP } from 'node:net';
import type { V1ObjectMeta } from '@kubernetes/client-node';
import {
  defaultSslPolicy,
  IpAddressType,
  ListenerProtocol,
  ProtocolVersion,
  Scheme,
  TargetProtocol,
  type SubnetSelection,
} from '../model/resources.js';
import { err, ok, type Result } from '../model/result.js';
import { attributeKeyProblem } from '../model/aws-limits.js';
import { oneOf, quote, show } from '../model/messages.js';

export const AnnotationPrefix = 'alb.ingress.kubernetes.io/';

/** Annotation names without the prefix. */
export const Annotation = {
  groupName: 'group.name',
  groupOrder: 'group.order',
  loadBalancerName: 'load-balancer-name',
  scheme: 'scheme',
  ipAddressType: 'ip-address-type',
  subnets: 'subnets',
  securityGroups: 'security-groups',
  manageBackendSecurityGroupRules: 'manage-backend-security-group-rules',
  inboundCidrs: 'inbound-cidrs',
  listenPorts: 'listen-ports',
  certificateArn: 'certificate-arn',
  sslPolicy: 'ssl-policy',
  sslRedirect: 'ssl-redirect',
  loadBalancerAttributes: 'load-balancer-attributes',
  tags: 'tags',
  targetType: 'target-type',
  backendProtocol: 'backend-protocol',
  backendProtocolVersion: 'backend-protocol-version',
  healthcheckPort: 'healthcheck-port',
  healthcheckProtocol: 'healthcheck-protocol',
  healthcheckPath: 'healthcheck-path',
  healthcheckIntervalSeconds: 'healthcheck-interval-seconds',
  healthcheckTimeoutSeconds: 'healthcheck-timeout-seconds',
  healthyThresholdCount: 'healthy-threshold-count',
  unhealthyThresholdCount: 'unhealthy-threshold-count',
  successCodes: 'success-codes',
  targetGroupAttributes: 'target-group-attributes',
} as const;

/** What an annotation's value is, for the reference in docs/annotations.md. */
export type AnnotationValueType =
  | { readonly kind: 'string' }
  | { readonly kind: 'integer'; readonly min: number; readonly max: number }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'list'; readonly of: string }
  | { readonly kind: 'map' }
  | { readonly kind: 'json'; readonly of: string }
  | { readonly kind: 'other'; readonly text: string };

/** Where an annotation takes effect (docs/annotations.md, "Where an annotation applies"). */
export type AnnotationScope = 'membership' | 'load balancer' | 'merged per key' | 'this Ingress' | 'target groups';

/**
 * Reference data of one annotation: scripts/annotations-doc.ts writes the table in
 * docs/annotations.md from it, and test/unit/docs/annotations-doc.test.ts checks it against
 * the parsers (examples parse, ranges and values match, Service annotations are read from
 * Services).
 */
export interface AnnotationDoc {
  readonly type: AnnotationValueType;
  /** What applies when no member sets it, in Markdown. */
  readonly default: string;
  /** A value the annotation's parser accepts. */
  readonly example: string;
  /** Whether it may be set on a Service, for that Service's target groups. */
  readonly onService: boolean;
  readonly scope: AnnotationScope;
}

export const AnnotationDocs: Readonly<Record<keyof typeof Annotation, AnnotationDoc>> = {
  groupName: {
    type: { kind: 'other', text: 'group name: at most 63 lower-case letters, digits, `-` and `.`' },
    default: 'none: the Ingress is a group of its own, `namespace/name`',
    example: 'my-team.shop',
    onService: false,
    scope: 'membership',
  },
  groupOrder: { type: { kind: 'integer', min: -1000, max: 1000 }, default: '`0`', example: '10', onService: false, scope: 'membership' },
  loadBalancerName: {
    type: { kind: 'other', text: 'load balancer name: 1 to 32 letters, digits and hyphens' },
    default: '`k8s-<group>-<hash>`',
    example: 'shop-prod',
    onService: false,
    scope: 'load balancer',
  },
  scheme: { type: { kind: 'enum', values: Scheme }, default: '`internal`', example: 'internet-facing', onService: false, scope: 'load balancer' },
  ipAddressType: { type: { kind: 'enum', values: IpAddressType }, default: '`ipv4`', example: 'dualstack', onService: false, scope: 'load balancer' },
  subnets: {
    type: { kind: 'list', of: 'subnet ids or `Name` tags' },
    default: 'discovered: subnets tagged `kubernetes.io/role/elb` (internet-facing) or `kubernetes.io/role/internal-elb` (internal), one per zone',
    example: 'subnet-0a1b2c3d, subnet-4e5f6a7b',
    onService: false,
    scope: 'load balancer',
  },
  securityGroups: {
    type: { kind: 'list', of: 'security group ids or names' },
    default: 'a security group managed by Albatross',
    example: 'sg-0123abcd, web-lb',
    onService: false,
    scope: 'load balancer',
  },
  manageBackendSecurityGroupRules: {
    type: { kind: 'boolean' },
    default: 'with the managed security group: rules managed, whatever the value; with `security-groups`: `false`',
    example: 'true',
    onService: false,
    scope: 'load balancer',
  },
  inboundCidrs: {
    type: { kind: 'list', of: 'IPv4 or IPv6 CIDRs' },
    default: '`0.0.0.0/0`, plus `::/0` unless `ip-address-type` is `ipv4`',
    example: '10.0.0.0/8, 2600:1f14::/56',
    onService: false,
    scope: 'load balancer',
  },
  listenPorts: {
    type: { kind: 'json', of: 'list of `{"HTTP" or "HTTPS": port}`' },
    default: 'HTTP 80 and HTTPS 443 with `spec.tls`; else HTTPS 443 with `certificate-arn`; else HTTP 80',
    example: '[{"HTTP": 80}, {"HTTPS": 443}]',
    onService: false,
    scope: 'this Ingress',
  },
  certificateArn: {
    type: { kind: 'list', of: 'ACM certificate ARNs' },
    default: 'none: certificates from `spec.tls` Secrets, else discovered in ACM by host',
    example: 'arn:aws:acm:eu-west-1:111122223333:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
    onService: false,
    scope: 'this Ingress',
  },
  sslPolicy: {
    type: { kind: 'string' },
    default: `\`${defaultSslPolicy}\``,
    example: 'ELBSecurityPolicy-TLS13-1-2-Res-2021-06',
    onService: false,
    scope: 'load balancer',
  },
  sslRedirect: { type: { kind: 'integer', min: 1, max: 65535 }, default: 'none', example: '443', onService: false, scope: 'load balancer' },
  loadBalancerAttributes: {
    type: { kind: 'map' },
    default: 'none',
    example: 'idle_timeout.timeout_seconds=600,routing.http2.enabled=true',
    onService: false,
    scope: 'load balancer',
  },
  tags: { type: { kind: 'map' }, default: 'none', example: 'team=shop,env=prod', onService: true, scope: 'merged per key' },
  targetType: { type: { kind: 'enum', values: ['ip'] }, default: '`ip`', example: 'ip', onService: true, scope: 'target groups' },
  backendProtocol: { type: { kind: 'enum', values: TargetProtocol }, default: '`HTTP`', example: 'HTTPS', onService: true, scope: 'target groups' },
  backendProtocolVersion: { type: { kind: 'enum', values: ProtocolVersion }, default: '`HTTP1`', example: 'GRPC', onService: true, scope: 'target groups' },
  healthcheckPort: {
    type: { kind: 'other', text: '`traffic-port`, a port number or a Service port name' },
    default: '`traffic-port`',
    example: '8081',
    onService: true,
    scope: 'target groups',
  },
  healthcheckProtocol: { type: { kind: 'enum', values: TargetProtocol }, default: 'the `backend-protocol`', example: 'HTTP', onService: true, scope: 'target groups' },
  healthcheckPath: {
    type: { kind: 'other', text: 'path starting with `/`, at most 1024 characters' },
    default: '`/`; `/AWS.ALB/healthcheck` for `GRPC`',
    example: '/healthz',
    onService: true,
    scope: 'target groups',
  },
  healthcheckIntervalSeconds: { type: { kind: 'integer', min: 5, max: 300 }, default: '`15`', example: '10', onService: true, scope: 'target groups' },
  healthcheckTimeoutSeconds: { type: { kind: 'integer', min: 2, max: 120 }, default: '`5`', example: '5', onService: true, scope: 'target groups' },
  healthyThresholdCount: { type: { kind: 'integer', min: 2, max: 10 }, default: '`2`', example: '3', onService: true, scope: 'target groups' },
  unhealthyThresholdCount: { type: { kind: 'integer', min: 2, max: 10 }, default: '`2`', example: '3', onService: true, scope: 'target groups' },
  successCodes: {
    type: { kind: 'other', text: 'codes and ranges: 200 to 499, or 0 to 99 for `GRPC`' },
    default: '`200`; `12` for `GRPC`',
    example: '200-399',
    onService: true,
    scope: 'target groups',
  },
  targetGroupAttributes: {
    type: { kind: 'map' },
    default: 'none',
    example: 'deregistration_delay.timeout_seconds=30,slow_start.duration_seconds=30',
    onService: true,
    scope: 'target groups',
  },
};

/** Annotation values as strings. Manifests read from files may carry numbers or booleans. */
export type Annotations = Readonly<Record<string, string>>;

export function annotationsOf(obj: { readonly metadata?: V1ObjectMeta | undefined }): Annotations {
  const raw: unknown = obj.metadata?.annotations;
  if (typeof raw !== 'object' || raw === null) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
  }
  return out;
}

export function annotationKey(name: string): string {
  return `${AnnotationPrefix}${name}`;
}

/** `annotation alb.ingress.kubernetes.io/<name>: "<value>" <problem>` */
export function annotationProblem(name: string, value: string, problem: string): string {
  return `annotation ${annotationKey(name)}: ${quote(value)} ${problem}`;
}

function raw(annotations: Annotations, name: string): string | undefined {
  return annotations[annotationKey(name)];
}

type Parser<T> = (annotations: Annotations) => Result<T | undefined>;

function parseWith<T>(name: string, parse: (value: string) => Result<T>): Parser<T> {
  return (annotations) => {
    const value = raw(annotations, name);
    if (value === undefined) return ok(undefined);
    const parsed = parse(value.trim());
    return parsed.ok ? parsed : err(annotationProblem(name, value, parsed.error));
  };
}

function enumParser<T extends string>(name: string, allowed: readonly T[]): Parser<T> {
  return parseWith(name, (value) =>
    (allowed as readonly string[]).includes(value) ? ok(value as T) : err(`is not allowed; use ${oneOf(allowed)}`),
  );
}

function integerParser(name: string, min: number, max: number): Parser<number> {
  return parseWith(name, (value) => parseInteger(value, min, max));
}

export function parseInteger(value: string, min: number, max: number): Result<number> {
  const range = `use a whole number from ${min} to ${max}`;
  if (!/^[-+]?\d+$/.test(value)) return err(`is not a whole number; ${range}`);
  const n = Number(value);
  if (n < min || n > max) return err(`is out of range; ${range}`);
  return ok(n);
}

/** Comma-separated list: items trimmed, empty items dropped, as the AWS controller reads them. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function listParser(name: string, what: string, check: (item: string) => string | null = () => null): Parser<string[]> {
  return parseWith(name, (value) => {
    const items = splitList(value);
    if (items.length === 0) return err(`is empty; give a comma-separated list of ${what}`);
    for (const item of items) {
      const problem = check(item);
      if (problem !== null) return err(problem);
    }
    return ok(items);
  });
}

/** `k1=v1,k2=v2`: each item must have a `=` and a non-empty key. */
export function parseStringMap(value: string): Result<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const item of splitList(value)) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? '' : item.slice(0, eq).trim();
    if (eq < 0 || key === '') return err(`has an item ${quote(item)} that is not key=value; use k1=v1,k2=v2`);
    out[key] = item.slice(eq + 1).trim();
  }
  return ok(out);
}


// --- group ---------------------------------------------------------------------------------

const groupNamePattern = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** A group name as the AWS Load Balancer Controller allows it, from the annotation or from IngressClassParams. */
export function checkGroupName(value: string): Result<string> {
  if (value.length > 63) return err('is longer than 63 characters');
  if (!groupNamePattern.test(value))
    return err(
      'is not a valid group name; use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit',
    );
  return ok(value);
}

export const parseGroupName: Parser<string> = parseWith(Annotation.groupName, checkGroupName);

export const parseGroupOrder: Parser<number> = integerParser(Annotation.groupOrder, -1000, 1000);

// --- load balancer -------------------------------------------------------------------------

/** A load balancer name AWS accepts, from the annotation or from IngressClassParams. */
export function checkLoadBalancerName(value: string): Result<string> {
  const rules = 'use at most 32 letters, digits and hyphens, not starting or ending with a hyphen';
  if (value.length === 0 || value.length > 32) return err(`is not 1 to 32 characters long; ${rules}`);
  if (!/^[a-zA-Z0-9-]+$/.test(value) || value.startsWith('-') || value.endsWith('-'))
    return err(`is not a valid load balancer name; ${rules}`);
  if (value.toLowerCase().startsWith('internal-')) return err('starts with "internal-", which AWS reserves');
  return ok(value);
}

export const parseLoadBalancerName: Parser<string> = parseWith(Annotation.loadBalancerName, checkLoadBalancerName);

export const parseScheme: Parser<Scheme> = enumParser(Annotation.scheme, Scheme);

export const parseIpAddressType: Parser<IpAddressType> = enumParser(Annotation.ipAddressType, IpAddressType);

export const parseSubnets: Parser<SubnetSelection> = (annotations) => {
  const list = listParser(Annotation.subnets, 'subnet ids or Name tags')(annotations);
  if (!list.ok || list.value === undefined) return list as Result<undefined>;
  const refs = list.value;
  return ok(refs.every((ref) => ref.startsWith('subnet-')) ? { kind: 'ids', ids: refs } : { kind: 'named', refs });
};

export const parseSecurityGroups: Parser<string[]> = listParser(
  Annotation.securityGroups,
  'security group ids or Name tags',
);

export const parseManageBackendSecurityGroupRules: Parser<boolean> = parseWith(
  Annotation.manageBackendSecurityGroupRules,
  (value) => (value === 'true' ? ok(true) : value === 'false' ? ok(false) : err('is not allowed; use "true" or "false"')),
);

export const parseInboundCidrs: Parser<string[]> = listParser(Annotation.inboundCidrs, 'CIDRs', (cidr) =>
  isCidr(cidr) ? null : `has ${quote(cidr)}, which is not a CIDR; use for example 10.0.0.0/16 or 2600:1f14::/56`,
);

/**
 * Whether `value` is a CIDR block AWS takes: an IPv4 or IPv6 address in standard notation
 * and a prefix length of at most 32 or 128 bits.
 */
export function isCidr(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  const address = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  // A zone index (fe80::1%eth0) names one host's interface; isIP allows it, AWS does not.
  const family = address.includes('%') ? 0 : isIP(address);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * `k1=v1,...` whose keys are attributes AWS has for this kind of resource (see
 * `LoadBalancerAttributeKeys` and `TargetGroupAttributeKeys`): an unknown key would pass
 * `plan` and fail at AWS half-way through `apply`. Values are checked by AWS.
 */
function attributesParser(name: string, kind: 'load balancer' | 'target group'): Parser<Record<string, string>> {
  return parseWith(name, (value) => {
    const map = parseStringMap(value);
    if (!map.ok) return map;
    for (const key of Object.keys(map.value)) {
      const problem = attributeKeyProblem(kind, key);
      if (problem !== null) return err(`has ${problem}`);
    }
    return map;
  });
}

export const parseLoadBalancerAttributes: Parser<Record<string, string>> = attributesParser(Annotation.loadBalancerAttributes, 'load balancer');

// --- listeners -----------------------------------------------------------------------------

export interface ListenPort {
  readonly protocol: ListenerProtocol;
  readonly port: number;
}

const listenPortsUsage = 'use JSON like [{"HTTP": 80}, {"HTTPS": 443}]';

export const parseListenPorts: Parser<ListenPort[]> = parseWith(Annotation.listenPorts, (value) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return err(`is not valid JSON; ${listenPortsUsage}`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) return err(`is not a non-empty JSON list; ${listenPortsUsage}`);
  const byPort = new Map<number, ListenerProtocol>();
  for (const entry of parsed) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      return err(`has an entry that is not an object; ${listenPortsUsage}`);
    for (const [protocol, port] of Object.entries(entry as Record<string, unknown>)) {
      if (!(ListenerProtocol as readonly string[]).includes(protocol))
        return err(`has protocol ${quote(protocol)}; use ${oneOf(ListenerProtocol)}`);
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
        return err(`has port ${show(port)} for ${protocol}; use a whole number from 1 to 65535`);
      const seen = byPort.get(port);
      if (seen !== undefined && seen !== protocol) return err(`lists port ${port} as both HTTP and HTTPS; use each port once`);
      byPort.set(port, protocol as ListenerProtocol);
    }
  }
  return ok([...byPort].map(([port, protocol]) => ({ protocol, port })).sort((a, b) => a.port - b.port));
});

export const parseCertificateArns: Parser<string[]> = listParser(Annotation.certificateArn, 'ACM certificate ARNs');

export const parseSslPolicy: Parser<string> = parseWith(Annotation.sslPolicy, (value) =>
  value === '' ? err('is empty; name an ELB security policy such as ELBSecurityPolicy-TLS13-1-2-2021-06') : ok(value),
);

export const parseSslRedirect: Parser<number> = integerParser(Annotation.sslRedirect, 1, 65535);

// --- tags ----------------------------------------------------------------------------------

/**
 * Tag key prefixes a user may not set, with whose they are. The AWS Load Balancer Controller
 * may run in the same account (docs/migration.md) and finds, adopts and deletes load
 * balancers and target groups by its `elbv2.k8s.aws/`, `ingress.k8s.aws/` and
 * `service.k8s.aws/` tags: one of those set through us would hand our resources to it.
 */
const reservedTagPrefixes = [
  ['albatross.dev/', 'Albatross'],
  ['aws:', 'AWS'],
  ['elbv2.k8s.aws/', 'the AWS Load Balancer Controller'],
  ['ingress.k8s.aws/', 'the AWS Load Balancer Controller'],
  ['service.k8s.aws/', 'the AWS Load Balancer Controller'],
] as const;

/**
 * Why a user tag cannot be set, or `null`: keys of Albatross, AWS and the AWS Load Balancer
 * Controller are reserved, and AWS limits keys to 128 and values to 256 characters. Worded to
 * follow "has". Prefixes compare without case: AWS keeps `Albatross.dev/cluster` apart from
 * `albatross.dev/cluster`, but IAM reads the key of `aws:ResourceTag/<key>` and
 * `aws:RequestTag/<key>` without case, so a look-alike key would count as ownership there.
 */
export function tagProblem(key: string, tagValue: string): string | null {
  const lower = key.toLowerCase();
  const reserved = reservedTagPrefixes.find(([prefix]) => lower.startsWith(prefix));
  if (reserved !== undefined) return `tag key ${quote(key)}; keys starting with ${quote(reserved[0])} (in any case) are reserved for ${reserved[1]}`;
  if (key.length > 128) return `tag key ${quote(key)} longer than 128 characters`;
  if (tagValue.length > 256) return `a value for tag ${quote(key)} longer than 256 characters`;
  return null;
}

export const parseTags: Parser<Record<string, string>> = parseWith(Annotation.tags, (value) => {
  const map = parseStringMap(value);
  if (!map.ok) return map;
  for (const [key, tagValue] of Object.entries(map.value)) {
    const problem = tagProblem(key, tagValue);
    if (problem !== null) return err(`has ${problem}`);
  }
  return map;
});

// --- target groups (Ingress or Service) ----------------------------------------------------

export const parseTargetType: Parser<'ip'> = parseWith(Annotation.targetType, (value) => {
  if (value === 'ip') return ok('ip');
  if (value === 'instance') return err('is not supported; only "ip" is supported: Albatross registers pod IPs');
  return err('is not allowed; use "ip"');
});

export const parseBackendProtocol: Parser<TargetProtocol> = enumParser(Annotation.backendProtocol, TargetProtocol);

export const parseBackendProtocolVersion: Parser<ProtocolVersion> = enumParser(
  Annotation.backendProtocolVersion,
  ProtocolVersion,
);

/** `traffic-port`, a port number, or the name of a Service port (resolved by the caller). */
export type HealthCheckPort =
  | { readonly kind: 'traffic-port' }
  | { readonly kind: 'number'; readonly port: number }
  | { readonly kind: 'name'; readonly name: string };

export const parseHealthCheckPort: Parser<HealthCheckPort> = parseWith(Annotation.healthcheckPort, (value) => {
  if (value === 'traffic-port') return ok({ kind: 'traffic-port' });
  if (/^\d+$/.test(value)) {
    const n = parseInteger(value, 1, 65535);
    return n.ok ? ok({ kind: 'number', port: n.value }) : n;
  }
  if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) && value.length <= 15) return ok({ kind: 'name', name: value });
  return err('is not allowed; use "traffic-port", a port number or the name of a Service port');
});

export const parseHealthCheckProtocol: Parser<TargetProtocol> = enumParser(Annotation.healthcheckProtocol, TargetProtocol);

export const parseHealthCheckPath: Parser<string> = parseWith(Annotation.healthcheckPath, (value) => {
  if (!value.startsWith('/') || value.length > 1024) return err('is not allowed; use a path starting with "/", at most 1024 characters');
  return ok(value);
});

export const parseHealthCheckIntervalSeconds = integerParser(Annotation.healthcheckIntervalSeconds, 5, 300);
export const parseHealthCheckTimeoutSeconds = integerParser(Annotation.healthcheckTimeoutSeconds, 2, 120);
export const parseHealthyThresholdCount = integerParser(Annotation.healthyThresholdCount, 2, 10);
export const parseUnhealthyThresholdCount = integerParser(Annotation.unhealthyThresholdCount, 2, 10);

/**
 * Success codes are checked against the protocol version later (HTTP 200-499, gRPC 0-99);
 * here only the shape: codes and ranges separated by commas.
 */
export const parseSuccessCodes: Parser<string> = parseWith(Annotation.successCodes, (value) =>
  /^\d{1,3}(-\d{1,3})?(,\d{1,3}(-\d{1,3})?)*$/.test(value.replace(/\s+/g, ''))
    ? ok(value.replace(/\s+/g, ''))
    : err('is not allowed; use codes and ranges like "200", "200,302" or "200-399"'),
);

/** Checks success codes against their range: HTTP 200-499, gRPC 0-99. */
export function checkSuccessCodes(codes: string, version: ProtocolVersion): Result<string> {
  const [min, max] = version === 'GRPC' ? [0, 99] : [200, 499];
  for (const part of codes.split(',')) {
    const [from, to] = part.split('-').map(Number);
    const bad = [from, to].some((n) => n !== undefined && (n < min || n > max));
    if (bad || (from !== undefined && to !== undefined && from > to))
      return err(`is not allowed for ${version === 'GRPC' ? 'gRPC' : 'HTTP'} health checks; use codes from ${min} to ${max}`);
  }
  return ok(codes);
}

export const parseTargetGroupAttributes: Parser<Record<string, string>> = attributesParser(Annotation.targetGroupAttributes, 'target group');

/**
 * AWS Load Balancer Controller annotations that protect a load balancer and that Albatross
 * does not implement yet. Serving an Ingress that asks for one without it would expose what
 * it meant to protect, so such an Ingress is left out of its group with an error instead.
 */
export const ProtectiveAnnotations = [
  'auth-type',
  'auth-idp-cognito',
  'auth-idp-oidc',
  'auth-on-unauthenticated-request',
  'auth-scope',
  'auth-session-cookie',
  'auth-session-timeout',
  'wafv2-acl-arn',
  'waf-acl-id',
  'shield-advanced-protection',
  'mutual-authentication',
] as const;

/** One message per protective annotation present (an `auth-type: none` asks for nothing). */
export function unsupportedProtections(annotations: Annotations): string[] {
  return ProtectiveAnnotations.filter((name) => {
    const value = raw(annotations, name);
    return value !== undefined && !(name === 'auth-type' && value.trim() === 'none');
  }).map((name) =>
    annotationProblem(
      name,
      raw(annotations, name) ?? '',
      'is not supported yet; the Ingress is left out rather than served without that protection (remove the annotation to serve it unprotected)',
    ),
  );
}
