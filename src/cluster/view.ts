// The Kubernetes objects the pipeline reads, looked up by key, with reverse indexes from an
// object to the Ingress groups that use it. The CLI fills one from files; the controller keeps
// one current from its watches. Nothing downstream knows which.
import type { V1EndpointSlice, V1Ingress, V1IngressClass, V1Namespace, V1Secret, V1Service } from '@kubernetes/client-node';
import { selectOurIngresses } from '../ingress/class.js';
import { groupIngresses, type Grouping, type IngressGroup } from '../ingress/group.js';
import { paramsOfIngress, paramsReferenceOf, type V1IngressClassParams } from '../ingress/params.js';
import { compareStrings } from '../model/compare.js';
import { objectKey } from '../model/ids.js';
import type { ObjectKey } from '../model/resources.js';
import { referencesOf, type IngressReferences } from './references.js';

/** The label that ties an EndpointSlice to its Service (Kubernetes EndpointSlice API). */
export const ServiceNameLabel = 'kubernetes.io/service-name';

/** What the pipeline reads of the cluster. All lists are sorted by `namespace/name`. */
export interface ClusterView {
  ingresses(): readonly V1Ingress[];
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
  /** Our Ingresses (by IngressClass) sorted into groups, as of now. */
  grouping(): Grouping;
  /** One group by name; `undefined` when no Ingress of ours is in it now. */
  group(name: string): IngressGroup | undefined;
  /** The group an Ingress of ours belongs to now; `undefined` when it is not ours or has no valid group. */
  groupOf(ingress: ObjectKey): string | undefined;
  /** Groups with a member whose backends (paths, default backend, forward actions) name the Service. */
  groupsUsingService(namespace: string, name: string): ReadonlySet<string>;
  /** Groups using the Service the slice belongs to. */
  groupsUsingEndpointSlice(slice: V1EndpointSlice): ReadonlySet<string>;
  /** Groups with a member whose `spec.tls` names the Secret. */
  groupsUsingSecret(namespace: string, name: string): ReadonlySet<string>;
  /**
   * Groups with a member served through the IngressClass: by `spec.ingressClassName`, the
   * legacy annotation, or as the default class. A class change can also add or remove
   * members; a caller compares this before and after applying the change.
   */
  groupsUsingIngressClass(name: string): ReadonlySet<string>;
  /**
   * Groups with a member served through an IngressClass whose `spec.parameters` names these
   * IngressClassParams. Like a class change, a params change can move Ingresses between
   * groups (`group.name`) or exclude them (`namespaceSelector`): compare before and after.
   */
  groupsUsingIngressClassParams(name: string): ReadonlySet<string>;
}

const none: ReadonlySet<string> = new Set();

/** What is derived from the Ingresses and IngressClasses, rebuilt after either changes. */
interface Derived {
  readonly grouping: Grouping;
  readonly groups: ReadonlyMap<string, IngressGroup>;
  readonly groupOf: ReadonlyMap<ObjectKey, string>;
  readonly byService: ReadonlyMap<ObjectKey, Set<string>>;
  readonly bySecret: ReadonlyMap<ObjectKey, Set<string>>;
  readonly byClass: ReadonlyMap<string, Set<string>>;
  readonly byParams: ReadonlyMap<string, Set<string>>;
}

/**
 * A `ClusterView` that is told of objects one by one (`upsert`, `remove`) and keeps its
 * indexes current. Grouping and the reverse indexes are rebuilt lazily, only after an Ingress,
 * an IngressClass, an IngressClassParams or a Namespace's labels changed; Service,
 * EndpointSlice and Secret changes cost a map update.
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
  /** `namespace/service` -> slice key -> slice. */
  private readonly sliceMap = new Map<ObjectKey, Map<ObjectKey, V1EndpointSlice>>();
  /** Slice key -> `namespace/service`, to move a slice whose label changed. */
  private readonly sliceOwner = new Map<ObjectKey, ObjectKey>();
  private derived: Derived | null = null;
  private sortedIngresses: V1Ingress[] | null = null;

  /** Adds or replaces an object of any kind of `ClusterObject`. */
  upsert(object: ClusterObject): void {
    switch (object.kind) {
      case 'IngressClassParams':
        this.paramsMap.set(object.object.metadata?.name ?? '', object.object);
        this.changedIngresses();
        return;
      case 'Namespace': {
        const name = object.object.metadata?.name ?? '';
        const labels = { ...(object.object.metadata?.labels ?? {}) };
        const before = this.namespaceMap.get(name)?.metadata?.labels ?? {};
        this.namespaceMap.set(name, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
        if (!sameLabels(before, labels)) this.changedIngresses();
        return;
      }
      case 'Ingress':
        this.ingressMap.set(objectKey(object.object), object.object);
        this.changedIngresses();
        return;
      case 'IngressClass':
        this.classMap.set(object.object.metadata?.name ?? '', object.object);
        this.changedIngresses();
        return;
      case 'Service':
        this.serviceMap.set(objectKey(object.object), object.object);
        return;
      case 'Secret':
        this.secretMap.set(objectKey(object.object), object.object);
        return;
      case 'EndpointSlice': {
        const key = objectKey(object.object);
        this.removeSlice(key);
        const owner = `${object.object.metadata?.namespace ?? 'default'}/${object.object.metadata?.labels?.[ServiceNameLabel] ?? ''}`;
        const slices = this.sliceMap.get(owner) ?? new Map<ObjectKey, V1EndpointSlice>();
        slices.set(key, object.object);
        this.sliceMap.set(owner, slices);
        this.sliceOwner.set(key, owner);
        return;
      }
    }
  }

  /**
   * Forgets an object; `name` is `namespace/name`, or the bare name of a cluster-scoped object
   * (IngressClass, IngressClassParams, Namespace).
   */
  remove(kind: ClusterObject['kind'], name: string): void {
    switch (kind) {
      case 'IngressClassParams':
        if (this.paramsMap.delete(name)) this.changedIngresses();
        return;
      case 'Namespace': {
        const labels = this.namespaceMap.get(name)?.metadata?.labels;
        if (this.namespaceMap.delete(name) && labels !== undefined && Object.keys(labels).length > 0) this.changedIngresses();
        return;
      }
      case 'Ingress':
        if (this.ingressMap.delete(name)) this.changedIngresses();
        return;
      case 'IngressClass':
        if (this.classMap.delete(name)) this.changedIngresses();
        return;
      case 'Service':
        this.serviceMap.delete(name);
        return;
      case 'Secret':
        this.secretMap.delete(name);
        return;
      case 'EndpointSlice':
        this.removeSlice(name);
        return;
    }
  }

  ingresses(): readonly V1Ingress[] {
    this.sortedIngresses ??= [...this.ingressMap.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, i]) => i);
    return this.sortedIngresses;
  }

  ingressClasses(): readonly V1IngressClass[] {
    return [...this.classMap.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, c]) => c);
  }

  ingressClass(name: string): V1IngressClass | undefined {
    return this.classMap.get(name);
  }

  /**
   * Whether IngressClassParams are served by the API server (their CRD is installed). While
   * they are not, `spec.parameters` of every class is ignored, so Ingresses keep working.
   * @default true
   */
  setIngressClassParamsServed(served: boolean): void {
    if (served === this.paramsServed) return;
    this.paramsServed = served;
    this.changedIngresses();
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

  secret(namespace: string, name: string): V1Secret | undefined {
    return this.secretMap.get(`${namespace}/${name}`);
  }

  grouping(): Grouping {
    return this.derive().grouping;
  }

  group(name: string): IngressGroup | undefined {
    return this.derive().groups.get(name);
  }

  groupOf(ingress: ObjectKey): string | undefined {
    return this.derive().groupOf.get(ingress);
  }

  groupsUsingService(namespace: string, name: string): ReadonlySet<string> {
    return this.derive().byService.get(`${namespace}/${name}`) ?? none;
  }

  groupsUsingEndpointSlice(slice: V1EndpointSlice): ReadonlySet<string> {
    const service = slice.metadata?.labels?.[ServiceNameLabel];
    return service === undefined ? none : this.groupsUsingService(slice.metadata?.namespace ?? 'default', service);
  }

  groupsUsingSecret(namespace: string, name: string): ReadonlySet<string> {
    return this.derive().bySecret.get(`${namespace}/${name}`) ?? none;
  }

  groupsUsingIngressClass(name: string): ReadonlySet<string> {
    return this.derive().byClass.get(name) ?? none;
  }

  groupsUsingIngressClassParams(name: string): ReadonlySet<string> {
    return this.derive().byParams.get(name) ?? none;
  }

  private changedIngresses(): void {
    this.derived = null;
    this.sortedIngresses = null;
  }

  private removeSlice(key: ObjectKey): void {
    const owner = this.sliceOwner.get(key);
    if (owner === undefined) return;
    const slices = this.sliceMap.get(owner);
    slices?.delete(key);
    if (slices?.size === 0) this.sliceMap.delete(owner);
    this.sliceOwner.delete(key);
  }

  private derive(): Derived {
    if (this.derived !== null) return this.derived;
    const classes = this.ingressClasses();
    const paramsSource = {
      ingressClasses: classes,
      ingressClassParams: (name: string) => this.paramsMap.get(name),
      namespaceLabels: (name: string) => this.namespaceMap.get(name)?.metadata?.labels ?? {},
    };
    // An Ingress being deleted has left its group: its rules go, and its finalizer after them.
    const live = this.ingresses().filter((i) => i.metadata?.deletionTimestamp === undefined || i.metadata.deletionTimestamp === null);
    const grouping = groupIngresses(
      selectOurIngresses(live, classes),
      this.paramsServed ? (ingress) => paramsOfIngress(ingress, paramsSource) : undefined,
    );
    const groups = new Map<string, IngressGroup>();
    const groupOf = new Map<ObjectKey, string>();
    const byService = new Map<ObjectKey, Set<string>>();
    const bySecret = new Map<ObjectKey, Set<string>>();
    const byClass = new Map<string, Set<string>>();
    const add = (index: Map<string, Set<string>>, key: string, group: string): void => {
      const set = index.get(key) ?? new Set<string>();
      set.add(group);
      index.set(key, set);
    };
    const defaultClass = classes.find((c) => c.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true')?.metadata?.name;
    for (const group of grouping.groups) {
      groups.set(group.name, group);
      const keys = [...group.members.map((m) => m.key), ...group.rejected.map((r) => r.ingress)];
      for (const key of keys) {
        groupOf.set(key, group.name);
        const ingress = this.ingressMap.get(key);
        if (ingress === undefined) continue;
        const refs: IngressReferences = referencesOf(ingress);
        for (const service of refs.services) add(byService, service, group.name);
        for (const secret of refs.secrets) add(bySecret, secret, group.name);
        const className = refs.ingressClass ?? defaultClass;
        if (className !== undefined) add(byClass, className, group.name);
      }
    }
    const byParams = new Map<string, Set<string>>();
    for (const c of classes) {
      const ref = paramsReferenceOf(c);
      if (ref.kind === 'name') for (const group of byClass.get(c.metadata?.name ?? '') ?? []) add(byParams, ref.name, group);
    }
    this.derived = { grouping, groups, groupOf, byService, bySecret, byClass, byParams };
    return this.derived;
  }
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
  | { readonly kind: 'Secret'; readonly object: V1Secret };

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}
