// AWS's quotas and value rules that Albatross checks before any AWS call, each with the
// document it comes from, so that input AWS would refuse half-way through an apply is
// reported by `plan` instead. Pure data and pure checks.
import { quote } from './messages.js';

/**
 * Tags per resource: 50 for ELBv2 load balancers, listeners, rules and target groups, and for
 * EC2 security groups. Tags with the `aws:` prefix do not count, and Albatross sets none.
 *
 * Sources: "Tag an Application Load Balancer" and "Tags for your listeners and rules"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-tags.html,
 * .../listener-rule-tags.html), "Restrictions: Maximum number of tags per resource—50";
 * "Tag your Amazon EC2 resources", tag restrictions
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html).
 */
export const maxTagsPerResource = 50;

/**
 * Listeners per Application Load Balancer (default quota, adjustable).
 *
 * Source: "Quotas for your Application Load Balancers", Load balancers: "Listeners per
 * Application Load Balancer 50"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html).
 */
export const maxListenersPerLoadBalancer = 50;

/**
 * Inbound rules per security group (default quota, adjustable), counted apart for IPv4 and
 * IPv6 sources: a rule is one port from one CIDR.
 *
 * Source: "Amazon VPC quotas", Security groups: "Inbound or outbound rules per security group
 * 60 ... This quota is enforced separately for IPv4 rules and IPv6 rules"
 * (https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html).
 */
export const maxInboundRulesPerSecurityGroup = 60;

/**
 * Security groups one load balancer may have: the frontend groups and the backend group
 * together.
 *
 * Source: "Amazon VPC quotas", Security groups: "Security groups per network interface 5"
 * (https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html); a load balancer's
 * security groups are those of its network interfaces.
 */
export const maxSecurityGroupsPerLoadBalancer = 5;

/**
 * Characters in one condition value of a listener rule: host, path pattern, HTTP header
 * value, query string key or value.
 *
 * Source: "Condition types for listener rules"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html):
 * host conditions "can be up to 128 characters", path conditions likewise, HTTP header and
 * query string values "up to 128 characters"; and the API reference, `PathPatternConditionConfig`
 * ("The maximum size of each string is 128 characters").
 */
export const maxConditionValueLength = 128;

/** How a condition value is judged: its characters, as "Condition types for listener rules" lists them. */
export const ConditionValueKind = ['host', 'path', 'http-header-value', 'query-string'] as const;
export type ConditionValueKind = (typeof ConditionValueKind)[number];

/**
 * Characters ALB accepts per kind of condition value, from "Condition types for listener
 * rules" (see `maxConditionValueLength`):
 * - host: A-Z, a-z, 0-9, `- .`, and the wildcards `*` and `?`;
 * - path: A-Z, a-z, 0-9, `_ - . $ / ~ " ' @ : +`, `&` (which the page writes `&amp;`), and
 *   `*` and `?`;
 * - HTTP header value: printable ASCII and the space (the page lists every printable ASCII
 *   character), wildcards included;
 * - query string key or value: A-Z, a-z, 0-9, `_ - . $ / ~ " ' @ : + & ( ) ! , ; =`, and `*`
 *   and `?`.
 */
const allowedCharacters: Readonly<Record<ConditionValueKind, { readonly pattern: RegExp; readonly described: string }>> = {
  host: { pattern: /^[A-Za-z0-9.*?-]*$/, described: 'letters, digits, "-", "." and the wildcards "*" and "?"' },
  path: {
    pattern: /^[A-Za-z0-9_\-.$/~"'@:+&*?]*$/,
    described: `letters, digits, _ - . $ / ~ " ' @ : + & and the wildcards "*" and "?"`,
  },
  'http-header-value': { pattern: /^[\x20-\x7e]*$/, described: 'printable ASCII characters and spaces' },
  'query-string': {
    pattern: /^[A-Za-z0-9_\-.$/~"'@:+&()!,;=*?]*$/,
    described: `letters, digits, _ - . $ / ~ " ' @ : + & ( ) ! , ; = and the wildcards "*" and "?"`,
  },
};

/**
 * Why ALB would refuse `value` as a condition value of this kind, worded to follow the value
 * in a message; `null` when it is acceptable. Checks the length (`maxConditionValueLength`)
 * and the characters (see `allowedCharacters`): ALB takes ASCII only.
 */
export function conditionValueProblem(kind: ConditionValueKind, value: string): string | null {
  if (value.length > maxConditionValueLength)
    return `is ${value.length} characters long; ALB allows at most ${maxConditionValueLength} characters in ${describeKind(kind)}`;
  const allowed = allowedCharacters[kind];
  if (!allowed.pattern.test(value)) {
    const bad = [...value].find((ch) => !allowed.pattern.test(ch)) ?? '';
    const shown = /^[\x21-\x7e]$/.test(bad) ? JSON.stringify(bad) : `U+${(bad.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    return `has the character ${shown}, which ALB does not accept in ${describeKind(kind)}; use ${allowed.described}`;
  }
  return null;
}

function describeKind(kind: ConditionValueKind): string {
  switch (kind) {
    case 'host':
      return 'a host condition';
    case 'path':
      return 'a path pattern';
    case 'http-header-value':
      return 'an HTTP header condition value';
    case 'query-string':
      return 'a query string condition';
  }
}

/**
 * Load balancer attribute keys an Application Load Balancer has: those the API reference
 * lists as supported "by all load balancers", "by both Application Load Balancers and Network
 * Load Balancers" and "by only Application Load Balancers".
 *
 * Source: Elastic Load Balancing API Reference, `LoadBalancerAttribute`, Key
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerAttribute.html),
 * and "Edit attributes for your Application Load Balancer"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html).
 */
export const LoadBalancerAttributeKeys: readonly string[] = [
  'deletion_protection.enabled',
  'load_balancing.cross_zone.enabled',
  'access_logs.s3.enabled',
  'access_logs.s3.bucket',
  'access_logs.s3.prefix',
  'ipv6.deny_all_igw_traffic',
  'zonal_shift.config.enabled',
  'idle_timeout.timeout_seconds',
  'client_keep_alive.seconds',
  'connection_logs.s3.enabled',
  'connection_logs.s3.bucket',
  'connection_logs.s3.prefix',
  'health_check_logs.s3.enabled',
  'health_check_logs.s3.bucket',
  'health_check_logs.s3.prefix',
  'routing.http.desync_mitigation_mode',
  'routing.http.drop_invalid_header_fields.enabled',
  'routing.http.preserve_host_header.enabled',
  'routing.http.x_amzn_tls_version_and_cipher_suite.enabled',
  'routing.http.xff_client_port.enabled',
  'routing.http.xff_header_processing.mode',
  'routing.http2.enabled',
  'waf.fail_open.enabled',
];

/**
 * Target group attribute keys of an Application Load Balancer's target group with IP targets:
 * those the API reference lists as supported "by all load balancers", "by Application Load
 * Balancers and Network Load Balancers", and "only if the load balancer is an Application Load
 * Balancer and the target is an instance or an IP address". (`lambda.multi_value_headers.enabled`
 * is for Lambda targets, which Albatross does not make.)
 *
 * Source: Elastic Load Balancing API Reference, `TargetGroupAttribute`, Key
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupAttribute.html),
 * and "Edit target group attributes for your Application Load Balancer"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html).
 */
export const TargetGroupAttributeKeys: readonly string[] = [
  'deregistration_delay.timeout_seconds',
  'stickiness.enabled',
  'stickiness.type',
  'load_balancing.cross_zone.enabled',
  'target_group_health.dns_failover.minimum_healthy_targets.count',
  'target_group_health.dns_failover.minimum_healthy_targets.percentage',
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count',
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage',
  'load_balancing.algorithm.type',
  'load_balancing.algorithm.anomaly_mitigation',
  'slow_start.duration_seconds',
  'stickiness.app_cookie.cookie_name',
  'stickiness.app_cookie.duration_seconds',
  'stickiness.lb_cookie.duration_seconds',
];

/**
 * Why `key` is not an attribute of this kind of resource, worded to follow "has" in a
 * message; `null` when AWS has it.
 */
export function attributeKeyProblem(kind: 'load balancer' | 'target group', key: string): string | null {
  const keys = kind === 'load balancer' ? LoadBalancerAttributeKeys : TargetGroupAttributeKeys;
  if (keys.includes(key)) return null;
  return `key ${quote(key)}, which is not an attribute of an Application Load Balancer${kind === 'target group' ? "'s target group" : ''}; AWS has ${keys.map((k) => JSON.stringify(k)).join(', ')}`;
}

/**
 * Caps on a `kubernetes.io/tls` Secret, checked before its PEM is parsed: parsing is what
 * costs (about a second of CPU for a 1 MiB `tls.crt` of 500 certificates).
 *
 * - `certificates`: certificates in `tls.crt`, the server's and its chain. Public chains have
 *   two to four; 10 leaves room for cross-signs and private CAs.
 * - `certificateBytes`: size of `tls.crt` as stored (64 KiB: ten certificates of up to
 *   about 6.5 KiB of PEM each). ACM takes a leaf of at most 32,768 characters
 *   (`certificatePemLength`), which fits.
 * - `privateKeyBytes`: size of `tls.key` as stored (16 KiB, room for text and an EC
 *   parameters block around a key); the key ACM gets must be 5,120 bytes at most
 *   (`privateKeyPemLength`).
 *
 * Sources for the ACM sizes: ACM API Reference, `ImportCertificate`, Request Parameters:
 * `Certificate` length 1 to 32768, `CertificateChain` 1 to 2097152, `PrivateKey` 1 to 5120
 * (https://docs.aws.amazon.com/acm/latest/APIReference/API_ImportCertificate.html), and
 * "Prerequisites for importing ACM certificates": "The private key must be no larger than 5 KB
 * (5,120 bytes)" (https://docs.aws.amazon.com/acm/latest/userguide/import-certificate-prerequisites.html).
 */
export const TlsSecretLimits = {
  certificates: 10,
  certificateBytes: 64 * 1024,
  privateKeyBytes: 16 * 1024,
  certificatePemLength: 32_768,
  privateKeyPemLength: 5_120,
} as const;

/**
 * The ranges outside its VPC from which ALB takes IP targets, in CIDR notation: RFC 1918
 * (10/8, 172.16/12, 192.168/16) and RFC 6598 (100.64/10). Any other address must be in a
 * subnet of the target group's VPC; a publicly routable address outside it is refused.
 *
 * Source: "Target groups for your Application Load Balancers", Target type
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-type):
 * "If the target type is ip, you can specify IP addresses from one of the following CIDR
 * blocks: the subnets of the VPC for the target group; 10.0.0.0/8 (RFC 1918); 100.64.0.0/10
 * (RFC 6598); 172.16.0.0/12 (RFC 1918); 192.168.0.0/16 (RFC 1918)".
 */
export const PrivateTargetRanges: readonly string[] = ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16'];

/**
 * Text made fit for an EC2 description (a security group's, or a rule's source group pair):
 * EC2 accepts only letters, digits, spaces and `._-:/()#,@[]+=&;{}!$*`; anything else is dropped.
 *
 * Source: "CreateSecurityGroup", GroupDescription: "Constraints ... a-z, A-Z, 0-9, spaces, and
 * ._-:/()#,@[]+=&;{}!$*" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html).
 */
export function ec2Description(text: string): string {
  return text.replace(/[^a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]/g, '');
}
