// Target group settings from annotations on the Ingress and on the Service; for each setting
// the Service's value wins, as in the AWS Load Balancer Controller. Defaults follow ALB's
// (gRPC gets its own health check path and success codes).
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import { objectsIn } from '../ingress/input.js';
import type { HealthCheckSpec, ProtocolVersion, TargetProtocol } from '../model/resources.js';
import {
  Annotation,
  annotationKey,
  checkSuccessCodes,
  parseBackendProtocol,
  parseBackendProtocolVersion,
  parseHealthCheckIntervalSeconds,
  parseHealthCheckPath,
  parseHealthCheckPort,
  parseHealthCheckProtocol,
  parseHealthCheckTimeoutSeconds,
  parseHealthyThresholdCount,
  parseSuccessCodes,
  parseTags,
  parseTargetGroupAttributes,
  parseTargetType,
  parseUnhealthyThresholdCount,
  type Annotations,
  type HealthCheckPort,
} from '../ingress/annotations.js';
import { err, ok, type Result } from '../model/result.js';
import { quote } from '../model/messages.js';

/** What the annotations of one object say; unset fields fall through to the next source. */
export interface TargetGroupAnnotations {
  readonly targetType?: 'ip';
  readonly protocol?: TargetProtocol;
  readonly protocolVersion?: ProtocolVersion;
  readonly healthCheckPort?: HealthCheckPort;
  readonly healthCheckProtocol?: TargetProtocol;
  readonly healthCheckPath?: string;
  readonly intervalSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly healthyThresholdCount?: number;
  readonly unhealthyThresholdCount?: number;
  readonly successCodes?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface TargetGroupSettings {
  readonly targetType: 'ip';
  readonly protocol: TargetProtocol;
  readonly protocolVersion: ProtocolVersion;
  readonly healthCheck: HealthCheckSpec;
  readonly attributes: Readonly<Record<string, string>>;
  /** The Service's own `tags` annotation, applied to its target groups over the group's tags. */
  readonly serviceTags: Readonly<Record<string, string>>;
}

export const HealthCheckDefaults = {
  intervalSeconds: 15,
  timeoutSeconds: 5,
  healthyThresholdCount: 2,
  unhealthyThresholdCount: 2,
  path: '/',
  grpcPath: '/AWS.ALB/healthcheck',
  successCodes: '200',
  grpcSuccessCodes: '12',
} as const;

/** Parses every target group annotation of one object; all problems, not just the first. */
export function parseTargetGroupAnnotations(annotations: Annotations): {
  readonly value: TargetGroupAnnotations;
  readonly errors: readonly string[];
} {
  const errors: string[] = [];
  const out: Record<string, unknown> = {};
  const take = <T>(key: keyof TargetGroupAnnotations, parsed: Result<T | undefined>): void => {
    if (!parsed.ok) errors.push(parsed.error);
    else if (parsed.value !== undefined) out[key] = parsed.value;
  };
  take('targetType', parseTargetType(annotations));
  take('protocol', parseBackendProtocol(annotations));
  take('protocolVersion', parseBackendProtocolVersion(annotations));
  take('healthCheckPort', parseHealthCheckPort(annotations));
  take('healthCheckProtocol', parseHealthCheckProtocol(annotations));
  take('healthCheckPath', parseHealthCheckPath(annotations));
  take('intervalSeconds', parseHealthCheckIntervalSeconds(annotations));
  take('timeoutSeconds', parseHealthCheckTimeoutSeconds(annotations));
  take('healthyThresholdCount', parseHealthyThresholdCount(annotations));
  take('unhealthyThresholdCount', parseUnhealthyThresholdCount(annotations));
  take('successCodes', parseSuccessCodes(annotations));
  take('attributes', parseTargetGroupAttributes(annotations));
  return { value: out, errors };
}

/**
 * Settings for one Service's target group: Service annotations over Ingress annotations over
 * defaults. `port` is the Service port the backend names, for a named health check port.
 */
export function resolveTargetGroupSettings(
  fromIngress: TargetGroupAnnotations,
  fromService: TargetGroupAnnotations,
  serviceTags: Readonly<Record<string, string>>,
  service: V1Service,
): Result<TargetGroupSettings> {
  const pick = <K extends keyof TargetGroupAnnotations>(key: K): TargetGroupAnnotations[K] =>
    fromService[key] !== undefined ? fromService[key] : fromIngress[key];
  const protocol = pick('protocol') ?? 'HTTP';
  const protocolVersion = pick('protocolVersion') ?? 'HTTP1';
  const grpc = protocolVersion === 'GRPC';
  const intervalSeconds = pick('intervalSeconds') ?? HealthCheckDefaults.intervalSeconds;
  const timeoutSeconds = pick('timeoutSeconds') ?? HealthCheckDefaults.timeoutSeconds;
  if (timeoutSeconds >= intervalSeconds)
    return err(
      `health check timeout ${timeoutSeconds}s (${annotationKey(Annotation.healthcheckTimeoutSeconds)}) must be less than the interval ${intervalSeconds}s (${annotationKey(Annotation.healthcheckIntervalSeconds)})`,
    );
  const successCodes = pick('successCodes') ?? (grpc ? HealthCheckDefaults.grpcSuccessCodes : HealthCheckDefaults.successCodes);
  const codes = checkSuccessCodes(successCodes, protocolVersion);
  if (!codes.ok) return err(`annotation ${annotationKey(Annotation.successCodes)}: ${quote(successCodes)} ${codes.error}`);
  const port = healthCheckPort(pick('healthCheckPort') ?? { kind: 'traffic-port' }, service);
  if (!port.ok) return port;
  return ok({
    targetType: pick('targetType') ?? 'ip',
    protocol,
    protocolVersion,
    healthCheck: {
      protocol: pick('healthCheckProtocol') ?? protocol,
      port: port.value,
      path: pick('healthCheckPath') ?? (grpc ? HealthCheckDefaults.grpcPath : HealthCheckDefaults.path),
      intervalSeconds,
      timeoutSeconds,
      healthyThresholdCount: pick('healthyThresholdCount') ?? HealthCheckDefaults.healthyThresholdCount,
      unhealthyThresholdCount: pick('unhealthyThresholdCount') ?? HealthCheckDefaults.unhealthyThresholdCount,
      successCodes,
    },
    attributes: pick('attributes') ?? {},
    serviceTags,
  });
}

/** A named health check port means that Service port's numeric targetPort (pods are the targets). */
function healthCheckPort(port: HealthCheckPort, service: V1Service): Result<string> {
  switch (port.kind) {
    case 'traffic-port':
      return ok('traffic-port');
    case 'number':
      return ok(String(port.port));
    case 'name': {
      const key = annotationKey(Annotation.healthcheckPort);
      const found = objectsIn<V1ServicePort>(service.spec?.ports).find((p) => p.name === port.name);
      if (found === undefined)
        return err(`annotation ${key}: ${quote(port.name)} names no port of Service ${service.metadata?.namespace ?? 'default'}/${service.metadata?.name ?? ''}`);
      const target: unknown = found.targetPort ?? found.port;
      if (typeof target === 'number') return ok(String(target));
      if (typeof target !== 'string') return err(`annotation ${key}: ${quote(port.name)} names a Service port without a port number`);
      if (/^\d+$/.test(target)) return ok(target);
      return err(
        `annotation ${key}: ${quote(port.name)} is a Service port whose targetPort is the name ${quote(target)}; use a port number or "traffic-port"`,
      );
    }
  }
}

/** The `tags` annotation on a Service. */
export function parseServiceTags(annotations: Annotations): Result<Record<string, string>> {
  const parsed = parseTags(annotations);
  return parsed.ok ? ok(parsed.value ?? {}) : parsed;
}
