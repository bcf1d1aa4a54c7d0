// What apply knows about ARNs while it runs: those observed before, plus those of
// resources it has just created, so later steps can point at them.
import type { ActualStack } from '../model/actual.js';
import { AlbatrossError } from '../model/errors.js';
import type { CertificateRef, TargetGroupRef } from '../model/resources.js';
import type { SecurityGroupRef } from '../plan/operations.js';

export class ApplyState {
  readonly targetGroupArns = new Map<string, string>();
  readonly listenerArns = new Map<number, string>();
  loadBalancerArn: string | null = null;
  loadBalancerDnsName: string | null = null;
  managedSecurityGroupId: string | null = null;
  readonly importedCertificateArns = new Map<string, string>();

  constructor(actual: ActualStack | null, importedCertificateArns?: ReadonlyMap<string, string>) {
    for (const tg of actual?.targetGroups ?? []) if (tg.id !== null && !this.targetGroupArns.has(tg.id)) this.targetGroupArns.set(tg.id, tg.arn);
    for (const l of actual?.listeners ?? []) this.listenerArns.set(l.port, l.arn);
    this.loadBalancerArn = actual?.loadBalancer?.arn ?? null;
    this.loadBalancerDnsName = actual?.loadBalancer?.dnsName ?? null;
    this.managedSecurityGroupId = actual?.securityGroup?.groupId ?? null;
    for (const [k, v] of importedCertificateArns ?? []) this.importedCertificateArns.set(k, v);
  }

  targetGroupArn = (ref: TargetGroupRef): string => {
    if (ref.kind === 'arn') return ref.arn;
    return this.required(this.targetGroupArns.get(ref.id), `target group ${ref.id}`);
  };

  listenerArn(port: number): string {
    return this.required(this.listenerArns.get(port), `listener on port ${port}`);
  }

  requireLoadBalancerArn(): string {
    return this.required(this.loadBalancerArn ?? undefined, 'load balancer');
  }

  securityGroupId(ref: SecurityGroupRef): string {
    if (ref.kind === 'backend') return this.required(undefined, 'backend security group');
    return ref.kind === 'groupId' ? ref.groupId : this.required(this.managedSecurityGroupId ?? undefined, 'managed security group');
  }

  certificateArn(ref: CertificateRef): string {
    return ref.kind === 'arn' ? ref.arn : this.required(this.importedCertificateArns.get(ref.fingerprint), `certificate ${ref.fingerprint}`);
  }

  private required(value: string | undefined, what: string): string {
    if (value === undefined) throw new AlbatrossError('internal', `${what} is neither in AWS nor created earlier in this plan`);
    return value;
  }
}
