// Checks objects read from files against the shapes the Kubernetes API server would enforce,
// once, at the boundary: past it, readers get honest types. Only the fields Albatross reads are
// checked; anything else in an object is left as it is.
import type { V1EndpointSlice, V1Ingress, V1IngressClass, V1Namespace, V1Node, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import { quote, show, typeName } from '../model/messages.js';
import { ParamsApiGroup, ParamsApiVersion, ParamsKind, type V1IngressClassParams } from '../ingress/params.js';
import { GatewayApiGroup, type V1Gateway, type V1GatewayClass, type V1HTTPRoute, type V1ReferenceGrant } from '../gateway/types.js';
import type { Result } from '../model/result.js';
import type { ClusterObject } from './view.js';

/** The kinds Albatross reads, by `apiVersion` group and kind. */
const kinds = {
  'networking.k8s.io/Ingress': 'Ingress',
  'networking.k8s.io/IngressClass': 'IngressClass',
  [`${ParamsApiGroup}/${ParamsKind}`]: 'IngressClassParams',
  '/Namespace': 'Namespace',
  '/Service': 'Service',
  'discovery.k8s.io/EndpointSlice': 'EndpointSlice',
  '/Secret': 'Secret',
  '/Node': 'Node',
  '/Pod': 'Pod',
  [`${GatewayApiGroup}/GatewayClass`]: 'GatewayClass',
  [`${GatewayApiGroup}/Gateway`]: 'Gateway',
  [`${GatewayApiGroup}/HTTPRoute`]: 'HTTPRoute',
  [`${GatewayApiGroup}/ReferenceGrant`]: 'ReferenceGrant',
} as const satisfies Record<string, ClusterObject['kind']>;

/**
 * The API versions read, by kind, the first being the one to write. An Ingress written for an
 * API Kubernetes no longer serves (`extensions/v1beta1`, `networking.k8s.io/v1beta1`, gone in
 * 1.22) is refused rather than skipped: skipped, `apply` would take its group for deleted. The
 * Gateway API kinds are read in the versions its standard channel serves (v1.x: `v1` and
 * `v1beta1`, the same schema), and an `v1alpha2` HTTPRoute (experimental channel) is refused
 * for the same reason.
 */
const servedVersions: Readonly<Partial<Record<ClusterObject['kind'], readonly string[]>>> = {
  Ingress: ['networking.k8s.io/v1'],
  IngressClass: ['networking.k8s.io/v1'],
  EndpointSlice: ['discovery.k8s.io/v1'],
  Service: ['v1'],
  Secret: ['v1'],
  Namespace: ['v1'],
  Node: ['v1'],
  Pod: ['v1'],
  GatewayClass: [`${GatewayApiGroup}/v1`, `${GatewayApiGroup}/v1beta1`],
  Gateway: [`${GatewayApiGroup}/v1`, `${GatewayApiGroup}/v1beta1`],
  HTTPRoute: [`${GatewayApiGroup}/v1`, `${GatewayApiGroup}/v1beta1`],
  ReferenceGrant: [`${GatewayApiGroup}/v1beta1`, `${GatewayApiGroup}/v1`],
};

/** Kinds without a namespace. */
const clusterScoped: ReadonlySet<ClusterObject['kind']> = new Set(['IngressClass', 'IngressClassParams', 'Namespace', 'Node', 'GatewayClass']);

type Check = (value: unknown, path: string, problems: string[]) => void;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const string: Check = (v, path, problems) => {
  if (typeof v !== 'string') problems.push(`${path} must be a string, not ${show(v)}`);
};
const boolean: Check = (v, path, problems) => {
  if (typeof v !== 'boolean') problems.push(`${path} must be true or false, not ${show(v)}`);
};
const integer: Check = (v, path, problems) => {
  if (typeof v !== 'number' || !Number.isInteger(v)) problems.push(`${path} must be a whole number, not ${show(v)}`);
};
const intOrString: Check = (v, path, problems) => {
  if (typeof v !== 'string' && (typeof v !== 'number' || !Number.isInteger(v))) problems.push(`${path} must be a port number or name, not ${show(v)}`);
};
const list =
  (item: Check): Check =>
  (v, path, problems) => {
    if (!Array.isArray(v)) {
      problems.push(`${path} must be a list, not ${show(v)}`);
      return;
    }
    v.forEach((entry, i) => item(entry, `${path}[${i}]`, problems));
  };
const stringMap: Check = (v, path, problems) => {
  if (!isRecord(v)) {
    problems.push(`${path} must be a map of strings, not ${show(v)}`);
    return;
  }
  for (const [k, value] of Object.entries(v)) if (typeof value !== 'string') problems.push(`${path}.${k} must be a string, not ${show(value)}`);
};
/**
 * `data` or `stringData` of a Secret: a map of strings, checked without ever showing a value,
 * since any of them may be a private key. A message names the field and the type found.
 */
const secretValues =
  (what: string): Check =>
  (v, path, problems) => {
    if (!isRecord(v)) {
      problems.push(`${path} must be a map from key to ${what}, not ${typeName(v)} (its content is not shown: a Secret's values stay private)`);
      return;
    }
    for (const [k, value] of Object.entries(v))
      if (typeof value !== 'string') problems.push(`${path}[${quote(k)}] must be ${what}, not ${typeName(value)} (its content is not shown: a Secret's values stay private)`);
  };
/** An object whose listed fields, when present, pass their checks; `required` fields must be present. */
const object =
  (fields: Record<string, Check>, required: readonly string[] = []): Check =>
  (v, path, problems) => {
    if (!isRecord(v)) {
      problems.push(`${path} must be an object, not ${show(v)}`);
      return;
    }
    for (const name of required) if (v[name] === undefined || v[name] === null) problems.push(`${path === '' ? name : `${path}.${name}`} is required`);
    for (const [name, check] of Object.entries(fields)) {
      const value = v[name];
      if (value !== undefined && value !== null) check(value, path === '' ? name : `${path}.${name}`, problems);
    }
  };

const metadataFields = { name: string, namespace: string, labels: stringMap, annotations: stringMap, resourceVersion: string };
const metadata = object(metadataFields, ['name']);
/** Gateway API objects also carry their generation: status reports it as `observedGeneration`. */
const generationMetadata = object({ ...metadataFields, generation: integer }, ['name']);
const serviceBackend = object({ name: string, port: object({ name: string, number: integer }) }, ['name']);
const backend = object({ service: serviceBackend, resource: object({ kind: string, name: string }) });

const labelSelector = object({
  matchLabels: stringMap,
  matchExpressions: list(object({ key: string, operator: string, values: list(string) }, ['key', 'operator'])),
});

/** `{key, value}` entries, as in `spec.tags` and `spec.loadBalancerAttributes` of IngressClassParams. */
const keyValues = list(object({ key: string, value: string }, ['key', 'value']));

/**
 * The types of the IngressClassParams schema (charts/albatross/files/crds/ingressclassparams.yaml).
 * Values (enums, CIDRs, selector operators) are checked where the params are used, so a bad
 * value leaves out the Ingresses of the class instead of stopping the run; unknown fields are
 * kept for that check to refuse.
 */
const paramsSpec = object({
  group: object({ name: string }, ['name']),
  scheme: string,
  ipAddressType: string,
  subnets: object({ ids: list(string), tags: (v, path, problems) => {
    if (!isRecord(v)) problems.push(`${path} must be a map from tag key to a list of values, not ${show(v)}`);
    else for (const [k, values] of Object.entries(v)) list(string)(values, `${path}.${k}`, problems);
  } }),
  inboundCIDRs: list(string),
  sslPolicy: string,
  certificateArn: list(string),
  tags: keyValues,
  loadBalancerAttributes: keyValues,
  loadBalancerName: string,
  namespaceSelector: labelSelector,
});

/*
 * The Gateway API kinds (standard channel, gateway-api.sigs.k8s.io/reference/spec), as their
 * CRDs' schemas type them. As for IngressClassParams, values (enums, ports in range, hostnames)
 * are left to translate, which reports them in status conditions and leaves out one listener or
 * route instead of stopping the run.
 */
const objectReference = (required: readonly string[]): Check => object({ group: string, kind: string, name: string, namespace: string }, required);
const routeFilter = object(
  {
    type: string,
    requestRedirect: object({
      scheme: string,
      hostname: string,
      path: object({ type: string, replaceFullPath: string, replacePrefixMatch: string }, ['type']),
      port: integer,
      statusCode: integer,
    }),
  },
  ['type'],
);
const nameValueMatch = list(object({ type: string, name: string, value: string }, ['name', 'value']));
const gatewaySpec = object(
  {
    gatewayClassName: string,
    listeners: list(
      object(
        {
          name: string,
          hostname: string,
          port: integer,
          protocol: string,
          tls: object({ mode: string, certificateRefs: list(objectReference(['name'])), options: stringMap }),
          allowedRoutes: object({ namespaces: object({ from: string, selector: labelSelector }), kinds: list(object({ group: string, kind: string }, ['kind'])) }),
        },
        ['name', 'port', 'protocol'],
      ),
    ),
    addresses: list(object({ type: string, value: string }, ['value'])),
    infrastructure: object({ labels: stringMap, annotations: stringMap, parametersRef: objectReference(['group', 'kind', 'name']) }),
  },
  ['gatewayClassName', 'listeners'],
);
const httpRouteSpec = object({
  parentRefs: list(object({ group: string, kind: string, namespace: string, name: string, sectionName: string, port: integer }, ['name'])),
  hostnames: list(string),
  rules: list(
    object({
      name: string,
      matches: list(object({ path: object({ type: string, value: string }), headers: nameValueMatch, queryParams: nameValueMatch, method: string })),
      filters: list(routeFilter),
      backendRefs: list(object({ group: string, kind: string, name: string, namespace: string, port: integer, weight: integer, filters: list(routeFilter) }, ['name'])),
    }),
  ),
});

const checks: Record<ClusterObject['kind'], Check> = {
  Ingress: object(
    {
      metadata,
      spec: object({
        ingressClassName: string,
        defaultBackend: backend,
        tls: list(object({ hosts: list(string), secretName: string })),
        rules: list(object({ host: string, http: object({ paths: list(object({ path: string, pathType: string, backend }, ['backend'])) }, ['paths']) })),
      }),
    },
    ['metadata'],
  ),
  IngressClass: object({ metadata, spec: object({ controller: string, parameters: object({ apiGroup: string, kind: string, name: string, scope: string, namespace: string }) }) }, ['metadata']),
  IngressClassParams: (v, path, problems) => {
    const apiVersion = isRecord(v) ? v.apiVersion : undefined;
    if (apiVersion !== ParamsApiVersion) problems.push(`apiVersion must be ${ParamsApiVersion}, not ${show(apiVersion)}`);
    object({ metadata, spec: paramsSpec }, ['metadata'])(v, path, problems);
  },
  Namespace: object({ metadata }, ['metadata']),
  Service: object(
    { metadata, spec: object({ type: string, ports: list(object({ name: string, port: integer, targetPort: intOrString, protocol: string, appProtocol: string }, ['port'])) }) },
    ['metadata'],
  ),
  EndpointSlice: object(
    {
      metadata,
      addressType: string,
      endpoints: list(
        object({ addresses: list(string), conditions: object({ ready: boolean, serving: boolean, terminating: boolean }), nodeName: string, targetRef: object({ kind: string, name: string, namespace: string }) }, [
          'addresses',
        ]),
      ),
      ports: list(object({ name: string, port: integer, protocol: string })),
    },
    ['metadata', 'addressType'],
  ),
  Secret: object({ metadata, type: string, data: secretValues('a base64 string'), stringData: secretValues('a string') }, ['metadata']),
  Node: object({ metadata, spec: object({ providerID: string }), status: object({ addresses: list(object({ type: string, address: string }, ['type', 'address'])) }) }, ['metadata']),
  // Only what the readiness gate reads (src/translate/readiness.ts).
  Pod: object(
    {
      metadata,
      spec: object({ readinessGates: list(object({ conditionType: string }, ['conditionType'])) }),
      status: object({ conditions: list(object({ type: string, status: string, reason: string, message: string }, ['type', 'status'])) }),
    },
    ['metadata'],
  ),
  GatewayClass: object({ metadata: generationMetadata, spec: object({ controllerName: string, parametersRef: objectReference(['group', 'kind', 'name']), description: string }, ['controllerName']) }, [
    'metadata',
    'spec',
  ]),
  Gateway: object({ metadata: generationMetadata, spec: gatewaySpec }, ['metadata', 'spec']),
  HTTPRoute: object({ metadata: generationMetadata, spec: httpRouteSpec }, ['metadata', 'spec']),
  ReferenceGrant: object(
    {
      metadata,
      spec: object(
        { from: list(object({ group: string, kind: string, namespace: string }, ['group', 'kind', 'namespace'])), to: list(object({ group: string, kind: string, name: string }, ['group', 'kind'])) },
        ['from', 'to'],
      ),
    },
    ['metadata', 'spec'],
  ),
};

/** The outcome of checking one object: a kind Albatross reads, one it ignores, or problems. */
export type Validated = Result<ClusterObject | null, readonly string[]>;

/**
 * Checks one object. Kinds Albatross does not read are accepted as `null`. A namespaced object
 * without a namespace gets `default`, as kubectl assumes.
 */
export function validateObject(value: unknown): Validated {
  // A list or map is named by its type only: it may hold a Secret written one level off.
  if (!isRecord(value))
    return { ok: false, error: [`a Kubernetes object must be a map with apiVersion and kind, not ${typeof value === 'object' ? typeName(value) : show(value)}`] };
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const legacyIngress = (group === 'extensions' || group === 'networking.k8s.io') && (value.kind === 'Ingress' || value.kind === 'IngressClass');
  const kind = (legacyIngress ? value.kind : kinds[`${group}/${String(value.kind)}` as keyof typeof kinds]) as ClusterObject['kind'] | undefined;
  if (kind === undefined) return { ok: true, value: null };
  const served = servedVersions[kind];
  if (served !== undefined && !served.includes(apiVersion)) {
    const gone = legacyIngress ? ' (the beta Ingress APIs are gone since Kubernetes 1.22)' : '';
    const write = served.length === 1 ? `write apiVersion: ${served[0] ?? ''}` : `write apiVersion: ${served.join(' or ')}`;
    return { ok: false, error: [`apiVersion ${quote(apiVersion)} is not served for ${kind}${gone}; ${write}`] };
  }
  const problems: string[] = [];
  checks[kind](value, '', problems);
  if (problems.length > 0) return { ok: false, error: problems };
  const meta = value.metadata as { namespace?: string };
  const withNamespace = clusterScoped.has(kind) ? value : { ...value, metadata: { ...meta, namespace: meta.namespace ?? 'default' } };
  return { ok: true, value: typed(kind, withNamespace) };
}

/** The checks above are what make these casts true. */
function typed(kind: ClusterObject['kind'], value: unknown): ClusterObject {
  switch (kind) {
    case 'Ingress':
      return { kind, object: value as V1Ingress };
    case 'IngressClass':
      return { kind, object: value as V1IngressClass };
    case 'IngressClassParams':
      return { kind, object: value as V1IngressClassParams };
    case 'Namespace':
      return { kind, object: value as V1Namespace };
    case 'Service':
      return { kind, object: value as V1Service };
    case 'EndpointSlice':
      return { kind, object: value as V1EndpointSlice };
    case 'Secret':
      return { kind, object: value as V1Secret };
    case 'Node':
      return { kind, object: value as V1Node };
    case 'Pod':
      return { kind, object: value as V1Pod };
    case 'GatewayClass':
      return { kind, object: value as V1GatewayClass };
    case 'Gateway':
      return { kind, object: value as V1Gateway };
    case 'HTTPRoute':
      return { kind, object: value as V1HTTPRoute };
    case 'ReferenceGrant':
      return { kind, object: value as V1ReferenceGrant };
  }
}
