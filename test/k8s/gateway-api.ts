// The standard-channel Gateway API CRDs (sigs.k8s.io/gateway-api, config/crd/standard/) in a
// test API server: where scripts/gateway-api-crds.sh cached them, installing them the way
// `kubectl apply -f standard-install.yaml` does, and removing them again (for "CRDs installed
// later" and "CRDs removed" tests). Usable from any k8s test, with or without Jest.
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiException,
  ApiextensionsV1Api,
  CustomObjectsApi,
  loadAllYaml,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const crdsScript = join(repoRoot, 'scripts', 'gateway-api-crds.sh');

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** How to get the CRDs; part of the error when they are missing. */
export const GATEWAY_API_CRDS_HINT =
  'run `bash scripts/gateway-api-crds.sh` (fetches them once from the Go module proxy, cached under ~/.cache/albatross/gateway-api; npm test does) or set GATEWAY_API_CRDS to a folder holding them';

/** Gateway API release whose CRDs scripts/gateway-api-crds.sh caches; the script holds the pin. */
export function gatewayApiVersion(env: NodeJS.ProcessEnv = process.env): string {
  const override = env['ALBATROSS_GATEWAY_API_VERSION'];
  if (override) return override;
  const match = /^GATEWAY_API_VERSION_DEFAULT=(\S+)$/m.exec(readFileSync(crdsScript, 'utf8'));
  if (!match?.[1]) throw new Error(`no GATEWAY_API_VERSION_DEFAULT line in ${crdsScript}`);
  return match[1];
}

/**
 * The folder holding the standard-channel YAML: GATEWAY_API_CRDS when set, else the cache of
 * scripts/gateway-api-crds.sh if it is filled.
 */
export function findGatewayApiCrds(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = env['GATEWAY_API_CRDS'];
  if (given) return given;
  const cacheHome = env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  const cached = join(cacheHome, 'albatross', 'gateway-api', gatewayApiVersion(env));
  return existsSync(join(cached, 'BUILD-INFO')) ? cached : undefined;
}

/** A KubeConfig, or anything carrying one (an Envtest). */
export type ApiServer = KubeConfig | { readonly kubeConfig: KubeConfig };

export interface GatewayApiOptions {
  /** Folder of the YAML; defaults to {@link findGatewayApiCrds}. */
  readonly dir?: string;
  /** How long the CRDs may take to be served (or, removing them, to be gone). */
  readonly timeoutMs?: number;
}

export interface InstalledGatewayApi {
  /** The Gateway API release the YAML came from (its `gateway.networking.k8s.io/bundle-version`). */
  readonly bundleVersion: string;
  /** CRD names, e.g. `httproutes.gateway.networking.k8s.io`. */
  readonly crds: readonly string[];
  /** Served versions per kind, as the API server reports them, e.g. `{ HTTPRoute: ['v1', 'v1beta1'] }`. */
  readonly servedVersions: Readonly<Record<string, readonly string[]>>;
}

interface Manifest {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly annotations?: Record<string, string> };
}

/** Objects that are not CRDs: standard-install.yaml also has a ValidatingAdmissionPolicy and its binding. */
const OTHER_KINDS: Readonly<Record<string, { group: string; version: string; plural: string }>> = {
  ValidatingAdmissionPolicy: { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'validatingadmissionpolicies' },
  ValidatingAdmissionPolicyBinding: { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'validatingadmissionpolicybindings' },
};

async function manifests(options: GatewayApiOptions): Promise<{ crds: V1CustomResourceDefinition[]; others: Manifest[] }> {
  const dir = options.dir ?? findGatewayApiCrds();
  if (dir === undefined) throw new Error(`Gateway API CRDs not found: ${GATEWAY_API_CRDS_HINT}`);
  const files = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  const crds: V1CustomResourceDefinition[] = [];
  const others: Manifest[] = [];
  for (const file of files) {
    for (const doc of loadAllYaml(await readFile(join(dir, file), 'utf8')) as (Manifest | null | undefined)[]) {
      if (doc === null || doc === undefined) continue;
      if (doc.kind === 'CustomResourceDefinition') crds.push(doc as V1CustomResourceDefinition);
      else if (doc.kind !== undefined && doc.kind in OTHER_KINDS) others.push(doc);
      else throw new Error(`${join(dir, file)}: unexpected ${String(doc.kind)}`);
    }
  }
  if (!crds.some((crd) => crd.spec.group === GATEWAY_API_GROUP)) throw new Error(`${dir} holds no Gateway API CRDs: ${GATEWAY_API_CRDS_HINT}`);
  return { crds, others };
}

function kubeConfigOf(server: ApiServer): KubeConfig {
  return 'kubeConfig' in server ? server.kubeConfig : server;
}

async function until(what: string | (() => string), deadline: number, check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${typeof what === 'string' ? what : what()}: not in time`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function notFound(error: unknown): boolean {
  return error instanceof ApiException && error.code === 404;
}

/** The kinds the API server's discovery lists for group/version (empty when it serves none). */
async function discoveredKinds(custom: CustomObjectsApi, version: string): Promise<Set<string>> {
  try {
    const list = await custom.getAPIResources({ group: GATEWAY_API_GROUP, version });
    return new Set(list.resources.filter((r) => !r.name.includes('/')).map((r) => r.kind));
  } catch (error) {
    if (notFound(error)) return new Set();
    throw error;
  }
}

/**
 * Waits until every served version of every CRD answers a list. The API server makes a kind's
 * storage (its watch cache) on the first request for it, and until that cache has filled,
 * requests get 429 "storage is (re)initializing": a client, and the API server's own clean-up
 * of a deleted CRD, which then backs off for up to minutes.
 */
async function untilListable(custom: CustomObjectsApi, crds: readonly V1CustomResourceDefinition[], deadline: number): Promise<void> {
  for (const crd of crds) {
    for (const version of crd.spec.versions.filter((v) => v.served)) {
      let last = '';
      await until(() => `${crd.spec.names.plural}.${crd.spec.group}/${version.name} listable (last answer: ${last})`, deadline, async () => {
        try {
          await custom.listClusterCustomObject({ group: crd.spec.group, version: version.name, plural: crd.spec.names.plural, limit: 1 });
          return true;
        } catch (error) {
          last = error instanceof ApiException ? `HTTP ${String(error.code)}` : String(error);
          return false;
        }
      });
    }
  }
}

/**
 * Installs the standard-channel Gateway API CRDs (and the release's ValidatingAdmissionPolicy,
 * as standard-install.yaml does) and returns once every CRD is Established and every served
 * version of every kind is listed by the API server's discovery and answers a list, so that
 * objects of each kind can be created, listed and watched right away.
 */
export async function installGatewayApiCrds(server: ApiServer, options: GatewayApiOptions = {}): Promise<InstalledGatewayApi> {
  const kc = kubeConfigOf(server);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const { crds, others } = await manifests(options);
  const extensions = kc.makeApiClient(ApiextensionsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  for (const body of crds) await extensions.createCustomResourceDefinition({ body });
  for (const body of others) {
    const where = OTHER_KINDS[body.kind ?? ''];
    if (where !== undefined) await custom.createClusterCustomObject({ ...where, body });
  }

  const names = crds.map((crd) => crd.metadata?.name ?? '');
  for (const name of names) {
    await until(`CRD ${name} Established`, deadline, async () => {
      const current = await extensions.readCustomResourceDefinition({ name });
      return current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true;
    });
  }
  const servedVersions: Record<string, string[]> = {};
  for (const crd of crds) servedVersions[crd.spec.names.kind] = crd.spec.versions.filter((v) => v.served).map((v) => v.name);
  const versions = [...new Set(Object.values(servedVersions).flat())];
  for (const version of versions) {
    const wanted = Object.entries(servedVersions).filter(([, vs]) => vs.includes(version)).map(([kind]) => kind);
    await until(`${GATEWAY_API_GROUP}/${version} in discovery`, deadline, async () => {
      const kinds = await discoveredKinds(custom, version);
      return wanted.every((kind) => kinds.has(kind));
    });
  }
  await untilListable(custom, crds, deadline);
  const bundleVersion = crds[0]?.metadata?.annotations?.['gateway.networking.k8s.io/bundle-version'] ?? 'unknown';
  return { bundleVersion, crds: names, servedVersions };
}

/**
 * Removes what {@link installGatewayApiCrds} installed, and with the CRDs every Gateway API
 * object; returns once the API server no longer serves the group.
 */
export async function uninstallGatewayApiCrds(server: ApiServer, options: GatewayApiOptions = {}): Promise<void> {
  const kc = kubeConfigOf(server);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const { crds, others } = await manifests(options);
  const extensions = kc.makeApiClient(ApiextensionsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const ignoreMissing = (error: unknown): void => {
    if (!notFound(error)) throw error;
  };
  for (const body of [...others].reverse()) {
    const where = OTHER_KINDS[body.kind ?? ''];
    if (where !== undefined) await custom.deleteClusterCustomObject({ ...where, name: body.metadata?.name ?? '' }).catch(ignoreMissing);
  }
  const names = crds.map((crd) => crd.metadata?.name ?? '');
  const present: V1CustomResourceDefinition[] = [];
  for (const crd of crds) {
    const found = await extensions.readCustomResourceDefinition({ name: crd.metadata?.name ?? '' }).catch((error: unknown) => ignoreMissing(error));
    if (found !== undefined) present.push(found);
  }
  // The clean-up lists the instances of each kind: their storage must be ready first.
  await untilListable(custom, present, deadline);
  for (const name of names) await extensions.deleteCustomResourceDefinition({ name }).catch(ignoreMissing);
  // The API server deletes every object of a CRD's kinds before the CRD itself goes.
  for (const name of names) {
    let last = '';
    await until(() => `CRD ${name} deleted (last seen: ${last})`, deadline, async () =>
      await extensions.readCustomResourceDefinition({ name }).then(
        (crd) => {
          last = JSON.stringify({ finalizers: crd.metadata?.finalizers, conditions: crd.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.reason ?? ''}: ${c.message ?? ''}`) });
          return false;
        },
        (error: unknown) => {
          ignoreMissing(error);
          return true;
        },
      ),
    );
  }
  const versions = [...new Set(crds.flatMap((crd) => crd.spec.versions.map((v) => v.name)))];
  for (const version of versions) {
    await until(`${GATEWAY_API_GROUP}/${version} gone from discovery`, deadline, async () => (await discoveredKinds(custom, version)).size === 0);
  }
}
