// Which endpoint addresses may become ALB targets. EndpointSlices are written by a controller
// or by anyone allowed to write them, so an address such as 127.0.0.1, 169.254.169.254 or a
// public one is refused here, with a warning naming the Service, instead of being planned.
import { memberName } from '../gateway/names.js';
import { BlockList, isIP } from 'node:net';
import { PrivateTargetRanges } from '../model/aws-limits.js';
import type { DesiredStack, IngressWarning, ObjectKey, TargetGroupSpec, TargetSpec } from '../model/resources.js';
import type { Network } from '../observe/network.js';

/** Decides per address; built once per network. */
export interface TargetAddresses {
  /** Whether ALB takes `ip` as an IP target in this network. */
  allows(ip: string): boolean;
  /** What is allowed, for messages. */
  readonly described: string;
}

/**
 * The addresses ALB takes as IP targets of a target group in `network`'s VPC: those in the
 * VPC's subnets (IPv4 and IPv6) and those in the private ranges of `PrivateTargetRanges`
 * (documented there, with its source).
 */
export function targetAddresses(network: Network): TargetAddresses {
  const list = new BlockList();
  const subnetCidrs = [...new Set(network.subnets.flatMap((s) => s.cidrBlocks ?? []))].sort();
  for (const cidr of [...PrivateTargetRanges, ...subnetCidrs]) {
    const slash = cidr.indexOf('/');
    const address = cidr.slice(0, slash);
    const family = isIP(address);
    if (slash < 0 || family === 0) continue;
    list.addSubnet(address, Number(cidr.slice(slash + 1)), family === 4 ? 'ipv4' : 'ipv6');
  }
  const subnets = subnetCidrs.length === 0 ? `the subnets of ${network.vpcId}` : `the subnets of ${network.vpcId} (${subnetCidrs.join(', ')})`;
  return {
    allows(ip) {
      const family = isIP(ip);
      return family !== 0 && list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
    },
    described: `${subnets} and ${PrivateTargetRanges.join(', ')}`,
  };
}

/** Targets of one target group split into those ALB takes and the refused addresses. */
export function admittedTargets(spec: TargetGroupSpec, addresses: TargetAddresses): { readonly targets: readonly TargetSpec[]; readonly refused: readonly string[] } {
  const targets = spec.targets.filter((t) => addresses.allows(t.ip));
  const refused = [...new Set(spec.targets.filter((t) => !addresses.allows(t.ip)).map((t) => t.ip))];
  return { targets, refused };
}

/**
 * The warning for a refused address, naming the Service, the address and what ALB takes.
 * `ingress` is told: a member whose paths (or default backend) forward to the Service.
 */
export function refusedTargetWarning(ingress: ObjectKey, group: string, spec: TargetGroupSpec, ip: string, addresses: TargetAddresses): IngressWarning {
  return {
    ingress,
    group,
    message: `${memberName(ingress)}: Service ${spec.service.key} port ${spec.service.port}: endpoint address ${JSON.stringify(ip)} is not registered as a target: ALB takes IP targets only from ${addresses.described}; the Service's other endpoints are registered`,
  };
}

/**
 * The stack with each target group's targets limited to addresses ALB takes, and a warning
 * per refused address. A warning goes to each member whose rules forward to the target
 * group, or to the first member when only the default backend does.
 */
export function admitTargets(stack: DesiredStack, network: Network): { readonly stack: DesiredStack; readonly warnings: readonly IngressWarning[] } {
  const addresses = targetAddresses(network);
  const warnings: IngressWarning[] = [];
  const targetGroups = stack.targetGroups.map((spec) => {
    const { targets, refused } = admittedTargets(spec, addresses);
    if (refused.length === 0) return spec;
    const told = usersOf(stack, spec.id);
    for (const ip of refused) for (const ingress of told) warnings.push(refusedTargetWarning(ingress, stack.group, spec, ip, addresses));
    return { ...spec, targets };
  });
  return warnings.length === 0 ? { stack, warnings } : { stack: { ...stack, targetGroups }, warnings };
}

/** The members told about a target group: those whose rules forward to it, else the first member. */
export function usersOf(stack: DesiredStack, targetGroupId: string): ObjectKey[] {
  const users = new Set<ObjectKey>();
  for (const rule of stack.rules) {
    if (rule.ingress === null || rule.action.type !== 'forward') continue;
    if (rule.action.targetGroups.some((t) => t.targetGroup.kind === 'id' && t.targetGroup.id === targetGroupId)) users.add(rule.ingress);
  }
  const first = stack.ingresses[0];
  return users.size > 0 ? [...users].sort() : first === undefined ? [] : [first];
}
