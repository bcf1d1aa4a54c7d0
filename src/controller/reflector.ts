// Keeps one kind of object (in one namespace, or in all) current in the controller's cache, as
// client-go's reflector does: a paginated list, then a watch from the list's resourceVersion;
// a watch that ends is resumed from the last resourceVersion seen, and one that answers 410
// Gone (the version is too old) lists again, with every object that vanished meanwhile
// reported as deleted, so no change is lost. Objects are trimmed before they are kept.
import type { KubeConfig } from '@kubernetes/client-node';
import { Watch } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { sleep } from '../aws/rate-limit.js';

/** One page of a list call: items plus the list's metadata. */
export interface ListPage {
  readonly items: readonly unknown[];
  readonly metadata?: { readonly resourceVersion?: string | undefined; readonly _continue?: string | undefined } | undefined;
}

export interface ReflectorOptions {
  /** For logs and errors, such as `Ingress` or `Secret (type=kubernetes.io/tls) in shop`. */
  readonly description: string;
  /** Lists one page; `continueToken` is the previous page's `_continue`. */
  readonly listPage: (continueToken: string | undefined, limit: number) => Promise<ListPage>;
  /** The watch URL path, such as `/apis/networking.k8s.io/v1/ingresses`. */
  readonly watchPath: string;
  /** Extra watch query parameters, such as `fieldSelector`. */
  readonly watchQuery?: Readonly<Record<string, string>>;
  /**
   * Called for every object added or changed, and with the last known object when deleted.
   * Objects are as the API server sent them (its schema checked them), trimmed.
   */
  readonly onUpsert: (object: unknown) => void;
  readonly onDelete: (object: unknown) => void;
  /**
   * Cuts an object, already trimmed, down to what the cache needs; what it returns is what the
   * reflector keeps and hands on, so no fuller copy stays behind. @default none
   */
  readonly slim?: (object: KubeObject) => KubeObject;
  /**
   * What the reflector itself remembers of each object (to report deletions after a relist),
   * when that is less than what it hands on: Secrets are handed on whole, for the controller to
   * keep key material only for those in use, and remembered by metadata alone. @default the
   * object as handed on
   */
  readonly remember?: (object: KubeObject) => KubeObject;
  /** Objects handed on in one go during a list, before the event loop is let run. @default 100 */
  readonly listBatch?: number;
  /**
   * Page size of the initial and every later list. Small, because the client turns a whole
   * page into typed objects in one go: 500 EndpointSlices of 10 endpoints held the event loop
   * about 100 ms under `--lite-mode` (docs/performance.md). @default 100
   */
  readonly pageSize?: number;
  /** A list or watch that fails outright is tried again after this, doubling to 30 s. @default 1000 */
  readonly firstBackoffMs?: number;
}

/** The part of a Kubernetes object the cache relies on. */
export interface KubeObject {
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly resourceVersion?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Drops what the pipeline never reads and that makes up much of an object's size:
 * `metadata.managedFields` and kubectl's last-applied annotation.
 */
export function trim<T extends KubeObject>(object: T): T {
  const metadata = object.metadata;
  if (metadata === undefined) return object;
  const { managedFields: _managed, ...rest } = metadata as Record<string, unknown>;
  const annotations = rest['annotations'] as Record<string, string> | undefined;
  if (annotations !== undefined && lastApplied in annotations) {
    const { [lastApplied]: _applied, ...kept } = annotations;
    rest['annotations'] = kept;
  }
  return { ...object, metadata: rest };
}

/**
 * An EndpointSlice with only what targets are built from: metadata, address type, ports, and
 * each endpoint's addresses, conditions and `nodeName` (the Node whose instance holds the
 * address: where the backend security group rules go). An endpoint that is not ready keeps its
 * `targetRef` as `{ kind, name, uid }` (the Pod whose readiness gate may be waiting on it; the uid
 * tells a Pod made again under the same name). Dropped:
 * the `targetRef` of ready endpoints, `zone`, `hostname` and `hints`, which make up most of a
 * slice's size (50,000 endpoints: their Pod names and UIDs alone are several MiB). Node names,
 * a few dozen values repeated across every slice, are shared strings.
 */
export function slimEndpointSlice(object: KubeObject): KubeObject {
  const endpoints = object['endpoints'];
  if (!Array.isArray(endpoints)) return object;
  return {
    ...object,
    endpoints: endpoints.map((e: unknown) => {
      const { addresses, conditions, nodeName, targetRef } = (e ?? {}) as { addresses?: unknown; conditions?: unknown; nodeName?: unknown; targetRef?: unknown };
      const ready = isRecord(conditions) && conditions['ready'] === true;
      const ref =
        !ready && isRecord(targetRef) && typeof targetRef['name'] === 'string'
          ? { kind: targetRef['kind'], name: targetRef['name'], ...(typeof targetRef['uid'] === 'string' ? { uid: targetRef['uid'] } : {}) }
          : undefined;
      return {
        addresses,
        ...(conditions === undefined ? {} : { conditions }),
        ...(typeof nodeName === 'string' ? { nodeName: internNodeName(nodeName) } : {}),
        ...(ref === undefined ? {} : { targetRef: ref }),
      };
    }),
  };
}

/**
 * A Node with only what the backend security group rules need: its name, `spec.providerID`
 * (the EC2 instance) and `status.addresses`. Labels, taints, images, conditions and capacity,
 * which kubelets rewrite every few seconds' worth of heartbeats, are dropped.
 */
export function slimNode(object: KubeObject): KubeObject {
  const spec = isRecord(object['spec']) ? object['spec'] : {};
  const status = isRecord(object['status']) ? object['status'] : {};
  const addresses = Array.isArray(status['addresses'])
    ? (status['addresses'] as unknown[]).filter(isRecord).map((a) => ({ type: a['type'], address: a['address'] }))
    : undefined;
  return {
    apiVersion: object['apiVersion'],
    kind: object['kind'],
    metadata: { name: object.metadata?.name ?? '', ...(object.metadata?.resourceVersion === undefined ? {} : { resourceVersion: object.metadata.resourceVersion }) },
    spec: typeof spec['providerID'] === 'string' ? { providerID: spec['providerID'] } : {},
    ...(addresses === undefined ? {} : { status: { addresses } }),
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** One string per node name for the life of the process; nodes are few, endpoints many. */
const nodeNames = new Map<string, string>();
function internNodeName(name: string): string {
  const known = nodeNames.get(name);
  if (known !== undefined) return known;
  // A cluster's nodes come and go: the table is reset rather than grown without end.
  if (nodeNames.size >= 10_000) nodeNames.clear();
  nodeNames.set(name, name);
  return name;
}

const keyOf = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export class Reflector {
  private readonly known = new Map<string, KubeObject>();
  private resourceVersion = '';
  private synced = false;
  private readonly waiters: (() => void)[] = [];
  /** Lists made, for tests and logs: the first, and one per 410 Gone. */
  lists = 0;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly options: ReflectorOptions,
    private readonly logger: Logger,
  ) {}

  private keep(object: KubeObject): KubeObject {
    const trimmed = trim(object);
    return this.options.slim === undefined ? trimmed : this.options.slim(trimmed);
  }

  private remembered(object: KubeObject): KubeObject {
    return this.options.remember === undefined ? object : this.options.remember(object);
  }

  /** Whether the first list has been delivered. */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list has been delivered. */
  async waitForSync(): Promise<void> {
    if (this.synced) return;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Lists and watches until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let backoffMs = this.options.firstBackoffMs ?? 1000;
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === '') await this.list();
        const outcome = await this.watch(signal);
        backoffMs = this.options.firstBackoffMs ?? 1000;
        if (outcome === 'gone') {
          this.logger.info({ kind: this.options.description }, 'watch expired (410 Gone); listing again');
          this.resourceVersion = '';
        }
      } catch (err) {
        if (signal.aborted) return;
        if (isGone(err)) this.resourceVersion = '';
        this.logger.warn({ kind: this.options.description, error: (err as Error).message, retryInMs: backoffMs }, 'list or watch failed; trying again');
        try {
          await sleep(backoffMs, signal);
        } catch {
          return;
        }
        backoffMs = Math.min(backoffMs * 2, 30_000);
      }
    }
  }

  private async list(): Promise<void> {
    const seen = new Map<string, KubeObject>();
    let token: string | undefined;
    let version = '';
    do {
      const page = await this.options.listPage(token, this.options.pageSize ?? 100);
      for (const item of page.items) {
        const object = this.keep(item as KubeObject);
        seen.set(keyOf(object), object);
      }
      token = page.metadata?._continue;
      version = page.metadata?.resourceVersion ?? version;
    } while (token !== undefined && token !== '');
    this.lists++;
    // What disappeared while we were not watching is reported as deleted.
    for (const [key, object] of this.known) if (!seen.has(key)) this.options.onDelete(object);
    this.known.clear();
    // Handed on in batches with the event loop let run between them, so a list of thousands
    // never holds up probes, lease renewals or watches of other kinds.
    const batch = this.options.listBatch ?? 100;
    let handed = 0;
    for (const [key, object] of seen) {
      this.known.set(key, this.remembered(object));
      this.options.onUpsert(object);
      if (++handed % batch === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.resourceVersion = version;
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.waiters.splice(0)) resolve();
    }
  }

  /** Watches from the current resourceVersion until the watch ends: `ended`, or `gone` on 410. */
  private async watch(signal: AbortSignal): Promise<'ended' | 'gone'> {
    let gone = false;
    const watch = new Watch(this.kubeConfig);
    return await new Promise<'ended' | 'gone'>((resolve, reject) => {
      let controller: AbortController | undefined;
      const onAbort = (): void => controller?.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      const finish = (err: unknown): void => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) resolve('ended');
        else if (gone || isGone(err)) resolve('gone');
        else if (err !== null && err !== undefined && !isBenignEnd(err)) reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
        else resolve('ended');
      };
      watch
        .watch(
          this.options.watchPath,
          { ...this.options.watchQuery, resourceVersion: this.resourceVersion, allowWatchBookmarks: true },
          (phase: string, raw: unknown) => {
            const object = raw as KubeObject & { code?: number };
            if (phase === 'ERROR') {
              if (object.code === 410) gone = true;
              return;
            }
            const version = object.metadata?.resourceVersion;
            if (phase === 'BOOKMARK') {
              if (version !== undefined) this.resourceVersion = version;
              return;
            }
            const trimmed = this.keep(object);
            if (phase === 'DELETED') {
              this.known.delete(keyOf(trimmed));
              this.options.onDelete(trimmed);
            } else {
              this.known.set(keyOf(trimmed), this.remembered(trimmed));
              this.options.onUpsert(trimmed);
            }
            if (version !== undefined) this.resourceVersion = version;
          },
          finish,
        )
        .then(
          (c) => {
            controller = c;
            if (signal.aborted) c.abort();
          },
          (err: unknown) => finish(err),
        );
    });
  }
}

function isGone(err: unknown): boolean {
  const e = err as { statusCode?: number; code?: number } | null | undefined;
  return e?.statusCode === 410 || e?.code === 410;
}

/** The server closing a long watch, or a client-side timeout: resume, not a failure. */
function isBenignEnd(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

/** An object reduced to its metadata, kind and type: what a reflector remembers of a Secret. */
export function metadataOnly(object: KubeObject): KubeObject {
  const { metadata, type } = object;
  return { ...(metadata === undefined ? {} : { metadata }), ...(type === undefined ? {} : { type }) };
}
