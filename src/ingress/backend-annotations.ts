// The JSON annotation families that shape one path's rule: `actions.NAME` (what a backend
// `NAME:use-annotation` does) and `conditions.NAME` (extra conditions on paths whose backend
// service is NAME). JSON keys are matched case-insensitively, as Go's encoding/json does in
// the AWS Load Balancer Controller, so manifests written for it read the same here.
import type { ConditionSpec, FixedResponseAction, RedirectAction } from '../model/resources.js';
import { annotationKey, isCidr, type AnnotationDoc, type Annotations } from './annotations.js';
import { isObject } from './input.js';
import { err, ok, type Result } from '../model/result.js';
import { oneOf, quote, show } from '../model/messages.js';
import { conditionValueProblem, type ConditionValueKind } from '../model/aws-limits.js';

export const actionsAnnotation = (name: string): string => annotationKey(`actions.${name}`);
export const conditionsAnnotation = (name: string): string => annotationKey(`conditions.${name}`);

/** The backend port name that selects an `actions.NAME` annotation. */
export const UseAnnotation = 'use-annotation';

/** Reference data of the two families, as `AnnotationDocs` in annotations.ts. */
export const BackendAnnotationDocs: Readonly<Record<'actions.NAME' | 'conditions.NAME', AnnotationDoc>> = {
  'actions.NAME': {
    type: { kind: 'json', of: 'object: `forward`, `redirect` or `fixed-response`' },
    default: 'none: a `use-annotation` backend without it answers 503',
    example: '{"type": "redirect", "redirectConfig": {"host": "docs.example.com", "statusCode": "HTTP_302"}}',
    onService: false,
    scope: 'this Ingress',
  },
  'conditions.NAME': {
    type: { kind: 'json', of: 'list of conditions' },
    default: 'none',
    example: '[{"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "X-Canary", "values": ["yes"]}}]',
    onService: false,
    scope: 'this Ingress',
  },
};

export type ForwardTarget =
  | { readonly kind: 'service'; readonly serviceName: string; readonly servicePort: string | number; readonly weight: number }
  | { readonly kind: 'arn'; readonly arn: string; readonly weight: number };

/** An `actions.NAME` annotation: as the model's action, but forwarding to Services by name. */
export type ActionConfig =
  | {
      readonly type: 'forward';
      readonly targetGroups: readonly ForwardTarget[];
      /** Absent: stickiness off. */
      readonly stickinessSeconds?: number;
    }
  | RedirectAction
  | FixedResponseAction;

/** Extra conditions: host and path values are ORed into the rule's own host and path (as the AWS controller does). */
export interface ExtraConditions {
  readonly hosts: readonly string[];
  readonly paths: readonly string[];
  readonly others: readonly ConditionSpec[];
}

export const noExtraConditions: ExtraConditions = { hosts: [], paths: [], others: [] };

type Json = Record<string, unknown>;

/** Field lookup: exact key first, then case-insensitive, as Go's JSON decoding does. */
function field(obj: Json, key: string): unknown {
  if (key in obj) return obj[key];
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function parseJson(value: string): Result<unknown> {
  try {
    return ok(JSON.parse(value) as unknown);
  } catch (error) {
    return err(`is not valid JSON (${(error as Error).message})`);
  }
}

function optionalString(obj: Json, key: string, where: string): Result<string | undefined> {
  const v = field(obj, key);
  if (v === undefined || v === null) return ok(undefined);
  return typeof v === 'string' ? ok(v) : err(`${where}${key} is ${show(v)}; use a string`);
}

function stringList(obj: Json, key: string, where: string): Result<string[]> {
  const v = field(obj, key);
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && x !== ''))
    return err(`${where}${key} is ${v === undefined ? 'missing' : show(v)}; use a non-empty list of strings`);
  return ok(v as string[]);
}

// --- actions.NAME ----------------------------------------------------------------------------

const fixedResponseContentTypes = ['text/plain', 'text/css', 'text/html', 'application/javascript', 'application/json'];

/** Parses `actions.NAME`; `undefined` when the annotation is absent. */
export function parseAction(annotations: Annotations, name: string): Result<ActionConfig | undefined> {
  const key = actionsAnnotation(name);
  const value = annotations[key];
  if (value === undefined) return ok(undefined);
  const parsed = parseActionJson(value);
  return parsed.ok ? parsed : err(`annotation ${key}: ${parsed.error}`);
}

function parseActionJson(value: string): Result<ActionConfig> {
  const json = parseJson(value);
  if (!json.ok) return json;
  const action = json.value;
  if (!isObject(action)) return err('is not a JSON object; use {"type": "forward" | "redirect" | "fixed-response", ...}');
  const type = field(action, 'type');
  switch (type) {
    case 'forward':
      return parseForward(action);
    case 'redirect':
      return parseRedirect(action);
    case 'fixed-response':
      return parseFixedResponse(action);
    default:
      return err(`type ${type === undefined ? 'is missing' : show(type)}${type === undefined ? '' : ' is not allowed'}; use ${oneOf(['forward', 'redirect', 'fixed-response'])}`);
  }
}

function parseForward(action: Json): Result<ActionConfig> {
  const arn = field(action, 'targetGroupARN');
  const config = field(action, 'forwardConfig');
  if ((arn !== undefined && arn !== null) === (config !== undefined && config !== null))
    return err('forward needs exactly one of targetGroupARN and forwardConfig');
  if (arn !== undefined && arn !== null) {
    if (typeof arn !== 'string' || arn === '') return err(`targetGroupARN is ${show(arn)}; use a target group ARN`);
    return ok({ type: 'forward', targetGroups: [{ kind: 'arn', arn, weight: 1 }] });
  }
  if (!isObject(config)) return err('forwardConfig is not an object; use {"targetGroups": [...]}');
  const list = field(config, 'targetGroups');
  if (!Array.isArray(list) || list.length === 0)
    return err('forwardConfig.targetGroups is missing or empty; list 1 to 5 target groups');
  if (list.length > 5) return err(`forwardConfig.targetGroups has ${list.length} target groups; ALB forwards to at most 5`);
  const targets: ForwardTarget[] = [];
  for (const [i, entry] of list.entries()) {
    const where = `forwardConfig.targetGroups[${i}]`;
    if (!isObject(entry)) return err(`${where} is not an object`);
    const weightRaw = field(entry, 'weight');
    if (weightRaw === undefined || weightRaw === null) {
      if (list.length > 1) return err(`${where}.weight is missing; set a weight on every target group when there are several`);
    } else if (typeof weightRaw !== 'number' || !Number.isInteger(weightRaw) || weightRaw < 0 || weightRaw > 999) {
      return err(`${where}.weight is ${show(weightRaw)}; use a whole number from 0 to 999`);
    }
    const weight = typeof weightRaw === 'number' ? weightRaw : 1;
    const tgArn = field(entry, 'targetGroupARN');
    const serviceName = field(entry, 'serviceName');
    const hasArn = tgArn !== undefined && tgArn !== null;
    const hasService = serviceName !== undefined && serviceName !== null;
    if (hasArn === hasService) return err(`${where} needs exactly one of targetGroupARN and serviceName`);
    if (hasArn) {
      if (typeof tgArn !== 'string' || tgArn === '') return err(`${where}.targetGroupARN is ${show(tgArn)}; use a target group ARN`);
      targets.push({ kind: 'arn', arn: tgArn, weight });
      continue;
    }
    if (typeof serviceName !== 'string' || serviceName === '')
      return err(`${where}.serviceName is ${show(serviceName)}; use the name of a Service`);
    const port = field(entry, 'servicePort');
    if (typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535) {
      targets.push({ kind: 'service', serviceName, servicePort: port, weight });
    } else if (typeof port === 'string' && port !== '') {
      // Numbers written as strings mean the port number (the old controller's format).
      targets.push({ kind: 'service', serviceName, servicePort: /^\d+$/.test(port) ? Number(port) : port, weight });
    } else {
      return err(`${where}.servicePort is ${port === undefined ? 'missing' : show(port)}; use a Service port number or name`);
    }
  }
  const stickiness = field(config, 'targetGroupStickinessConfig');
  if (stickiness === undefined || stickiness === null) return ok({ type: 'forward', targetGroups: targets });
  if (!isObject(stickiness)) return err('forwardConfig.targetGroupStickinessConfig is not an object');
  const enabled = field(stickiness, 'enabled');
  if (enabled !== undefined && typeof enabled !== 'boolean')
    return err(`forwardConfig.targetGroupStickinessConfig.enabled is ${show(enabled)}; use true or false`);
  if (enabled !== true) return ok({ type: 'forward', targetGroups: targets });
  const duration = field(stickiness, 'durationSeconds');
  if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 1 || duration > 604800)
    return err(
      `forwardConfig.targetGroupStickinessConfig.durationSeconds is ${duration === undefined ? 'missing' : show(duration)}; use a whole number from 1 to 604800`,
    );
  return ok({ type: 'forward', targetGroups: targets, stickinessSeconds: duration });
}

function parseRedirect(action: Json): Result<ActionConfig> {
  const config = field(action, 'redirectConfig');
  if (!isObject(config)) return err('redirectConfig is missing; use {"redirectConfig": {"statusCode": "HTTP_301", ...}}');
  const where = 'redirectConfig.';
  const fields: Record<'protocol' | 'port' | 'host' | 'path' | 'query' | 'statusCode', string | undefined> = {
    protocol: undefined,
    port: undefined,
    host: undefined,
    path: undefined,
    query: undefined,
    statusCode: undefined,
  };
  for (const key of Object.keys(fields) as (keyof typeof fields)[]) {
    const v = optionalString(config, key, where);
    if (!v.ok) return v;
    fields[key] = v.value;
  }
  const statusCode = fields.statusCode;
  if (statusCode !== 'HTTP_301' && statusCode !== 'HTTP_302')
    return err(`${where}statusCode is ${statusCode === undefined ? 'missing' : quote(statusCode)}; use "HTTP_301" or "HTTP_302"`);
  const protocol = fields.protocol ?? '#{protocol}';
  if (!['HTTP', 'HTTPS', '#{protocol}'].includes(protocol))
    return err(`${where}protocol is ${quote(protocol)}; use ${oneOf(['HTTP', 'HTTPS', '#{protocol}'])}`);
  const port = fields.port ?? '#{port}';
  if (port !== '#{port}' && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535))
    return err(`${where}port is ${quote(port)}; use a port from 1 to 65535 or "#{port}"`);
  const path = fields.path ?? '/#{path}';
  if (!path.startsWith('/')) return err(`${where}path is ${quote(path)}; use a path starting with "/"`);
  return ok({
    type: 'redirect',
    protocol,
    port,
    host: fields.host ?? '#{host}',
    path,
    query: fields.query ?? '#{query}',
    statusCode,
  });
}

function parseFixedResponse(action: Json): Result<ActionConfig> {
  const config = field(action, 'fixedResponseConfig');
  if (!isObject(config)) return err('fixedResponseConfig is missing; use {"fixedResponseConfig": {"statusCode": "404", ...}}');
  const where = 'fixedResponseConfig.';
  const status = field(config, 'statusCode');
  const statusCode = typeof status === 'number' ? String(status) : status;
  if (typeof statusCode !== 'string' || !/^[245]\d\d$/.test(statusCode))
    return err(`${where}statusCode is ${status === undefined ? 'missing' : show(status)}; use a 2XX, 4XX or 5XX code such as "503"`);
  const contentType = optionalString(config, 'contentType', where);
  if (!contentType.ok) return contentType;
  if (contentType.value !== undefined && !fixedResponseContentTypes.includes(contentType.value))
    return err(`${where}contentType is ${quote(contentType.value)}; use ${oneOf(fixedResponseContentTypes)}`);
  const messageBody = optionalString(config, 'messageBody', where);
  if (!messageBody.ok) return messageBody;
  if (messageBody.value !== undefined && messageBody.value.length > 1024)
    return err(`${where}messageBody is ${messageBody.value.length} characters long; ALB allows at most 1024`);
  return ok({
    type: 'fixed-response',
    statusCode,
    ...(contentType.value === undefined ? {} : { contentType: contentType.value }),
    ...(messageBody.value === undefined ? {} : { messageBody: messageBody.value }),
  });
}

// --- conditions.NAME -------------------------------------------------------------------------

const conditionFields = ['host-header', 'path-pattern', 'http-header', 'http-request-method', 'query-string', 'source-ip'];

/** Parses `conditions.NAME`; absent means no extra conditions. */
export function parseConditions(annotations: Annotations, name: string): Result<ExtraConditions> {
  const key = conditionsAnnotation(name);
  const value = annotations[key];
  if (value === undefined) return ok(noExtraConditions);
  const parsed = parseConditionsJson(value);
  return parsed.ok ? parsed : err(`annotation ${key}: ${parsed.error}`);
}

function parseConditionsJson(value: string): Result<ExtraConditions> {
  const json = parseJson(value);
  if (!json.ok) return json;
  if (!Array.isArray(json.value)) return err('is not a JSON list; use [{"field": "http-header", "httpHeaderConfig": {...}}, ...]');
  const hosts: string[] = [];
  const paths: string[] = [];
  const others: ConditionSpec[] = [];
  for (const [i, entry] of json.value.entries()) {
    const where = `[${i}].`;
    if (!isObject(entry)) return err(`[${i}] is not an object`);
    const f = field(entry, 'field');
    const config = (key: string): Result<Json> => {
      const c = field(entry, key);
      return isObject(c) ? ok(c) : err(`${where}${key} is missing for field ${show(f)}`);
    };
    switch (f) {
      case 'host-header': {
        const c = config('hostHeaderConfig');
        if (!c.ok) return c;
        const values = stringList(c.value, 'values', `${where}hostHeaderConfig.`);
        if (!values.ok) return values;
        const bad = refusedValue('host', values.value, `${where}hostHeaderConfig.values`);
        if (bad !== null) return err(bad);
        hosts.push(...values.value.map((v) => v.toLowerCase()));
        break;
      }
      case 'path-pattern': {
        const c = config('pathPatternConfig');
        if (!c.ok) return c;
        const values = stringList(c.value, 'values', `${where}pathPatternConfig.`);
        if (!values.ok) return values;
        const bad = refusedValue('path', values.value, `${where}pathPatternConfig.values`);
        if (bad !== null) return err(bad);
        paths.push(...values.value);
        break;
      }
      case 'http-header': {
        const c = config('httpHeaderConfig');
        if (!c.ok) return c;
        const headerName = field(c.value, 'httpHeaderName');
        if (typeof headerName !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,40}$/.test(headerName))
          return err(`${where}httpHeaderConfig.httpHeaderName is ${headerName === undefined ? 'missing' : show(headerName)}; use an HTTP header name`);
        const values = stringList(c.value, 'values', `${where}httpHeaderConfig.`);
        if (!values.ok) return values;
        const bad = refusedValue('http-header-value', values.value, `${where}httpHeaderConfig.values`);
        if (bad !== null) return err(bad);
        others.push({ field: 'http-header', name: headerName, values: values.value });
        break;
      }
      case 'http-request-method': {
        const c = config('httpRequestMethodConfig');
        if (!c.ok) return c;
        const values = stringList(c.value, 'values', `${where}httpRequestMethodConfig.`);
        if (!values.ok) return values;
        const bad = values.value.find((v) => !/^[A-Z_-]{1,40}$/.test(v));
        if (bad !== undefined) return err(`${where}httpRequestMethodConfig.values has ${quote(bad)}; use upper-case methods such as "GET"`);
        if (others.some((o) => o.field === 'http-request-method'))
          return err(`${where}field "http-request-method" appears twice; an ALB rule takes one, put all methods in it`);
        others.push({ field: 'http-request-method', values: values.value });
        break;
      }
      case 'query-string': {
        const c = config('queryStringConfig');
        if (!c.ok) return c;
        const list = field(c.value, 'values');
        if (!Array.isArray(list) || list.length === 0)
          return err(`${where}queryStringConfig.values is missing or empty; use [{"key": "k", "value": "v"}]`);
        const pairs: { key?: string; value: string }[] = [];
        for (const [j, pair] of list.entries()) {
          const w = `${where}queryStringConfig.values[${j}]`;
          if (!isObject(pair)) return err(`${w} is not an object`);
          const k = field(pair, 'key');
          const v = field(pair, 'value');
          if (typeof v !== 'string' || v === '') return err(`${w}.value is ${v === undefined ? 'missing' : show(v)}; use a non-empty string`);
          if (k !== undefined && k !== null && typeof k !== 'string') return err(`${w}.key is ${show(k)}; use a string`);
          const bad = refusedValue('query-string', typeof k === 'string' ? [k] : [], `${w}.key`) ?? refusedValue('query-string', [v], `${w}.value`);
          if (bad !== null) return err(bad);
          pairs.push(typeof k === 'string' && k !== '' ? { key: k, value: v } : { value: v });
        }
        others.push({ field: 'query-string', values: pairs });
        break;
      }
      case 'source-ip': {
        const c = config('sourceIpConfig');
        if (!c.ok) return c;
        const values = stringList(c.value, 'values', `${where}sourceIpConfig.`);
        if (!values.ok) return values;
        const bad = values.value.find((v) => !isCidr(v));
        if (bad !== undefined) return err(`${where}sourceIpConfig.values has ${quote(bad)}, which is not a CIDR; use for example 10.0.0.0/16`);
        if (others.some((o) => o.field === 'source-ip'))
          return err(`${where}field "source-ip" appears twice; an ALB rule takes one, put all CIDRs in it`);
        others.push({ field: 'source-ip', values: values.value });
        break;
      }
      default:
        return err(`${where}field is ${f === undefined ? 'missing' : show(f)}; use ${oneOf(conditionFields)}`);
    }
  }
  return ok({ hosts, paths, others });
}

/**
 * The first of `values` ALB would refuse as a condition value of this kind (too long, or a
 * character it does not take), as a message naming where it is; `null` when all are fine.
 */
function refusedValue(kind: ConditionValueKind, values: readonly string[], where: string): string | null {
  for (const value of values) {
    const problem = conditionValueProblem(kind, value);
    if (problem !== null) return `${where}: ${quote(value)} ${problem}`;
  }
  return null;
}
