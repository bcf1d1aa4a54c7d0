// One Ingress backend -> the ALB action it means, plus the target groups that action needs.
// A Service or port that does not exist degrades the path to a fixed 503 (the rest of the
// Ingress still routes); a backend that cannot be understood excludes the Ingress.
import type { V1IngressBackend, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { ResourceId } from '../model/ids.js';
import type { ActionSpec, WeightedTargetGroup } from '../model/resources.js';
import { annotationsOf, type Annotations } from '../ingress/annotations.js';
import {
  actionsAnnotation,
  parseAction,
  parseConditions,
  UseAnnotation,
  type ActionConfig,
  type ExtraConditions,
  noExtraConditions,
} from '../ingress/backend-annotations.js';
import { isObject, objectsIn } from '../ingress/input.js';
import { err, ok, type Result } from '../model/result.js';
import { quote } from '../model/messages.js';
import {
  parseServiceTags,
  parseTargetGroupAnnotations,
  resolveTargetGroupSettings,
  type TargetGroupAnnotations,
  type TargetGroupSettings,
} from './target-group-settings.js';

/** A target group as one member asks for it; merged across members by id. */
export interface TargetGroupDraft {
  readonly id: string;
  readonly namespace: string;
  readonly serviceName: string;
  /** The backend's port as written: a number or a port name. */
  readonly port: string | number;
  readonly service: V1Service;
  readonly servicePort: V1ServicePort;
  readonly settings: TargetGroupSettings;
}

export interface ResolvedBackend {
  /** Target groups referenced by `{ kind: 'id' }`. */
  readonly action: ActionSpec;
  readonly targetGroups: readonly TargetGroupDraft[];
  /** From `conditions.<service name>`; empty for default backends. */
  readonly extra: ExtraConditions;
  /** Problems that degraded the action to a fixed 503. */
  readonly degraded: readonly string[];
}

/** What resolving backends of one Ingress needs to know. */
export interface BackendContext {
  readonly namespace: string;
  readonly annotations: Annotations;
  readonly targetGroupAnnotations: TargetGroupAnnotations;
  readonly services: Pick<ReadonlyMap<string, V1Service>, 'get'>;
}

export const MissingBody = {
  service: 'Backend service does not exist',
  port: 'Backend service port does not exist',
  action: 'Backend action does not exist',
  targets: 'Backend service has no pods',
} as const;

export function fixedResponse503(messageBody: string): ActionSpec {
  return { type: 'fixed-response', statusCode: '503', contentType: 'text/plain', messageBody };
}

export const notFound404: ActionSpec = { type: 'fixed-response', statusCode: '404', contentType: 'text/plain' };

/**
 * `where` names the backend in messages (`rules[0].http.paths[1]`, `spec.defaultBackend`);
 * `withConditions` reads `conditions.NAME` (path backends only).
 */
export function resolveBackend(
  ctx: BackendContext,
  backend: V1IngressBackend | undefined,
  where: string,
  withConditions: boolean,
): Result<ResolvedBackend> {
  if (!isObject(backend)) return err(`${where}: backend is missing`);
  const svc = backend.service;
  if (backend.resource !== undefined || !isObject(svc))
    return err(`${where}: only Service backends are supported (backend.resource is not)`);
  if (typeof svc.name !== 'string' || svc.name === '') return err(`${where}: backend.service.name is missing`);
  const extra = withConditions ? parseConditions(ctx.annotations, svc.name) : ok(noExtraConditions);
  if (!extra.ok) return err(`${where}: ${extra.error}`);
  const portName: unknown = isObject(svc.port) ? svc.port.name : undefined;
  const portNumber: unknown = isObject(svc.port) ? svc.port.number : undefined;
  if (portName === UseAnnotation) {
    const action = parseAction(ctx.annotations, svc.name);
    if (!action.ok) return err(`${where}: ${action.error}`);
    if (action.value === undefined)
      return ok({
        action: fixedResponse503(MissingBody.action),
        targetGroups: [],
        extra: extra.value,
        degraded: [`${where}: backend port ${quote(UseAnnotation)} needs annotation ${actionsAnnotation(svc.name)}, which is not set`],
      });
    const resolved = resolveActionConfig(ctx, action.value, `${where}: annotation ${actionsAnnotation(svc.name)}`);
    return resolved.ok ? ok({ ...resolved.value, extra: extra.value }) : resolved;
  }
  let port: string | number;
  if (typeof portName === 'string' && portName !== '') port = portName;
  else if (typeof portNumber === 'number' && Number.isInteger(portNumber)) port = portNumber;
  else return err(`${where}: backend.service.port needs a number or a name`);
  const resolved = resolveActionConfig(
    ctx,
    { type: 'forward', targetGroups: [{ kind: 'service', serviceName: svc.name, servicePort: port, weight: 1 }] },
    where,
  );
  return resolved.ok ? ok({ ...resolved.value, extra: extra.value }) : resolved;
}

function resolveActionConfig(
  ctx: BackendContext,
  config: ActionConfig,
  where: string,
): Result<Omit<ResolvedBackend, 'extra'>> {
  if (config.type !== 'forward') return ok({ action: config, targetGroups: [], degraded: [] });
  const weighted: WeightedTargetGroup[] = [];
  const drafts: TargetGroupDraft[] = [];
  for (const target of config.targetGroups) {
    if (target.kind === 'arn') {
      weighted.push({ targetGroup: { kind: 'arn', arn: target.arn }, weight: target.weight });
      continue;
    }
    const serviceKey = `${ctx.namespace}/${target.serviceName}`;
    const service = ctx.services.get(serviceKey);
    if (service === undefined)
      return ok({ action: fixedResponse503(MissingBody.service), targetGroups: [], degraded: [`${where}: Service ${serviceKey} not found`] });
    // An ExternalName Service is a DNS alias: it has no pods, so its target group would stay
    // empty forever. Say so, and answer as for a missing Service.
    if (service.spec?.type === 'ExternalName')
      return ok({
        action: fixedResponse503(MissingBody.targets),
        targetGroups: [],
        degraded: [
          `${where}: Service ${serviceKey} is of type ExternalName (${quote(String(service.spec.externalName ?? ''))}), which has no pods for the load balancer to send requests to; the path answers a fixed 503. Use a Service with a selector`,
        ],
      });
    const servicePort = findServicePort(service, target.servicePort);
    if (servicePort === undefined)
      return ok({
        action: fixedResponse503(MissingBody.port),
        targetGroups: [],
        degraded: [`${where}: Service ${serviceKey} has no port ${quote(String(target.servicePort))}; ${describePorts(service)}`],
      });
    const draft = targetGroupDraft(ctx, service, servicePort, target.serviceName, target.servicePort);
    if (!draft.ok) return err(`${where}: ${draft.error}`);
    drafts.push(draft.value);
    weighted.push({ targetGroup: { kind: 'id', id: draft.value.id }, weight: target.weight });
  }
  return ok({
    action: {
      type: 'forward',
      targetGroups: mergeWeights(weighted),
      ...(config.stickinessSeconds === undefined ? {} : { stickinessSeconds: config.stickinessSeconds }),
    },
    targetGroups: drafts,
    degraded: [],
  });
}

/**
 * One entry per target group: AWS rejects a forward action naming a target group twice, and
 * the same Service port may be written by name and by number.
 */
function mergeWeights(weighted: readonly WeightedTargetGroup[]): WeightedTargetGroup[] {
  const merged = new Map<string, WeightedTargetGroup>();
  for (const w of weighted) {
    const key = w.targetGroup.kind === 'id' ? `id:${w.targetGroup.id}` : `arn:${w.targetGroup.arn}`;
    const seen = merged.get(key);
    merged.set(key, seen === undefined ? w : { targetGroup: w.targetGroup, weight: seen.weight + w.weight });
  }
  return [...merged.values()];
}

export function targetGroupDraft(
  ctx: BackendContext,
  service: V1Service,
  servicePort: V1ServicePort,
  serviceName: string,
  port: string | number,
): Result<TargetGroupDraft> {
  const serviceAnnotations = annotationsOf(service);
  const prefix = `Service ${ctx.namespace}/${serviceName}: `;
  const fromService = parseTargetGroupAnnotations(serviceAnnotations);
  if (fromService.errors.length > 0) return err(prefix + fromService.errors.join('; '));
  const tags = parseServiceTags(serviceAnnotations);
  if (!tags.ok) return err(prefix + tags.error);
  const settings = resolveTargetGroupSettings(ctx.targetGroupAnnotations, fromService.value, tags.value, service);
  if (!settings.ok) return err(prefix + settings.error);
  const s = settings.value;
  const variant = `${s.protocol}-${s.protocolVersion}-${s.targetType}`.toLowerCase();
  return ok({
    // By the Service's port number, however the backend names it: `web:http` and `web:80`
    // reaching the same port share one target group.
    id: ResourceId.targetGroup(ctx.namespace, serviceName, servicePort.port, variant),
    namespace: ctx.namespace,
    serviceName,
    port,
    service,
    servicePort,
    settings: s,
  });
}

/** A Service port by number (`spec.ports[].port`) or by name. */
export function findServicePort(service: V1Service, port: string | number): V1ServicePort | undefined {
  const ports = objectsIn<V1ServicePort>(service.spec?.ports).filter((p) => typeof p.port === 'number');
  return typeof port === 'number' ? ports.find((p) => p.port === port) : ports.find((p) => p.name === port);
}

function describePorts(service: V1Service): string {
  const ports = objectsIn<V1ServicePort>(service.spec?.ports);
  if (ports.length === 0) return 'it has no ports';
  return `its ports are ${ports.map((p) => (p.name === undefined || p.name === '' ? `${p.port}` : `${p.port} (${p.name})`)).join(', ')}`;
}
