// Desired and actual AWS resources of one Ingress group, as plain data.
// `translate` produces the desired side, `observe` the actual one; `plan` compares them.
import type { Result } from './result.js';

/** `namespace/name` of a Kubernetes object. */
export type ObjectKey = string;

export type Tags = Readonly<Record<string, string>>;

export const Scheme = ['internal', 'internet-facing'] as const;
export type Scheme = (typeof Scheme)[number];

export const IpAddressType = ['ipv4', 'dualstack', 'dualstack-without-public-ipv4'] as const;
export type IpAddressType = (typeof IpAddressType)[number];

export const ListenerProtocol = ['HTTP', 'HTTPS'] as const;
export type ListenerProtocol = (typeof ListenerProtocol)[number];

export const TargetProtocol = ['HTTP', 'HTTPS'] as const;
export type TargetProtocol = (typeof TargetProtocol)[number];

export const ProtocolVersion = ['HTTP1', 'HTTP2', 'GRPC'] as const;
export type ProtocolVersion = (typeof ProtocolVersion)[number];

export const TargetType = ['ip', 'instance'] as const;
export type TargetType = (typeof TargetType)[number];

/** Subnets and security groups are either given as ids or resolved later by `observe`. */
export type SubnetSelection =
  | { readonly kind: 'ids'; readonly ids: readonly string[] }
  /** Names (`Name` tag) or ids as written in the `subnets` annotation, resolved against AWS. */
  | { readonly kind: 'named'; readonly refs: readonly string[] }
  /** Discovered by the `kubernetes.io/role/elb` / `kubernetes.io/role/internal-elb` tags. */
  | { readonly kind: 'discover' };

export interface LoadBalancerSpec {
  readonly id: string;
  /** At most 32 characters, letters, digits and hyphens. */
  readonly name: string;
  readonly scheme: Scheme;
  readonly ipAddressType: IpAddressType;
  readonly subnets: SubnetSelection;
  /**
   * Security groups given by the `security-groups` annotation (ids or names). Empty means
   * the managed security group of the stack is used.
   */
  readonly securityGroups: readonly string[];
  /** Only the keys set here are compared with AWS; others are left as AWS has them. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly tags: Tags;
}

export interface SecurityGroupRuleSpec {
  readonly protocol: 'tcp';
  readonly port: number;
  readonly cidr: string;
}

export interface SecurityGroupSpec {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly ingress: readonly SecurityGroupRuleSpec[];
  readonly tags: Tags;
}

export interface HealthCheckSpec {
  readonly protocol: TargetProtocol;
  /** A port number as a string, or `traffic-port`. */
  readonly port: string;
  readonly path: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThresholdCount: number;
  readonly unhealthyThresholdCount: number;
  /** HTTP codes (`200`, `200-399`, `200,302`) or gRPC codes for GRPC target groups. */
  readonly successCodes: string;
}

export interface TargetSpec {
  readonly ip: string;
  readonly port: number;
}

export interface TargetGroupSpec {
  readonly id: string;
  readonly name: string;
  /** Immutable on AWS: a change means a new target group (and a new id). */
  readonly targetType: TargetType;
  readonly protocol: TargetProtocol;
  readonly protocolVersion: ProtocolVersion;
  /** Required by AWS at creation; each ip target carries its own port. */
  readonly port: number;
  readonly healthCheck: HealthCheckSpec;
  /** Only the keys set here are compared with AWS. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly targets: readonly TargetSpec[];
  readonly tags: Tags;
  /** `namespace/name` and port of the Service, for messages and plan output. */
  readonly service: { readonly key: ObjectKey; readonly port: string };
}

/** A reference to a target group: one of ours by id, or an existing one by ARN. */
export type TargetGroupRef =
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'arn'; readonly arn: string };

export interface WeightedTargetGroup {
  readonly targetGroup: TargetGroupRef;
  readonly weight: number;
}

export interface RedirectAction {
  readonly type: 'redirect';
  readonly protocol: string;
  readonly port: string;
  readonly host: string;
  readonly path: string;
  readonly query: string;
  readonly statusCode: 'HTTP_301' | 'HTTP_302';
}

export interface FixedResponseAction {
  readonly type: 'fixed-response';
  readonly statusCode: string;
  readonly contentType?: string;
  readonly messageBody?: string;
}

export type ActionSpec =
  | {
      readonly type: 'forward';
      readonly targetGroups: readonly WeightedTargetGroup[];
      /** Seconds; absent means stickiness off. */
      readonly stickinessSeconds?: number;
    }
  | RedirectAction
  | FixedResponseAction;

export type ConditionSpec =
  | { readonly field: 'host-header'; readonly values: readonly string[] }
  | { readonly field: 'path-pattern'; readonly values: readonly string[] }
  | { readonly field: 'http-request-method'; readonly values: readonly string[] }
  | { readonly field: 'source-ip'; readonly values: readonly string[] }
  | { readonly field: 'http-header'; readonly name: string; readonly values: readonly string[] }
  | { readonly field: 'query-string'; readonly values: readonly { readonly key?: string; readonly value: string }[] };

export interface RuleSpec {
  readonly id: string;
  readonly listenerPort: number;
  /** Conditions are ANDed; the values within one condition are ORed. Sorted canonically. */
  readonly conditions: readonly ConditionSpec[];
  readonly action: ActionSpec;
  /** The Ingress whose path this rule serves (`namespace/name`), or `null` for rules the group needs as a whole. */
  readonly ingress: ObjectKey | null;
  readonly tags: Tags;
}

export interface ListenerSpec {
  readonly id: string;
  readonly port: number;
  readonly protocol: ListenerProtocol;
  /** Used when no rule matches: the default backend, else a fixed 404. */
  readonly defaultAction: ActionSpec;
  /** For HTTPS: ACM certificate ARNs or ids of certificates we import; the first is the default. */
  readonly certificates: readonly CertificateRef[];
  /**
   * For HTTPS: hosts served here that no Secret and no `certificate-arn` covers. The pipeline
   * looks for ISSUED ACM certificates covering them and adds those to `certificates`.
   */
  readonly discoverHosts?: readonly { readonly host: string; readonly ingress: ObjectKey }[];
  readonly sslPolicy?: string;
  readonly tags: Tags;
}

/**
 * The TLS policy of HTTPS listeners without the `ssl-policy` annotation: TLS 1.3 and 1.2
 * only, forward-secret ciphers; AWS's recommended policy for new listeners since 2021.
 */
export const defaultSslPolicy = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/**
 * What the pipeline answers about one `spec.tls` entry: its Secret validated against the
 * entry's hosts, so translate stays pure and never sees key material.
 */
export type TlsResolution = Result<
  { readonly fingerprint: string; readonly names: readonly string[] },
  {
    readonly message: string;
    /** ARNs of certificates imported from this Secret before: they keep serving its hosts. */
    readonly retainedArns: readonly string[];
  }
>;

export type TlsResolver = (secret: ObjectKey, hosts: readonly string[]) => TlsResolution;

export type CertificateRef =
  | { readonly kind: 'arn'; readonly arn: string }
  /** A certificate imported from a Secret, by its content fingerprint. */
  | { readonly kind: 'imported'; readonly fingerprint: string };

/** Everything one Ingress group should be in AWS. Rules are listed in evaluation order. */
export interface DesiredStack {
  /** Group name: the `group.name` annotation, or `namespace/name` of a lone Ingress. */
  readonly group: string;
  /** Members that are applied, in group order. */
  readonly ingresses: readonly ObjectKey[];
  readonly loadBalancer: LoadBalancerSpec;
  /** The managed security group; `null` when the `security-groups` annotation names the groups. */
  readonly securityGroup: SecurityGroupSpec | null;
  readonly listeners: readonly ListenerSpec[];
  /** Per listener, in the order ALB must evaluate them (first match wins). */
  readonly rules: readonly RuleSpec[];
  readonly targetGroups: readonly TargetGroupSpec[];
  /**
   * Ingresses whose rules already in AWS stay exactly as they are, because the Ingress is
   * currently invalid (see `IngressError`).
   */
  readonly frozenIngresses: readonly ObjectKey[];
  /**
   * Every member of the group, applied or frozen, in group order. The diff places a frozen
   * Ingress's rules among the others by precedence, and by this order where precedence ties.
   * @default `ingresses` followed by `frozenIngresses`
   */
  readonly groupOrder?: readonly ObjectKey[];
  /**
   * The `manage-backend-security-group-rules` annotation of the group. With security groups
   * named by the `security-groups` annotation, `true` attaches the shared backend security
   * group and manages the rules that let it reach the targets; with the managed security
   * group, `false` turns that off.
   * @default unset: managed exactly when the group has the managed security group
   */
  readonly manageBackendSecurityGroupRules?: boolean;
}

/** A problem with one Ingress, reported to its owner. It never stops the rest of the group. */
export interface IngressError {
  readonly ingress: ObjectKey;
  /** Group the Ingress belongs to, when known. */
  readonly group: string | null;
  /** Names the object, the field or annotation, the bad value and what is allowed. */
  readonly message: string;
  /**
   * `excluded`: the Ingress is left out of its group (its rules already in AWS stay untouched).
   * `degraded`: the Ingress is applied, but part of it (one path, one TLS entry) serves an error.
   */
  readonly severity: 'excluded' | 'degraded';
}

/**
 * Something about one Ingress its owner should know, that does not stop it from being
 * applied: a path that is never served, a redirect left out because it would loop. Unlike an
 * `IngressError` it does not change the exit code.
 */
export interface IngressWarning {
  readonly ingress: ObjectKey;
  /** Group the Ingress belongs to. */
  readonly group: string;
  /**
   * `Ingress namespace/name: ...`, naming the annotation or field, the value, and what
   * Albatross does instead.
   */
  readonly message: string;
}

/** The outcome of translating every group of a snapshot. */
export interface DesiredState {
  readonly stacks: readonly DesiredStack[];
  /**
   * Groups whose members are all invalid: nothing in AWS is changed for them, and they are
   * not deleted either.
   */
  readonly frozenGroups: readonly string[];
  readonly errors: readonly IngressError[];
  /** Per-Ingress warnings of every group, in group order; they never change the exit code. */
  readonly warnings: readonly IngressWarning[];
}
