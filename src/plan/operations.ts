// The steps of a plan. Each names the resource it acts on by stable id; resources created
// earlier in the same plan are referred to by id and resolved to ARNs while applying.
import type {
  ActionSpec,
  CertificateRef,
  ConditionSpec,
  HealthCheckSpec,
  IpAddressType,
  ListenerSpec,
  LoadBalancerSpec,
  RuleSpec,
  SecurityGroupRuleSpec,
  SecurityGroupSpec,
  Tags,
  TargetGroupSpec,
  TargetSpec,
} from '../model/resources.js';

/** A security group of the load balancer: the managed one by id, or an existing one. */
/**
 * A security group of a load balancer: the group's managed one, one by id, or the cluster's
 * backend security group while it does not exist yet (in a plan only; apply creates it first).
 */
export type SecurityGroupRef = { readonly kind: 'managed'; readonly id: string } | { readonly kind: 'groupId'; readonly groupId: string } | { readonly kind: 'backend' };

export type Operation =
  | { readonly op: 'createSecurityGroup'; readonly spec: SecurityGroupSpec; readonly vpcId: string }
  | {
      readonly op: 'updateSecurityGroupRules';
      readonly id: string;
      readonly groupId: string;
      readonly authorize: readonly SecurityGroupRuleSpec[];
      readonly revoke: readonly SecurityGroupRuleSpec[];
    }
  | { readonly op: 'deleteSecurityGroup'; readonly id: string; readonly groupId: string; readonly name: string }
  | { readonly op: 'createTargetGroup'; readonly spec: TargetGroupSpec; readonly vpcId: string }
  | { readonly op: 'modifyTargetGroupHealthCheck'; readonly id: string; readonly arn: string; readonly healthCheck: HealthCheckSpec; readonly grpc: boolean; readonly fields: readonly string[] }
  | { readonly op: 'modifyTargetGroupAttributes'; readonly id: string; readonly arn: string | null; readonly attributes: Readonly<Record<string, string>> }
  | { readonly op: 'registerTargets'; readonly id: string; readonly arn: string | null; readonly targets: readonly TargetSpec[] }
  | { readonly op: 'deregisterTargets'; readonly id: string; readonly arn: string; readonly targets: readonly TargetSpec[] }
  | { readonly op: 'deleteTargetGroup'; readonly id: string; readonly arn: string; readonly name: string }
  | {
      readonly op: 'createLoadBalancer';
      readonly spec: LoadBalancerSpec;
      readonly subnetIds: readonly string[];
      readonly securityGroups: readonly SecurityGroupRef[];
    }
  | { readonly op: 'setSubnets'; readonly id: string; readonly arn: string; readonly subnetIds: readonly string[]; readonly from: readonly string[] }
  | { readonly op: 'setSecurityGroups'; readonly id: string; readonly arn: string; readonly securityGroups: readonly SecurityGroupRef[]; readonly from: readonly string[] }
  | { readonly op: 'setIpAddressType'; readonly id: string; readonly arn: string; readonly ipAddressType: IpAddressType; readonly from: IpAddressType }
  | { readonly op: 'modifyLoadBalancerAttributes'; readonly id: string; readonly arn: string | null; readonly attributes: Readonly<Record<string, string>> }
  | { readonly op: 'deleteLoadBalancer'; readonly id: string; readonly arn: string; readonly name: string; readonly reason: string }
  | { readonly op: 'createListener'; readonly spec: ListenerSpec }
  | { readonly op: 'modifyListener'; readonly id: string; readonly arn: string; readonly spec: ListenerSpec; readonly fields: readonly string[] }
  | { readonly op: 'deleteListener'; readonly id: string; readonly arn: string; readonly port: number }
  /** Makes sure these SNI certificates are on the listener (apply adds only the missing ones). */
  | { readonly op: 'addListenerCertificates'; readonly id: string; readonly arn: string; readonly certificates: readonly CertificateRef[] }
  | { readonly op: 'removeListenerCertificates'; readonly id: string; readonly arn: string; readonly certificateArns: readonly string[] }
  | { readonly op: 'createRule'; readonly spec: RuleSpec; readonly priority: number }
  | {
      readonly op: 'modifyRule';
      readonly id: string;
      readonly arn: string;
      readonly spec: RuleSpec;
      readonly fields: readonly string[];
    }
  | {
      readonly op: 'setRulePriorities';
      readonly listenerPort: number;
      readonly moves: readonly { readonly id: string; readonly arn: string; readonly from: number; readonly priority: number }[];
    }
  | {
      readonly op: 'deleteRule';
      readonly id: string | null;
      readonly arn: string;
      readonly listenerPort: number;
      readonly priority: number;
      readonly conditions: readonly ConditionSpec[];
      readonly action: ActionSpec | null;
    }
  | {
      readonly op: 'updateTags';
      readonly id: string;
      /** `ec2` for security groups, `elbv2` for everything else. */
      readonly service: 'elbv2' | 'ec2';
      readonly arn: string;
      readonly add: Tags;
      readonly remove: readonly string[];
    };

export type OperationName = Operation['op'];

/** The operation of one kind, e.g. `OperationOf<'createRule'>`. */
export type OperationOf<K extends OperationName> = Extract<Operation, { op: K }>;

/** The phase an operation runs in: creates forward, deletes backward and last. */
export const phaseOf: Readonly<Record<OperationName, number>> = {
  createSecurityGroup: 1,
  updateSecurityGroupRules: 1,
  createTargetGroup: 2,
  modifyTargetGroupHealthCheck: 2,
  modifyTargetGroupAttributes: 3,
  registerTargets: 3,
  // A replaced load balancer goes before its successor is created (names may be equal).
  deleteLoadBalancer: 0,
  createLoadBalancer: 4,
  setSubnets: 5,
  setSecurityGroups: 5,
  setIpAddressType: 5,
  modifyLoadBalancerAttributes: 5,
  createListener: 6,
  modifyListener: 6,
  // After modifyListener: a new default certificate must not leave SNI certificates behind.
  addListenerCertificates: 7,
  setRulePriorities: 7,
  modifyRule: 8,
  createRule: 8,
  updateTags: 8,
  deregisterTargets: 9,
  // Detach only once what replaces a certificate is attached.
  removeListenerCertificates: 9,
  deleteRule: 10,
  deleteListener: 11,
  deleteTargetGroup: 13,
  deleteSecurityGroup: 14,
};
