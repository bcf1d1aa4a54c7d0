// Turns operations into the changes users read in `plan` and `apply` output: what happens
// to which resource, in one line, without secrets.
import type { ActionSpec, CertificateRef, ConditionSpec, TargetGroupRef } from '../model/resources.js';
import type { Operation } from './operations.js';

export const ChangeAction = ['create', 'update', 'delete'] as const;
export type ChangeAction = (typeof ChangeAction)[number];

export interface Change {
  readonly action: ChangeAction;
  /** `load-balancer`, `listener`, `rule`, `target-group`, `targets`, `security-group`, ... */
  readonly kind: string;
  readonly id: string;
  readonly summary: string;
}

export function describeOperation(op: Operation): Change {
  switch (op.op) {
    case 'createSecurityGroup':
      return change('create', 'security-group', op.spec.id, `${op.spec.name} allowing ${rulesText(op.spec.ingress)}`);
    case 'updateSecurityGroupRules':
      return change('update', 'security-group', op.id, [
        op.authorize.length > 0 ? `allow ${rulesText(op.authorize)}` : '',
        op.revoke.length > 0 ? `revoke ${rulesText(op.revoke)}` : '',
      ]);
    case 'deleteSecurityGroup':
      return change('delete', 'security-group', op.id, `${op.name} (${op.groupId})`);
    case 'createTargetGroup':
      return change(
        'create',
        'target-group',
        op.spec.id,
        `${op.spec.name} for Service ${op.spec.service.key}:${op.spec.service.port} (${op.spec.protocol} ${op.spec.protocolVersion}, ${op.spec.targetType} targets, health check ${op.spec.healthCheck.protocol}${op.spec.healthCheck.port === 'traffic-port' ? '' : ` port ${op.spec.healthCheck.port}`} ${op.spec.healthCheck.path})`,
      );
    case 'modifyTargetGroupHealthCheck':
      return change('update', 'target-group', op.id, `health check ${op.fields.map((f) => `${f}=${String(op.healthCheck[f as keyof typeof op.healthCheck])}`).join(', ')}`);
    case 'modifyTargetGroupAttributes':
      return change('update', 'target-group', op.id, `attributes ${kv(op.attributes)}`);
    case 'registerTargets':
      return change('update', 'targets', op.id, `register ${targetsText(op.targets)}`);
    case 'deregisterTargets':
      return change('update', 'targets', op.id, `deregister ${targetsText(op.targets)}`);
    case 'deleteTargetGroup':
      return change('delete', 'target-group', op.id, op.name);
    case 'createLoadBalancer':
      return change(
        'create',
        'load-balancer',
        op.spec.id,
        `${op.spec.name} (${op.spec.scheme}, ${op.spec.ipAddressType}, subnets ${op.subnetIds.join(',')})`,
      );
    case 'setSubnets':
      return change('update', 'load-balancer', op.id, `subnets ${op.from.join(',')} -> ${op.subnetIds.join(',')}`);
    case 'setSecurityGroups':
      return change('update', 'load-balancer', op.id, `security groups ${op.from.join(',')} -> ${op.securityGroups.map((r) => (r.kind === 'groupId' ? r.groupId : r.kind === 'backend' ? 'backend-sg' : r.id)).join(',')}`);
    case 'setIpAddressType':
      return change('update', 'load-balancer', op.id, `ip address type ${op.from} -> ${op.ipAddressType}`);
    case 'modifyLoadBalancerAttributes':
      return change('update', 'load-balancer', op.id, `attributes ${kv(op.attributes)}`);
    case 'deleteLoadBalancer':
      return change('delete', 'load-balancer', op.id, `${op.name}: ${op.reason}`);
    case 'createListener':
      return change(
        'create',
        'listener',
        op.spec.id,
        `${op.spec.protocol}:${op.spec.port}, default ${actionText(op.spec.defaultAction)}${op.spec.protocol === 'HTTPS' ? `, certificates ${op.spec.certificates.map(certificateText).join(', ')}, policy ${op.spec.sslPolicy ?? '(AWS default)'}` : ''}`,
      );
    case 'modifyListener':
      return change('update', 'listener', op.id, `${op.fields.join(', ')}: ${op.spec.protocol}:${op.spec.port}, default ${actionText(op.spec.defaultAction)}`);
    case 'deleteListener':
      return change('delete', 'listener', op.id, `port ${op.port}`);
    case 'addListenerCertificates':
      return change('update', 'listener-certificates', op.id, `attach ${op.certificates.map(certificateText).join(', ')}`);
    case 'removeListenerCertificates':
      return change('update', 'listener-certificates', op.id, `detach ${op.certificateArns.join(', ')}`);
    case 'createRule':
      return change('create', 'rule', op.spec.id, `priority ${op.priority}: ${conditionsText(op.spec.conditions)} -> ${actionText(op.spec.action)}`);
    case 'modifyRule':
      return change('update', 'rule', op.id, `${op.fields.join(', ')}: ${conditionsText(op.spec.conditions)} -> ${actionText(op.spec.action)}`);
    case 'setRulePriorities':
      return change('update', 'rule-priorities', `listener/${op.listenerPort}`, op.moves.map((m) => `${m.id} ${m.from} -> ${m.priority}`).join(', '));
    case 'deleteRule':
      return change(
        'delete',
        'rule',
        op.id ?? op.arn,
        `priority ${op.priority}: ${conditionsText(op.conditions)} -> ${op.action === null ? '(actions not managed by Albatross)' : actionText(op.action)}${op.id === null ? ' (not created by Albatross)' : ''}`,
      );
    case 'updateTags':
      return change('update', 'tags', op.id, [
        Object.keys(op.add).length > 0 ? `set ${kv(op.add)}` : '',
        op.remove.length > 0 ? `remove ${op.remove.join(',')}` : '',
      ]);
  }
}

function change(action: ChangeAction, kind: string, id: string, summary: string | string[]): Change {
  return { action, kind, id, summary: Array.isArray(summary) ? summary.filter((s) => s !== '').join('; ') : summary };
}

export function conditionsText(conditions: readonly ConditionSpec[]): string {
  return conditions
    .map((c) => {
      if (c.field === 'query-string') return `query-string ${c.values.map((v) => `${v.key ?? ''}=${v.value}`).join('|')}`;
      if (c.field === 'http-header') return `http-header ${c.name}=${c.values.join('|')}`;
      return `${c.field} ${c.values.join('|')}`;
    })
    .join(' AND ');
}

export function actionText(action: ActionSpec | null, name: (ref: TargetGroupRef) => string = refText): string {
  if (action === null) return '(unmanaged action)';
  switch (action.type) {
    case 'forward': {
      const [only, ...more] = action.targetGroups;
      return only !== undefined && more.length === 0
        ? `forward ${name(only.targetGroup)}`
        : `forward ${action.targetGroups.map((t) => `${name(t.targetGroup)} (weight ${t.weight})`).join(', ')}`;
    }
    case 'redirect':
      return `redirect ${action.statusCode} ${action.protocol}://${action.host}:${action.port}${action.path}?${action.query}`;
    case 'fixed-response':
      return `fixed-response ${action.statusCode}${action.messageBody === undefined ? '' : ` "${action.messageBody}"`}`;
  }
}

export function certificateText(ref: CertificateRef): string {
  return ref.kind === 'arn' ? ref.arn : `certificate/${ref.fingerprint.slice(0, 16)} (from a Secret)`;
}

function refText(ref: TargetGroupRef): string {
  return ref.kind === 'id' ? ref.id : ref.arn;
}

function kv(map: Readonly<Record<string, string>>): string {
  return Object.entries(map)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function rulesText(rules: readonly { port: number; cidr: string }[]): string {
  return rules.map((r) => `${r.cidr}:${r.port}`).join(', ');
}

function targetsText(targets: readonly { ip: string; port: number }[]): string {
  return targets.map((t) => `${t.ip}:${t.port}`).join(', ');
}
