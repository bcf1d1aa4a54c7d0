// What exists in AWS for one group, read by `observe` into shapes close to the desired
// ones, so `plan` can compare field by field. Target groups are referenced by ARN here.
import type {
  ActionSpec,
  ConditionSpec,
  HealthCheckSpec,
  IpAddressType,
  ListenerProtocol,
  ProtocolVersion,
  Scheme,
  SecurityGroupRuleSpec,
  TargetProtocol,
  TargetSpec,
  TargetType,
  Tags,
} from './resources.js';

interface Owned {
  readonly arn: string;
  /** The `albatross.dev/resource` tag; `null` on resources we did not create. */
  readonly id: string | null;
  readonly tags: Tags;
}

export interface ActualLoadBalancer extends Owned {
  readonly name: string;
  readonly dnsName: string;
  readonly scheme: Scheme;
  readonly ipAddressType: IpAddressType;
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly attributes: Readonly<Record<string, string>>;
}

export interface ActualSecurityGroup {
  readonly groupId: string;
  readonly id: string | null;
  readonly name: string;
  readonly ingress: readonly SecurityGroupRuleSpec[];
  readonly tags: Tags;
}

/** In actual actions, target groups are always `{ kind: 'arn' }`. */
export interface ActualListener extends Owned {
  readonly port: number;
  readonly protocol: ListenerProtocol;
  readonly defaultAction: ActionSpec;
  /** The default certificate first, then the SNI certificates. */
  readonly certificateArns: readonly string[];
  readonly sslPolicy: string | null;
}

export interface ActualRule extends Owned {
  readonly listenerArn: string;
  readonly listenerPort: number;
  readonly priority: number;
  readonly conditions: readonly ConditionSpec[];
  /** `null` when the rule's actions are not something Albatross would write. */
  readonly action: ActionSpec | null;
}

export interface ActualTargetGroup extends Owned {
  readonly name: string;
  readonly targetType: TargetType;
  readonly protocol: TargetProtocol;
  readonly protocolVersion: ProtocolVersion;
  readonly port: number;
  readonly vpcId: string;
  readonly healthCheck: HealthCheckSpec;
  readonly attributes: Readonly<Record<string, string>>;
  readonly targets: readonly TargetSpec[];
  readonly loadBalancerArns: readonly string[];
}

/** Everything in AWS carrying our cluster tag and one group's tag. */
export interface ActualStack {
  readonly group: string;
  readonly loadBalancer: ActualLoadBalancer | null;
  readonly securityGroup: ActualSecurityGroup | null;
  readonly listeners: readonly ActualListener[];
  /** Every non-default rule on our listeners, ours or not: strays are drift to remove. */
  readonly rules: readonly ActualRule[];
  readonly targetGroups: readonly ActualTargetGroup[];
}
