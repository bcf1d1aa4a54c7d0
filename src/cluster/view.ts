// The Kubernetes objects the pipeline reads, looked up by key, with reverse indexes from an
// object to the groups that use it: Ingress groups and Gateways (`gateway:<ns>/<name>`). The
// CLI fills one from files; the controller keeps one current from its watches. Nothing
// downstream knows which.
import type { V1EndpointSlice, V1Ingress, V1IngressClass, V1Namespace, V1Node, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import { DefaultClassAnnotation, defaultClassOfOurs } from '../ingress/class.js';
import { excluded } from '../ingress/errors.js';
import { recordedGroups } from '../ingress/finalizers.js';
import { assembleGroup, placeIngress, type GroupMember, type Grouping, type IngressGroup, type Placement } from '../ingress/group.js';
import { paramsOfIngress, paramsReferenceOf, type ParamsSource, type V1IngressClassParams } from '../ingress/params.js';
import { compareStrings } from '../model/compare.js';
import { GroupKey, objectKey } from '../model/ids.js';
import type { IngressError, ObjectKey } from '../model/resources.js';
import { GatewayKey } from '../gateway/keys.js';
import { gatewayClassParams, gatewayReferences, isOurGatewayClass, isServedGateway, routeReferences, type GatewayReferences, type RouteReferences } from '../gateway/references.js';
import type { GatewaySource } from '../gateway/source.js';
import type { V1Gateway, V1GatewayClass, V1HTTPRoute, V1ReferenceGrant } from '../gateway/types.js';
import { referencesOf, type IngressReferences } from './references.js';

/** The label that ties an EndpointSlice to its Service (Kubernetes EndpointSlice API). */
export const ServiceNameLabel = 'kubernetes.io/service-name';

/** What the pipeline reads of the cluster. All lists are sorted by `namespace/name`. */
export interface ClusterView extends GatewaySource {
  /** Every Ingress, ours or not, including those being deleted. */
  ingresses(): readonly V1Ingress[];
  /** One Ingress by `namespace/name`, including one being deleted. */
  ingress(key: ObjectKey): V1Ingress | undefined;
  ingressClasses(): readonly V1IngressClass[];
  ingressClass(name: string): V1IngressClass | undefined;
  /** An IngressClassParams (`albatross.dev/v1`, cluster-scoped) by name. */
  ingressClassParams(name: string): V1IngressClassParams | undefined;
  /** A Namespace by name, with its labels only (what a `namespaceSelector` reads). */
  namespace(name: string): V1Namespace | undefined;
  service(namespace: string, name: string): V1Service | undefined;
  /** The EndpointSlices labelled `kubernetes.io/service-name=<service>` in `namespace`. */
  endpointSlicesFor(namespace: string, service: string): readonly V1EndpointSlice[];
  secret(namespace: string, name: string): V1Secret | undefined;
  /**
   * A Node by name: its `spec.providerID` names the EC2 instance whose network interfaces hold
   * the addresses of its pods (the backend security group rules go on their security groups).
   */
  node(name: string): V1Node | undefined;
  /**
   * A Pod that an endpoint which is not ready refers to, when known: the controller keeps only
   * Pods with the `albatross.dev/target-health` readiness gate whose endpoints wait
   * (docs/rollouts.md); the CLI, those in its files.
   */
  pod(namespace: string, name: string): V1Pod | undefined;
  /** Our Ingresses sorted into groups (members and held Ingresses), as of now. */
  grouping(): Grouping;
  /** One group by name; `undefined` when no Ingress is a member of it or held in it now. */
  group(name: string): IngressGroup | undefined;
  /**
   * The group an Ingress is a member of now, or (held) the first group it is held in;
   * `undefined` when it is in none (not ours, being deleted).
   */
  groupOf(ingress: ObjectKey): string | undefined;
  /** Where an Ingress stands now (`none` for an unknown key). */
  placement(ingress: ObjectKey): Placement;
  /**
   * Ingresses whose finalizers record this group (`recordedGroups`): the group may hold AWS
   * resources for them, and they keep the finalizer until a reconcile of the group let them go.
   */
  holders(group: string): ReadonlySet<ObjectKey>;
  /** Every group recorded on some Ingress's finalizers. */
  recordedGroupNames(): readonly string[];
  /**
   * The explicit group (`<class>:<name>`) that takes over the AWS resources of `name` made
   * before groups were keyed by class: of the groups named `name` now, the one whose class
   * sorts first. `undefined` when no group has that name.
   */
  adopterOf(name: string): string | undefined;
  /**
   * Groups with a member whose backends (paths, default backend, forward actions) name the
   * Service, and served Gateways with an HTTPRoute whose `backendRefs` name it.
   */
  groupsUsingService(namespace: string, name: string): ReadonlySet<string>;
  /** Groups using the Service the slice belongs to. */
  groupsUsingEndpointSlice(slice: V1EndpointSlice): ReadonlySet<string>;
  /**
   * Groups with a member or held Ingress whose `spec.tls` names the Secret, and served Gateways
   * with a listener whose `tls.certificateRefs` names it.
   */
  groupsUsingSecret(namespace: string, name: string): ReadonlySet<string>;
  /** Every Gateway, ours or not, including those being deleted. */
  gateways(): readonly V1Gateway[];
  /** Every GatewayClass, sorted by name. */
  gatewayClasses(): readonly V1GatewayClass[];
  /**
   * The group keys (`gateway:<namespace>/<name>`) of the Gateways Albatross serves: their
   * GatewayClass has `spec.controllerName: albatross.dev/gateway` and they are not being
   * deleted. Sorted.
   */
  gatewayGroups(): readonly string[];
}

/**
 * What a change to an Ingress, IngressClass, IngressClassParams, Namespace or a Gateway API
 * object did to the groups; empty for the other kinds, whose users the reverse indexes tell.
 */
export interface ViewChange {
  /**
   * Groups to reconcile: those a changed Ingress is or was placed in, and those its
   * finalizers record or recorded; a changed Gateway (served, or of our class, before or
   * after), the served Gateways an HTTPRoute names before and after, the Gateways of a changed
   * GatewayClass, those with a reference into a changed ReferenceGrant's namespace, those
   * selecting routes by namespace labels for a Namespace, those using changed params.
   */
  readonly groups: ReadonlySet<string>;
  /** TLS Secrets that some group started to use. */
  readonly secretsNowUsed: ReadonlySet<ObjectKey>;
  /** TLS Secrets that no group uses any more. */
  readonly secretsNoLongerUsed: ReadonlySet<ObjectKey>;
}

const none: ReadonlySet<string> = new Set();
const unchanged: ViewChange = { groups: none, secretsNowUsed: none, secretsNoLongerUsed: none };

/** What the store keeps about one Gateway, to undo its share of the indexes when it changes. */
interface GatewayPlaced {
  /** Its class is ours (whether or not it is being deleted). */
  readonly ours: boolean;
  /** It is a group: ours and not being deleted. Only served Gateways share the reverse indexes. */
  readonly served: boolean;
  readonly refs: GatewayReferences;
}

/** The groups and Secrets one change touches, gathered while shares move. */
class Recorder {
  readonly groups = new Set<string>();
  private readonly secretsBefore = new Map<ObjectKey, boolean>();

  constructor(private readonly bySecret: CountIndex) {}

  secret(secret: ObjectKey, group: string, by: 1 | -1): void {
    if (!this.secretsBefore.has(secret)) this.secretsBefore.set(secret, this.bySecret.has(secret));
    this.bySecret.add(secret, group, by);
  }

  change(): ViewChange {
    const secretsNowUsed = new Set<ObjectKey>();
    const secretsNoLongerUsed = new Set<ObjectKey>();
    for (const [secret, wasUsed] of this.secretsBefore) {
      const used = this.bySecret.has(secret);
      if (used && !wasUsed) secretsNowUsed.add(secret);
      if (!used && wasUsed) secretsNoLongerUsed.add(secret);
    }
    return this.groups.size === 0 && secretsNowUsed.size === 0 && secretsNoLongerUsed.size === 0 ? unchanged : { groups: this.groups, secretsNowUsed, secretsNoLongerUsed };
  }
}

/** What the store keeps about one Ingress, to undo its share of the indexes when it changes. */
interface Placed {
  readonly placement: Placement;
  readonly refs: IngressReferences;
  readonly recorded: readonly string[];
}

/** `key -> group -> count`, a reverse index with shares taken and given back per Ingress. */
class CountIndex {
  private readonly map = new Map<string, Map<string, number>>();

  add(key: string, group: string, by: 1 | -1): void {
    const groups = this.map.get(key) ?? new Map<string, number>();
    const count = (groups.get(group) ?? 0) + by;
    if (count > 0) groups.set(group, count);
    else groups.delete(group);
    if (groups.size > 0) this.map.set(key, groups);
    else this.map.delete(key);
  }

  groups(key: string): ReadonlySet<string> {
    const groups = this.map.get(key);
    return groups === undefined ? none : new Set(groups.keys());
  }

  has(key: string): boolean {
    return this.map.has(key);
  }
}

/** `key -> set of Ingress keys`, for finding the Ingresses a change touches. */
function addTo<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key) ?? new Set<V>();
  set.add(value);
  index.set(key, set);
}

function deleteFrom<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key);
  set?.delete(value);
  if (set?.size === 0) index.delete(key);
}

/**
 * A `ClusterView` that is told of objects one by one (`upsert`, `remove`) and keeps its
 * grouping and indexes current incrementally: a change to an Ingress places that Ingress
 * again; a change to an IngressClass, IngressClassParams or Namespace places again only the
 * Ingresses that name that class (or use the default class, when the default changes), use
 * those params, or live in that namespace. Service, EndpointSlice and Secret changes cost a map
 * update. So a list of N Ingresses costs O(N), not O(N²). Gateways likewise: a Gateway change
 * moves its own shares and those of its routes (indexed by parent), an HTTPRoute change those
 * of the route for its parents, a GatewayClass change those of the Gateways of the class.
 */
export class ClusterStore implements ClusterView {
  private readonly ingressMap = new Map<ObjectKey, V1Ingress>();
  private readonly classMap = new Map<string, V1IngressClass>();
  private readonly paramsMap = new Map<string, V1IngressClassParams>();
  /** Namespaces by name, reduced to their labels. */
  private readonly namespaceMap = new Map<string, V1Namespace>();
  /** When false, IngressClassParams are not served (no CRD): every class has no params. */
  private paramsServed = true;
  private readonly serviceMap = new Map<ObjectKey, V1Service>();
  private readonly secretMap = new Map<ObjectKey, V1Secret>();
  private readonly nodeMap = new Map<string, V1Node>();
  private readonly podMap = new Map<ObjectKey, V1Pod>();
  /** `namespace/service` -> slice key -> slice. */
  private readonly sliceMap = new Map<ObjectKey, Map<ObjectKey, V1EndpointSlice>>();
  /** Slice key -> `namespace/service`, to move a slice whose label changed. */
  private readonly sliceOwner = new Map<ObjectKey, ObjectKey>();

  private readonly placed = new Map<ObjectKey, Placed>();
  /** Group -> its members' and held Ingresses' keys. */
  private readonly groupKeys = new Map<string, Set<ObjectKey>>();
  /** Group -> its `IngressGroup`, built on first ask after a change. */
  private readonly groupCache = new Map<string, IngressGroup>();
  private groupingCache: Grouping | null = null;
  private readonly byService = new CountIndex();
  private readonly bySecret = new CountIndex();
  /** Recorded group -> Ingresses whose finalizers record it. */
  private readonly holderMap = new Map<string, Set<ObjectKey>>();
  /** Class name (`''` for none: the default class) -> Ingresses naming it. */
  private readonly byClassName = new Map<string, Set<ObjectKey>>();
  private readonly byNamespace = new Map<string, Set<ObjectKey>>();
  /** How many Ingresses are members of a group. */
  private memberCount = 0;
  private sortedIngresses: V1Ingress[] | null = null;
  private sortedClasses: V1IngressClass[] | null = null;

  private readonly gatewayClassMap = new Map<string, V1GatewayClass>();
  private readonly gatewayMap = new Map<ObjectKey, V1Gateway>();
  private readonly routeMap = new Map<ObjectKey, V1HTTPRoute>();
  /** Namespace -> name -> ReferenceGrant. */
  private readonly grantMap = new Map<string, Map<string, V1ReferenceGrant>>();
  private readonly gatewayPlaced = new Map<ObjectKey, GatewayPlaced>();
  private readonly routeRefs = new Map<ObjectKey, RouteReferences>();
  /** Gateway (`namespace/name`, known or not) -> the HTTPRoutes whose `parentRefs` name it. */
  private readonly routesByParent = new Map<ObjectKey, Set<ObjectKey>>();
  /** GatewayClass name -> the Gateways naming it. */
  private readonly gatewaysByClass = new Map<string, Set<ObjectKey>>();
  /** IngressClassParams name -> the Gateways whose `infrastructure.parametersRef` names it. */
  private readonly gatewaysByParams = new Map<string, Set<ObjectKey>>();
  /** Namespace -> the Gateways (served or not) with a `certificateRefs` entry into it from another namespace. */
  private readonly gatewaysByCertNamespace = new Map<string, Set<ObjectKey>>();
  /** Served Gateways with a listener admitting routes by namespace labels. */
  private readonly gatewaysSelecting = new Set<ObjectKey>();
  /** Namespace -> served Gateway groups with a cross-namespace reference into it (ReferenceGrant). */
  private readonly byGrantNamespace = new CountIndex();
  private sortedGateways: V1Gateway[] | null = null;
  private sortedGatewayClasses: V1GatewayClass[] | null = null;
  private sortedGatewayGroups: string[] | null = null;

  /**
   * Adds or replaces an object of any kind of `ClusterObject`.
   * @returns what the change did to the grouping
   */
  upsert(object: ClusterObject): ViewChange {
    switch (object.kind) {
      case 'IngressClassParams': {
        const name = object.object.metadata?.name ?? '';
        this.paramsMap.set(name, object.object);
        return this.paramsChanged(name);
      }
      case 'Namespace': {
        const name = object.object.metadata?.name ?? '';
        const labels = { ...(object.object.metadata?.labels ?? {}) };
        const before = this.namespaceMap.get(name)?.metadata?.labels ?? {};
        this.namespaceMap.set(name, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
        return sameLabels(before, labels) ? unchanged : this.labelsChanged(name);
      }
      case 'Ingress': {
        const key = objectKey(object.object);
        this.ingressMap.set(key, object.object);
        this.sortedIngresses = null;
        return this.placeAgain([key]);
      }
      case 'IngressClass': {
        const name = object.object.metadata?.name ?? '';
        const before = this.classMap.get(name);
        this.classMap.set(name, object.object);
        this.sortedClasses = null;
        return this.placeAgain(this.ingressesUsingClass(name, before, object.object));
      }
      case 'Service':
        this.serviceMap.set(objectKey(object.object), object.object);
        return unchanged;
      case 'Secret':
        this.secretMap.set(objectKey(object.object), object.object);
        return unchanged;
      case 'Node':
        this.nodeMap.set(object.object.metadata?.name ?? '', object.object);
        return unchanged;
      case 'Pod':
        this.podMap.set(objectKey(object.object), object.object);
        return unchanged;
      case 'EndpointSlice': {
        const key = objectKey(object.object);
        this.removeSlice(key);
        const owner = `${object.object.metadata?.namespace ?? 'default'}/${object.object.metadata?.labels?.[ServiceNameLabel] ?? ''}`;
        const slices = this.sliceMap.get(owner) ?? new Map<ObjectKey, V1EndpointSlice>();
        slices.set(key, object.object);
        this.sliceMap.set(owner, slices);
        this.sliceOwner.set(key, owner);
        return unchanged;
      }
      case 'GatewayClass': {
        const name = object.object.metadata?.name ?? '';
        this.gatewayClassMap.set(name, object.object);
        this.sortedGatewayClasses = null;
        return this.placeGateways(this.gatewaysByClass.get(name) ?? []);
      }
      case 'Gateway': {
        const key = objectKey(object.object);
        this.gatewayMap.set(key, object.object);
        this.sortedGateways = null;
        return this.placeGateways([key]);
      }
      case 'HTTPRoute': {
        const key = objectKey(object.object);
        this.routeMap.set(key, object.object);
        return this.placeRoute(key);
      }
      case 'ReferenceGrant': {
        const namespace = object.object.metadata?.namespace ?? 'default';
        const grants = this.grantMap.get(namespace) ?? new Map<string, V1ReferenceGrant>();
        grants.set(object.object.metadata?.name ?? '', object.object);
        this.grantMap.set(namespace, grants);
        return this.grantChanged(namespace);
      }
    }
  }

  /**
   * Forgets an object; `name` is `namespace/name`, or the bare name of a cluster-scoped object
   * (IngressClass, IngressClassParams, Namespace, Node, GatewayClass).
   * @returns what the change did to the grouping
   */
  remove(kind: ClusterObject['kind'], name: string): ViewChange {
    switch (kind) {
      case 'IngressClassParams':
        return this.paramsMap.delete(name) ? this.paramsChanged(name) : unchanged;
      case 'Namespace': {
        const labels = this.namespaceMap.get(name)?.metadata?.labels;
        if (!this.namespaceMap.delete(name) || labels === undefined || Object.keys(labels).length === 0) return unchanged;
        return this.labelsChanged(name);
      }
      case 'Ingress':
        if (!this.ingressMap.delete(name)) return unchanged;
        this.sortedIngresses = null;
        return this.placeAgain([name]);
      case 'IngressClass': {
        const before = this.classMap.get(name);
        if (before === undefined) return unchanged;
        this.classMap.delete(name);
        this.sortedClasses = null;
        return this.placeAgain(this.ingressesUsingClass(name, before, undefined));
      }
      case 'Service':
        this.serviceMap.delete(name);
        return unchanged;
      case 'Secret':
        this.secretMap.delete(name);
        return unchanged;
      case 'Node':
        this.nodeMap.delete(name);
        return unchanged;
      case 'Pod':
        this.podMap.delete(name);
        return unchanged;
      case 'EndpointSlice':
        this.removeSlice(name);
        return unchanged;
      case 'GatewayClass':
        if (!this.gatewayClassMap.delete(name)) return unchanged;
        this.sortedGatewayClasses = null;
        return this.placeGateways(this.gatewaysByClass.get(name) ?? []);
      case 'Gateway':
        if (!this.gatewayMap.delete(name)) return unchanged;
        this.sortedGateways = null;
        return this.placeGateways([name]);
      case 'HTTPRoute':
        return this.routeMap.delete(name) ? this.placeRoute(name) : unchanged;
      case 'ReferenceGrant': {
        const slash = name.indexOf('/');
        const namespace = name.slice(0, slash);
        const grants = this.grantMap.get(namespace);
        if (grants?.delete(name.slice(slash + 1)) !== true) return unchanged;
        if (grants.size === 0) this.grantMap.delete(namespace);
        return this.grantChanged(namespace);
      }
    }
  }

  ingresses(): readonly V1Ingress[] {
    this.sortedIngresses ??= [...this.ingressMap.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, i]) => i);
    return this.sortedIngresses;
  }

  ingress(key: ObjectKey): V1Ingress | undefined {
    return this.ingressMap.get(key);
  }

  ingressClasses(): readonly V1IngressClass[] {
    this.sortedClasses ??= [...this.classMap.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, c]) => c);
    return this.sortedClasses;
  }

  ingressClass(name: string): V1IngressClass | undefined {
    return this.classMap.get(name);
  }

  /**
   * Whether IngressClassParams are served by the API server (their CRD is installed). While
   * they are not, `spec.parameters` of every class is ignored, so Ingresses keep working.
   * @default true
   * @returns what the change did to the grouping
   */
  setIngressClassParamsServed(served: boolean): ViewChange {
    if (served === this.paramsServed) return unchanged;
    this.paramsServed = served;
    return this.placeAgain([...this.ingressMap.keys()]);
  }

  ingressClassParams(name: string): V1IngressClassParams | undefined {
    return this.paramsMap.get(name);
  }

  namespace(name: string): V1Namespace | undefined {
    return this.namespaceMap.get(name);
  }

  service(namespace: string, name: string): V1Service | undefined {
    return this.serviceMap.get(`${namespace}/${name}`);
  }

  endpointSlicesFor(namespace: string, service: string): readonly V1EndpointSlice[] {
    const slices = this.sliceMap.get(`${namespace}/${service}`);
    return slices === undefined ? [] : [...slices.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, s]) => s);
  }

  node(name: string): V1Node | undefined {
    return this.nodeMap.get(name);
  }

  secret(namespace: string, name: string): V1Secret | undefined {
    return this.secretMap.get(`${namespace}/${name}`);
  }

  pod(namespace: string, name: string): V1Pod | undefined {
    return this.podMap.get(`${namespace}/${name}`);
  }

  grouping(): Grouping {
    this.groupingCache ??= { groups: [...this.groupKeys.keys()].sort(compareStrings).flatMap((name) => this.group(name) ?? []) };
    return this.groupingCache;
  }

  group(name: string): IngressGroup | undefined {
    const cached = this.groupCache.get(name);
    if (cached !== undefined) return cached;
    const keys = this.groupKeys.get(name);
    if (keys === undefined) return undefined;
    const members: GroupMember[] = [];
    const held: IngressError[] = [];
    for (const key of keys) {
      const placement = this.placed.get(key)?.placement;
      if (placement?.kind === 'member') members.push(placement.member);
      else if (placement?.kind === 'held') held.push(excluded(key, name, placement.problem));
    }
    const group = assembleGroup(name, members, held);
    this.groupCache.set(name, group);
    return group;
  }

  groupOf(ingress: ObjectKey): string | undefined {
    const placement = this.placement(ingress);
    return placement.kind === 'member' ? placement.group : placement.kind === 'held' ? placement.groups[0] : undefined;
  }

  placement(ingress: ObjectKey): Placement {
    return this.placed.get(ingress)?.placement ?? nowhere;
  }

  holders(group: string): ReadonlySet<ObjectKey> {
    return this.holderMap.get(group) ?? none;
  }

  recordedGroupNames(): readonly string[] {
    return [...this.holderMap.keys()].sort(compareStrings);
  }

  adopterOf(name: string): string | undefined {
    let first: string | undefined;
    for (const key of this.groupKeys.keys()) {
      const tags = GroupKey.tags(key);
      if (tags.ingressClass !== undefined && tags.group === name && (first === undefined || compareStrings(key, first) < 0)) first = key;
    }
    return first;
  }

  /** Groups with a member or a held Ingress, and Ingresses that are members, for the controller's gauges. O(1). */
  counts(): { readonly groups: number; readonly members: number } {
    return { groups: this.groupKeys.size, members: this.memberCount };
  }

  groupsUsingService(namespace: string, name: string): ReadonlySet<string> {
    return this.byService.groups(`${namespace}/${name}`);
  }

  groupsUsingEndpointSlice(slice: V1EndpointSlice): ReadonlySet<string> {
    const service = slice.metadata?.labels?.[ServiceNameLabel];
    return service === undefined ? none : this.groupsUsingService(slice.metadata?.namespace ?? 'default', service);
  }

  groupsUsingSecret(namespace: string, name: string): ReadonlySet<string> {
    return this.bySecret.groups(`${namespace}/${name}`);
  }

  gatewayClass(name: string): V1GatewayClass | undefined {
    return this.gatewayClassMap.get(name);
  }

  gatewayClasses(): readonly V1GatewayClass[] {
    this.sortedGatewayClasses ??= [...this.gatewayClassMap.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, c]) => c);
    return this.sortedGatewayClasses;
  }

  gateway(namespace: string, name: string): V1Gateway | undefined {
    return this.gatewayMap.get(`${namespace}/${name}`);
  }

  gateways(): readonly V1Gateway[] {
    this.sortedGateways ??= [...this.gatewayMap.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, g]) => g);
    return this.sortedGateways;
  }

  gatewayGroups(): readonly string[] {
    this.sortedGatewayGroups ??= [...this.gatewayPlaced.entries()].flatMap(([key, placed]) => (placed.served ? [gatewayGroup(key)] : [])).sort(compareStrings);
    return this.sortedGatewayGroups;
  }

  /** One HTTPRoute by namespace and name. */
  httpRoute(namespace: string, name: string): V1HTTPRoute | undefined {
    return this.routeMap.get(`${namespace}/${name}`);
  }

  routesOf(namespace: string, name: string): readonly V1HTTPRoute[] {
    const keys = this.routesByParent.get(`${namespace}/${name}`);
    if (keys === undefined) return [];
    return [...keys].sort(compareStrings).flatMap((key) => this.routeMap.get(key) ?? []);
  }

  referenceGrants(namespace: string): readonly V1ReferenceGrant[] {
    const grants = this.grantMap.get(namespace);
    return grants === undefined ? [] : [...grants.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, g]) => g);
  }

  /** Ingresses a change of this class can move: those naming it, and, when it is or was the default, those naming none. */
  private ingressesUsingClass(name: string, before: V1IngressClass | undefined, after: V1IngressClass | undefined): ObjectKey[] {
    const named = [...(this.byClassName.get(name) ?? [])];
    return isDefaultClass(before) || isDefaultClass(after) ? [...named, ...(this.byClassName.get('') ?? [])] : named;
  }

  /** Ingresses of every class whose `spec.parameters` names these params. */
  private ingressesUsingParams(name: string): ObjectKey[] {
    const out: ObjectKey[] = [];
    for (const c of this.classMap.values()) {
      const ref = paramsReferenceOf(c);
      if (ref.kind === 'name' && ref.name === name) out.push(...this.ingressesUsingClass(c.metadata?.name ?? '', c, c));
    }
    return out;
  }

  /** Places these Ingresses again and moves their shares of the indexes. */
  private placeAgain(keys: Iterable<ObjectKey>): ViewChange {
    const recorder = new Recorder(this.bySecret);
    this.placeIngresses(keys, recorder);
    return recorder.change();
  }

  /** IngressClassParams changed: the Ingresses using them, and the served Gateways using them. */
  private paramsChanged(name: string): ViewChange {
    const recorder = new Recorder(this.bySecret);
    this.placeIngresses(this.ingressesUsingParams(name), recorder);
    const gateways = new Set(this.gatewaysByParams.get(name) ?? []);
    for (const c of this.gatewayClassMap.values()) {
      if (gatewayClassParams(c) === name) for (const key of this.gatewaysByClass.get(c.metadata?.name ?? '') ?? []) gateways.add(key);
    }
    for (const key of gateways) if (this.gatewayPlaced.get(key)?.served === true) recorder.groups.add(gatewayGroup(key));
    return recorder.change();
  }

  /** A Namespace's labels changed: the Ingresses living there, and the served Gateways selecting routes by labels. */
  private labelsChanged(name: string): ViewChange {
    const recorder = new Recorder(this.bySecret);
    this.placeIngresses(this.byNamespace.get(name) ?? [], recorder);
    for (const key of this.gatewaysSelecting) recorder.groups.add(gatewayGroup(key));
    return recorder.change();
  }

  /**
   * A ReferenceGrant of this namespace came, changed or went: the served Gateways referring into
   * it; those whose certificateRefs point there are placed again, since the Secrets they may use
   * can have changed.
   */
  private grantChanged(namespace: string): ViewChange {
    const recorder = new Recorder(this.bySecret);
    for (const group of this.byGrantNamespace.groups(namespace)) recorder.groups.add(group);
    return this.placeGateways(this.gatewaysByCertNamespace.get(namespace) ?? [], recorder);
  }

  private placeIngresses(keys: Iterable<ObjectKey>, recorder: Recorder): void {
    const groups = recorder.groups;
    let regrouped = false;
    const source = {
      ingressClasses: this.ingressClasses(),
      paramsOf: this.paramsServed ? (ingress: V1Ingress) => paramsOfIngress(ingress, this.paramsSource()) : undefined,
    };
    const defaultClass = defaultClassOfOurs(source.ingressClasses);
    const share = (key: ObjectKey, placed: Placed, by: 1 | -1): void => {
      const placedIn = placed.placement.kind === 'member' ? [placed.placement.group] : placed.placement.kind === 'held' ? placed.placement.groups : [];
      if (placed.placement.kind === 'member') this.memberCount += by;
      for (const group of placedIn) {
        groups.add(group);
        regrouped = true;
        if (by === 1) addTo(this.groupKeys, group, key);
        else deleteFrom(this.groupKeys, group, key);
        this.groupCache.delete(group);
        for (const service of placed.refs.services) this.byService.add(service, group, by);
        for (const secret of placed.refs.secrets) recorder.secret(secret, group, by);
      }
      for (const group of placed.recorded) {
        groups.add(group);
        regrouped = true;
        if (by === 1) addTo(this.holderMap, group, key);
        else deleteFrom(this.holderMap, group, key);
      }
      const className = placed.refs.ingressClass ?? '';
      const namespace = key.slice(0, key.indexOf('/'));
      if (by === 1) {
        addTo(this.byClassName, className, key);
        addTo(this.byNamespace, namespace, key);
      } else {
        deleteFrom(this.byClassName, className, key);
        deleteFrom(this.byNamespace, namespace, key);
      }
    };
    for (const key of new Set(keys)) {
      const before = this.placed.get(key);
      if (before !== undefined) share(key, before, -1);
      const ingress = this.ingressMap.get(key);
      if (ingress === undefined) {
        this.placed.delete(key);
        continue;
      }
      const after: Placed = { placement: placeIngress(ingress, source), refs: referencesOf(ingress), recorded: recordedGroups(ingress, defaultClass) };
      this.placed.set(key, after);
      share(key, after, 1);
    }
    if (regrouped) this.groupingCache = null;
  }

  /**
   * Places these Gateways again (their class, their deletion, their references) and moves their
   * own shares of the indexes; their routes' shares move only when whether the Gateway is served
   * changed, so a Gateway's status update costs O(its listeners), not O(its routes).
   */
  private placeGateways(keys: Iterable<ObjectKey>, recorder = new Recorder(this.bySecret)): ViewChange {
    const classOf = (name: string): V1GatewayClass | undefined => this.gatewayClassMap.get(name);
    for (const key of [...keys]) {
      const before = this.gatewayPlaced.get(key);
      const gateway = this.gatewayMap.get(key);
      let after: GatewayPlaced | undefined;
      if (gateway !== undefined) {
        const refs = gatewayReferences(gateway, (namespace) => this.referenceGrants(namespace));
        after = { ours: isOurGatewayClass(classOf(refs.gatewayClass ?? '')), served: isServedGateway(gateway, classOf), refs };
      }
      const servedChanged = (before?.served ?? false) !== (after?.served ?? false);
      if (before !== undefined) {
        this.shareGateway(key, before, -1, recorder, servedChanged);
        deleteFrom(this.gatewaysByClass, before.refs.gatewayClass ?? '', key);
        if (before.refs.params !== undefined) deleteFrom(this.gatewaysByParams, before.refs.params, key);
        for (const namespace of before.refs.namespaces) deleteFrom(this.gatewaysByCertNamespace, namespace, key);
      }
      if (after === undefined) {
        this.gatewayPlaced.delete(key);
      } else {
        this.gatewayPlaced.set(key, after);
        this.shareGateway(key, after, 1, recorder, servedChanged);
        addTo(this.gatewaysByClass, after.refs.gatewayClass ?? '', key);
        if (after.refs.params !== undefined) addTo(this.gatewaysByParams, after.refs.params, key);
        for (const namespace of after.refs.namespaces) addTo(this.gatewaysByCertNamespace, namespace, key);
      }
      if (servedChanged) this.sortedGatewayGroups = null;
      if (before?.ours === true || after?.ours === true) recorder.groups.add(gatewayGroup(key));
    }
    return recorder.change();
  }

  /** A served Gateway's share of the indexes: its own references and, with `routes`, those of its routes. */
  private shareGateway(key: ObjectKey, placed: GatewayPlaced, by: 1 | -1, recorder: Recorder, routes: boolean): void {
    if (!placed.served) return;
    const group = gatewayGroup(key);
    for (const secret of placed.refs.secrets) recorder.secret(secret, group, by);
    for (const namespace of placed.refs.namespaces) this.byGrantNamespace.add(namespace, group, by);
    if (by === 1 && placed.refs.selectsNamespaces) this.gatewaysSelecting.add(key);
    if (by === -1) this.gatewaysSelecting.delete(key);
    if (!routes) return;
    for (const route of this.routesByParent.get(key) ?? []) {
      const refs = this.routeRefs.get(route);
      if (refs !== undefined) this.shareRoute(refs, group, by);
    }
  }

  private shareRoute(refs: RouteReferences, group: string, by: 1 | -1): void {
    for (const service of refs.services) this.byService.add(service, group, by);
    for (const namespace of refs.namespaces) this.byGrantNamespace.add(namespace, group, by);
  }

  /** Reads an HTTPRoute again: its shares move from the served Gateways it named to those it names. */
  private placeRoute(key: ObjectKey): ViewChange {
    const recorder = new Recorder(this.bySecret);
    const served = (parent: ObjectKey): boolean => this.gatewayPlaced.get(parent)?.served === true;
    const before = this.routeRefs.get(key);
    if (before !== undefined) {
      for (const parent of before.parents) {
        deleteFrom(this.routesByParent, parent, key);
        if (!served(parent)) continue;
        this.shareRoute(before, gatewayGroup(parent), -1);
        recorder.groups.add(gatewayGroup(parent));
      }
    }
    const route = this.routeMap.get(key);
    if (route === undefined) {
      this.routeRefs.delete(key);
      return recorder.change();
    }
    const after = routeReferences(route);
    this.routeRefs.set(key, after);
    for (const parent of after.parents) {
      addTo(this.routesByParent, parent, key);
      if (!served(parent)) continue;
      this.shareRoute(after, gatewayGroup(parent), 1);
      recorder.groups.add(gatewayGroup(parent));
    }
    return recorder.change();
  }

  private paramsSource(): ParamsSource {
    return {
      ingressClasses: this.ingressClasses(),
      ingressClassParams: (name: string) => this.paramsMap.get(name),
      namespaceLabels: (name: string) => this.namespaceMap.get(name)?.metadata?.labels ?? {},
    };
  }

  private removeSlice(key: ObjectKey): void {
    const owner = this.sliceOwner.get(key);
    if (owner === undefined) return;
    const slices = this.sliceMap.get(owner);
    slices?.delete(key);
    if (slices?.size === 0) this.sliceMap.delete(owner);
    this.sliceOwner.delete(key);
  }
}

const nowhere: Placement = { kind: 'none' };

function gatewayGroup(key: ObjectKey): string {
  const slash = key.indexOf('/');
  return GatewayKey.of(key.slice(0, slash), key.slice(slash + 1));
}

function isDefaultClass(ingressClass: V1IngressClass | undefined): boolean {
  return ingressClass?.metadata?.annotations?.[DefaultClassAnnotation] === 'true';
}

/** An object the store holds, tagged with its kind. */
export type ClusterObject =
  | { readonly kind: 'Ingress'; readonly object: V1Ingress }
  | { readonly kind: 'IngressClass'; readonly object: V1IngressClass }
  | { readonly kind: 'IngressClassParams'; readonly object: V1IngressClassParams }
  /** Only its name and labels are kept. */
  | { readonly kind: 'Namespace'; readonly object: V1Namespace }
  | { readonly kind: 'Service'; readonly object: V1Service }
  | { readonly kind: 'EndpointSlice'; readonly object: V1EndpointSlice }
  | { readonly kind: 'Secret'; readonly object: V1Secret }
  /** Only its name, provider ID and addresses are kept. */
  | { readonly kind: 'Node'; readonly object: V1Node }
  /** Readiness gate: `spec.readinessGates` and `status.conditions` are what is read. */
  | { readonly kind: 'Pod'; readonly object: V1Pod }
  /** Gateway API (`gateway.networking.k8s.io`), cluster-scoped. */
  | { readonly kind: 'GatewayClass'; readonly object: V1GatewayClass }
  | { readonly kind: 'Gateway'; readonly object: V1Gateway }
  | { readonly kind: 'HTTPRoute'; readonly object: V1HTTPRoute }
  | { readonly kind: 'ReferenceGrant'; readonly object: V1ReferenceGrant };

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}
