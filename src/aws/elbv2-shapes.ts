// Converts listener actions and rule conditions between our model and the ELBv2 wire
// shapes, both ways. Reading normalises what AWS may return in two forms (legacy
// `Values`, a bare `TargetGroupArn`), so equal things compare equal in `plan`.
import type { Action, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ActionSpec, ConditionSpec } from '../model/resources.js';

/** Resolves a target group reference of a desired action to its ARN. */
export type TargetGroupArnResolver = (ref: { kind: 'id'; id: string } | { kind: 'arn'; arn: string }) => string;

export function actionToSdk(action: ActionSpec, resolve: TargetGroupArnResolver): Action {
  switch (action.type) {
    case 'forward':
      return {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: action.targetGroups.map((t) => ({ TargetGroupArn: resolve(t.targetGroup), Weight: t.weight })),
          TargetGroupStickinessConfig:
            action.stickinessSeconds === undefined
              ? { Enabled: false }
              : { Enabled: true, DurationSeconds: action.stickinessSeconds },
        },
      };
    case 'redirect':
      return {
        Type: 'redirect',
        RedirectConfig: {
          Protocol: action.protocol,
          Port: action.port,
          Host: action.host,
          Path: action.path,
          Query: action.query,
          StatusCode: action.statusCode,
        },
      };
    case 'fixed-response':
      return {
        Type: 'fixed-response',
        FixedResponseConfig: {
          StatusCode: action.statusCode,
          ...(action.contentType === undefined ? {} : { ContentType: action.contentType }),
          ...(action.messageBody === undefined ? {} : { MessageBody: action.messageBody }),
        },
      };
  }
}

/**
 * Reads the one action Albatross writes per rule. Anything else (several actions,
 * authentication actions) is `null`: not ours, so `plan` rewrites it.
 */
export function actionFromSdk(actions: readonly Action[] | undefined): ActionSpec | null {
  const a = actions?.length === 1 ? actions[0] : undefined;
  if (a === undefined) return null;
  switch (a.Type) {
    case 'forward': {
      const groups = a.ForwardConfig?.TargetGroups ?? (a.TargetGroupArn === undefined ? [] : [{ TargetGroupArn: a.TargetGroupArn }]);
      const stickiness = a.ForwardConfig?.TargetGroupStickinessConfig;
      return {
        type: 'forward',
        targetGroups: groups.map((g) => ({ targetGroup: { kind: 'arn', arn: g.TargetGroupArn ?? '' }, weight: g.Weight ?? 1 })),
        ...(stickiness?.Enabled === true ? { stickinessSeconds: stickiness.DurationSeconds ?? 3600 } : {}),
      };
    }
    case 'redirect': {
      const r = a.RedirectConfig;
      return {
        type: 'redirect',
        protocol: r?.Protocol ?? '#{protocol}',
        port: r?.Port ?? '#{port}',
        host: r?.Host ?? '#{host}',
        path: r?.Path ?? '/#{path}',
        query: r?.Query ?? '#{query}',
        statusCode: r?.StatusCode === 'HTTP_302' ? 'HTTP_302' : 'HTTP_301',
      };
    }
    case 'fixed-response': {
      const f = a.FixedResponseConfig;
      return {
        type: 'fixed-response',
        statusCode: f?.StatusCode ?? '',
        ...(f?.ContentType === undefined ? {} : { contentType: f.ContentType }),
        ...(f?.MessageBody === undefined || f.MessageBody === '' ? {} : { messageBody: f.MessageBody }),
      };
    }
    case 'authenticate-cognito':
    case 'authenticate-oidc':
    case 'jwt-validation':
    case undefined:
      return null;
    // A type newer than this SDK's list is not ours either.
    default:
      return null;
  }
}

export function conditionsToSdk(conditions: readonly ConditionSpec[]): RuleCondition[] {
  return conditions.map((c): RuleCondition => {
    switch (c.field) {
      case 'host-header':
        return { Field: c.field, HostHeaderConfig: { Values: [...c.values] } };
      case 'path-pattern':
        return { Field: c.field, PathPatternConfig: { Values: [...c.values] } };
      case 'http-request-method':
        return { Field: c.field, HttpRequestMethodConfig: { Values: [...c.values] } };
      case 'source-ip':
        return { Field: c.field, SourceIpConfig: { Values: [...c.values] } };
      case 'http-header':
        return { Field: c.field, HttpHeaderConfig: { HttpHeaderName: c.name, Values: [...c.values] } };
      case 'query-string':
        return {
          Field: c.field,
          QueryStringConfig: { Values: c.values.map((v) => (v.key === undefined ? { Value: v.value } : { Key: v.key, Value: v.value })) },
        };
    }
  });
}

export function conditionsFromSdk(conditions: readonly RuleCondition[] | undefined): ConditionSpec[] {
  const out: ConditionSpec[] = [];
  for (const c of conditions ?? []) {
    const legacy = c.Values ?? [];
    switch (c.Field) {
      case 'host-header':
        out.push({ field: 'host-header', values: c.HostHeaderConfig?.Values ?? legacy });
        break;
      case 'path-pattern':
        out.push({ field: 'path-pattern', values: c.PathPatternConfig?.Values ?? legacy });
        break;
      case 'http-request-method':
        out.push({ field: 'http-request-method', values: c.HttpRequestMethodConfig?.Values ?? legacy });
        break;
      case 'source-ip':
        out.push({ field: 'source-ip', values: c.SourceIpConfig?.Values ?? legacy });
        break;
      case 'http-header':
        out.push({ field: 'http-header', name: c.HttpHeaderConfig?.HttpHeaderName ?? '', values: c.HttpHeaderConfig?.Values ?? legacy });
        break;
      case 'query-string':
        out.push({
          field: 'query-string',
          values: (c.QueryStringConfig?.Values ?? []).map((v) => (v.Key === undefined ? { value: v.Value ?? '' } : { key: v.Key, value: v.Value ?? '' })),
        });
        break;
      // A field newer than this SDK's list, or none: not a condition Albatross writes.
      case undefined:
      default:
        break;
    }
  }
  return out;
}

/** Tag list <-> map. */
export function tagsToSdk(tags: Readonly<Record<string, string>>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function tagsFromSdk(tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}
