// The Gateway API CRDs we target (standard channel, the release pinned in
// scripts/gateway-api-crds.sh) as our kube-apiserver serves them: which versions of each kind,
// what the API server fills in and refuses, and the status subresource writes the controller
// will make, read back. Also that they can be removed and installed again (CRDs installed
// after the controller started).
import { ApiException, ApiextensionsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { namespace } from './cluster.js';
import { GATEWAY_API_GROUP, gatewayApiVersion, installGatewayApiCrds, uninstallGatewayApiCrds, type InstalledGatewayApi } from './gateway-api.js';
import { envtestPerFile } from './suite.js';

const started = envtestPerFile();
const CONTROLLER = 'albatross.dev/gateway';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

type Obj = Record<string, unknown> & {
  metadata: { name: string; namespace?: string; generation?: number; resourceVersion?: string };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
};

function api(): CustomObjectsApi {
  return started().kubeConfig.makeApiClient(CustomObjectsApi);
}

const kinds = {
  GatewayClass: { plural: 'gatewayclasses', namespaced: false },
  Gateway: { plural: 'gateways', namespaced: true },
  HTTPRoute: { plural: 'httproutes', namespaced: true },
  ReferenceGrant: { plural: 'referencegrants', namespaced: true },
} as const;
type Kind = keyof typeof kinds;

function where(kind: Kind, version: string, ns?: string): { group: string; version: string; plural: string; namespace: string } {
  return { group: GATEWAY_API_GROUP, version, plural: kinds[kind].plural, namespace: ns ?? '' };
}

async function create(kind: Kind, body: Record<string, unknown>, version = 'v1'): Promise<Obj> {
  const ns = (body['metadata'] as { namespace?: string }).namespace;
  const w = where(kind, version, ns);
  const withType = { apiVersion: `${GATEWAY_API_GROUP}/${version}`, kind, ...body };
  return (kinds[kind].namespaced ? await api().createNamespacedCustomObject({ ...w, namespace: ns ?? 'default', body: withType }) : await api().createClusterCustomObject({ ...w, body: withType })) as Obj;
}

async function get(kind: Kind, name: string, ns?: string, version = 'v1'): Promise<Obj> {
  const w = where(kind, version, ns);
  return (kinds[kind].namespaced ? await api().getNamespacedCustomObject({ ...w, namespace: ns ?? 'default', name }) : await api().getClusterCustomObject({ ...w, name })) as Obj;
}

/** A merge patch of `status` through the status subresource, as the controller writes it. */
async function patchStatus(kind: Kind, name: string, status: Record<string, unknown>, ns?: string): Promise<Obj> {
  const w = where(kind, 'v1', ns);
  const body = { status };
  return (kinds[kind].namespaced
    ? await api().patchNamespacedCustomObjectStatus({ ...w, namespace: ns ?? 'default', name, body }, mergePatch)
    : await api().patchClusterCustomObjectStatus({ ...w, name, body }, mergePatch)) as Obj;
}

/** The API server's refusal of a request: its code and message. */
async function refusal(request: Promise<unknown>): Promise<{ code: number; message: string }> {
  const error = await request.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof ApiException)) throw new Error(`expected a refusal, got ${String(error)}`);
  // A Status object, or plain text ("404 page not found") for a path nothing serves.
  const body = String((error as ApiException<unknown>).body);
  const message = body.startsWith('{') ? ((JSON.parse(body) as { message?: string }).message ?? '') : body;
  return { code: error.code, message };
}

function condition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, observedGeneration: number, message = ''): Record<string, unknown> {
  return { type, status, reason, message, observedGeneration, lastTransitionTime: '2026-01-01T00:00:00Z' };
}

/** The conditions a kind gets from the CRD's defaults before any controller writes status. */
const pending = (type: string): Record<string, unknown> => ({ type, status: 'Unknown', reason: 'Pending', message: 'Waiting for controller', lastTransitionTime: '1970-01-01T00:00:00Z' });

let installed: InstalledGatewayApi;

describe(`Gateway API CRDs, standard channel ${gatewayApiVersion()}, in our API server`, () => {
  test('before installGatewayApiCrds the group is not served; after it, all four kinds are served as v1 and v1beta1, ReferenceGrant stored as v1beta1', async () => {
    expect((await refusal(api().listClusterCustomObject({ ...where('GatewayClass', 'v1') }))).code).toBe(404);

    installed = await installGatewayApiCrds(started());
    expect(installed.bundleVersion).toBe(gatewayApiVersion());
    expect(installed.crds).toEqual(expect.arrayContaining(Object.values(kinds).map((k) => `${k.plural}.${GATEWAY_API_GROUP}`)));
    expect(Object.fromEntries(Object.keys(kinds).map((kind) => [kind, installed.servedVersions[kind]]))).toEqual({
      GatewayClass: ['v1', 'v1beta1'],
      Gateway: ['v1', 'v1beta1'],
      HTTPRoute: ['v1', 'v1beta1'],
      ReferenceGrant: ['v1', 'v1beta1'],
    });

    const stored = async (plural: string): Promise<string[] | undefined> =>
      (await started().kubeConfig.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: `${plural}.${GATEWAY_API_GROUP}` })).status?.storedVersions;
    expect(await stored('httproutes')).toEqual(['v1']);
    expect(await stored('referencegrants')).toEqual(['v1beta1']);

    // Discovery, as a client (kubectl, an informer) sees it: a status subresource for every kind
    // but ReferenceGrant.
    const resources = (await api().getAPIResources({ group: GATEWAY_API_GROUP, version: 'v1' })).resources.map((r) => r.name);
    expect(resources).toEqual(expect.arrayContaining(['gatewayclasses', 'gatewayclasses/status', 'gateways', 'gateways/status', 'httproutes', 'httproutes/status', 'referencegrants']));
    expect(resources).not.toContain('referencegrants/status');
    // Our kinds can be listed right away, in every served version.
    for (const [kind, { plural }] of Object.entries(kinds)) {
      for (const version of installed.servedVersions[kind] ?? []) {
        const list = (await api().listClusterCustomObject({ group: GATEWAY_API_GROUP, version, plural })) as { items: unknown[] };
        expect(list.items).toEqual([]);
      }
    }
  }, 60_000);

  test('a GatewayClass waits for its controller (Accepted Unknown/Pending), takes the Accepted condition through status, and keeps its controllerName', async () => {
    const created = await create('GatewayClass', { metadata: { name: 'albatross' }, spec: { controllerName: CONTROLLER, description: 'ALBs' } });
    expect(created.spec).toEqual({ controllerName: CONTROLLER, description: 'ALBs' });
    expect(created.status).toEqual({ conditions: [pending('Accepted')] });
    const generation = created.metadata.generation ?? 0;
    expect(generation).toBe(1);

    const accepted = condition('Accepted', 'True', 'Accepted', generation, 'Albatross provisions ALBs for this class');
    const written = await patchStatus('GatewayClass', 'albatross', { conditions: [accepted] });
    expect(written.status).toEqual({ conditions: [accepted] });
    const read = await get('GatewayClass', 'albatross');
    expect(read.status).toEqual({ conditions: [accepted] });
    // A status write is not a spec change: the generation stays.
    expect(read.metadata.generation).toBe(generation);
    // The same class read as v1beta1.
    expect((await get('GatewayClass', 'albatross', undefined, 'v1beta1')).status).toEqual({ conditions: [accepted] });

    // Status written through the main resource is dropped: only /status changes it.
    const replaced = (await api().replaceClusterCustomObject({ ...where('GatewayClass', 'v1'), name: 'albatross', body: { ...read, status: { conditions: [] } } })) as Obj;
    expect(replaced.status).toEqual({ conditions: [accepted] });

    const immutable = await refusal(api().patchClusterCustomObject({ ...where('GatewayClass', 'v1'), name: 'albatross', body: { spec: { controllerName: 'example.com/other' } } }, mergePatch));
    expect(immutable.code).toBe(422);
    expect(immutable.message).toMatch(/immutable/i);
    // A condition without its required fields is refused.
    const incomplete = await refusal(patchStatus('GatewayClass', 'albatross', { conditions: [{ type: 'Accepted', status: 'True' }] }));
    expect(incomplete.code).toBe(422);
    expect(incomplete.message).toMatch(/reason|lastTransitionTime/);
  });

  test('a Gateway gets the spec defaults (Same-namespace routes, Terminate TLS, Secret certificateRefs) and takes status addresses, conditions and listeners', async () => {
    await namespace(started().kubeConfig, 'infra');
    await namespace(started().kubeConfig, 'certs');
    const created = await create('Gateway', {
      metadata: { name: 'edge', namespace: 'infra' },
      spec: {
        gatewayClassName: 'albatross',
        listeners: [
          { name: 'http', protocol: 'HTTP', port: 80 },
          { name: 'https', protocol: 'HTTPS', port: 443, hostname: '*.example.com', tls: { certificateRefs: [{ name: 'wildcard', namespace: 'certs' }] } },
        ],
      },
    });
    expect(created.spec['listeners']).toEqual([
      { name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'Same' } } },
      {
        name: 'https',
        protocol: 'HTTPS',
        port: 443,
        hostname: '*.example.com',
        allowedRoutes: { namespaces: { from: 'Same' } },
        tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'wildcard', namespace: 'certs' }] },
      },
    ]);
    expect(created.status).toEqual({ conditions: [pending('Accepted'), pending('Programmed')] });
    const generation = created.metadata.generation ?? 0;

    const listener = (name: string, attachedRoutes: number, resolved: Record<string, unknown>): Record<string, unknown> => ({
      name,
      attachedRoutes,
      supportedKinds: [{ group: GATEWAY_API_GROUP, kind: 'HTTPRoute' }],
      conditions: [condition('Accepted', 'True', 'Accepted', generation), condition('Programmed', 'True', 'Programmed', generation), resolved, condition('Conflicted', 'False', 'NoConflicts', generation)],
    });
    const status = {
      addresses: [{ type: 'Hostname', value: 'k8s-infra-edge-0123456789.eu-west-1.elb.amazonaws.com' }],
      conditions: [condition('Accepted', 'True', 'Accepted', generation), condition('Programmed', 'True', 'Programmed', generation)],
      listeners: [listener('http', 1, condition('ResolvedRefs', 'True', 'ResolvedRefs', generation)), listener('https', 0, condition('ResolvedRefs', 'False', 'RefNotPermitted', generation, 'no ReferenceGrant in certs'))],
    };
    await patchStatus('Gateway', 'edge', status, 'infra');
    const read = await get('Gateway', 'edge', 'infra');
    expect(read.status).toEqual(status);
    expect(read.metadata.generation).toBe(generation);

    // Refused by the CRD's own validation, before any controller sees it.
    const tlsOnHttp = await refusal(
      create('Gateway', { metadata: { name: 'tls-on-http', namespace: 'infra' }, spec: { gatewayClassName: 'albatross', listeners: [{ name: 'http', protocol: 'HTTP', port: 80, tls: { certificateRefs: [{ name: 'wildcard' }] } }] } }),
    );
    expect(tlsOnHttp.code).toBe(422);
    expect(tlsOnHttp.message).toMatch(/tls must not be specified/);
    const passthrough = await refusal(
      create('Gateway', { metadata: { name: 'passthrough', namespace: 'infra' }, spec: { gatewayClassName: 'albatross', listeners: [{ name: 'https', protocol: 'HTTPS', port: 443, tls: { mode: 'Passthrough' } }] } }),
    );
    expect(passthrough.code).toBe(422);
    expect(passthrough.message).toMatch(/tls mode must be Terminate/);
    // Not refused: an HTTPS listener without tls. Whoever serves the Gateway must report it.
    const noTls = await create('Gateway', { metadata: { name: 'no-tls', namespace: 'infra' }, spec: { gatewayClassName: 'albatross', listeners: [{ name: 'https', protocol: 'HTTPS', port: 443 }] } });
    expect(noTls.spec['listeners']).toEqual([{ name: 'https', protocol: 'HTTPS', port: 443, allowedRoutes: { namespaces: { from: 'Same' } } }]);
    const sameName = await refusal(
      create('Gateway', { metadata: { name: 'twice', namespace: 'infra' }, spec: { gatewayClassName: 'albatross', listeners: [{ name: 'web', protocol: 'HTTP', port: 80 }, { name: 'web', protocol: 'HTTP', port: 8080 }] } }),
    );
    expect(sameName.code).toBe(422);
  });

  test('an HTTPRoute gets the default match (PathPrefix /) and backend defaults, and takes status.parents for our controller', async () => {
    await namespace(started().kubeConfig, 'shop');
    const created = await create('HTTPRoute', {
      metadata: { name: 'store', namespace: 'shop' },
      spec: {
        parentRefs: [{ name: 'edge', namespace: 'infra', sectionName: 'http' }],
        hostnames: ['store.example.com'],
        rules: [
          { matches: [{ path: { type: 'Exact', value: '/cart' }, method: 'POST', headers: [{ name: 'x-canary', value: 'yes' }], queryParams: [{ name: 'v', value: '2' }] }], backendRefs: [{ name: 'cart', port: 8080, weight: 3 }, { name: 'cart-v2', port: 8080 }] },
          { backendRefs: [{ name: 'web', port: 80 }] },
        ],
      },
    });
    expect(created.spec).toEqual({
      parentRefs: [{ group: GATEWAY_API_GROUP, kind: 'Gateway', name: 'edge', namespace: 'infra', sectionName: 'http' }],
      hostnames: ['store.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'Exact', value: '/cart' }, method: 'POST', headers: [{ type: 'Exact', name: 'x-canary', value: 'yes' }], queryParams: [{ type: 'Exact', name: 'v', value: '2' }] }],
          backendRefs: [
            { group: '', kind: 'Service', name: 'cart', port: 8080, weight: 3 },
            { group: '', kind: 'Service', name: 'cart-v2', port: 8080, weight: 1 },
          ],
        },
        { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ group: '', kind: 'Service', name: 'web', port: 80, weight: 1 }] },
      ],
    });
    // No conditions until a controller writes them: parents start empty.
    expect(created.status).toBeUndefined();
    const generation = created.metadata.generation ?? 0;

    const parents = [
      {
        parentRef: { group: GATEWAY_API_GROUP, kind: 'Gateway', name: 'edge', namespace: 'infra', sectionName: 'http' },
        controllerName: CONTROLLER,
        conditions: [condition('Accepted', 'True', 'Accepted', generation), condition('ResolvedRefs', 'False', 'BackendNotFound', generation, 'Service shop/cart-v2 not found')],
      },
    ];
    await patchStatus('HTTPRoute', 'store', { parents }, 'shop');
    const read = await get('HTTPRoute', 'store', 'shop');
    expect(read.status).toEqual({ parents });
    expect((await get('HTTPRoute', 'store', 'shop', 'v1beta1')).status).toEqual({ parents });

    // A spec edit raises the generation (the controller's observedGeneration then lags) and leaves status alone.
    const edited = (await api().patchNamespacedCustomObject({ ...where('HTTPRoute', 'v1', 'shop'), namespace: 'shop', name: 'store', body: { spec: { hostnames: ['shop.example.com'] } } }, mergePatch)) as Obj;
    expect(edited.metadata.generation).toBe(generation + 1);
    expect(edited.status).toEqual({ parents });

    const badPath = await refusal(create('HTTPRoute', { metadata: { name: 'bad', namespace: 'shop' }, spec: { parentRefs: [{ name: 'edge', namespace: 'infra' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: 'no-slash' } }] }] } }));
    expect(badPath.code).toBe(422);
    expect(badPath.message).toMatch(/path/i);
  });

  test('a ReferenceGrant written as v1beta1 reads the same as v1, and one written as v1 as v1beta1', async () => {
    const spec = { from: [{ group: GATEWAY_API_GROUP, kind: 'HTTPRoute', namespace: 'shop' }], to: [{ group: '', kind: 'Service' }] };
    await create('ReferenceGrant', { metadata: { name: 'shop-routes', namespace: 'infra' }, spec }, 'v1beta1');
    const asV1 = await get('ReferenceGrant', 'shop-routes', 'infra', 'v1');
    expect(asV1['apiVersion']).toBe(`${GATEWAY_API_GROUP}/v1`);
    expect(asV1.spec).toEqual(spec);

    const certs = { from: [{ group: GATEWAY_API_GROUP, kind: 'Gateway', namespace: 'infra' }], to: [{ group: '', kind: 'Secret', name: 'wildcard' }] };
    await create('ReferenceGrant', { metadata: { name: 'infra-gateways', namespace: 'certs' }, spec: certs }, 'v1');
    const asV1beta1 = await get('ReferenceGrant', 'infra-gateways', 'certs', 'v1beta1');
    expect(asV1beta1['apiVersion']).toBe(`${GATEWAY_API_GROUP}/v1beta1`);
    expect(asV1beta1.spec).toEqual(certs);
  });

  test('uninstallGatewayApiCrds removes the kinds and their objects; installing again serves them again, empty', async () => {
    await uninstallGatewayApiCrds(started());
    expect((await refusal(api().listNamespacedCustomObject({ ...where('Gateway', 'v1', 'infra'), namespace: 'infra' }))).code).toBe(404);

    const again = await installGatewayApiCrds(started());
    expect(again.servedVersions).toEqual(installed.servedVersions);
    const gateways = (await api().listNamespacedCustomObject({ ...where('Gateway', 'v1', 'infra'), namespace: 'infra' })) as { items: unknown[] };
    expect(gateways.items).toEqual([]);
    await create('GatewayClass', { metadata: { name: 'albatross' }, spec: { controllerName: CONTROLLER } });
    expect((await get('GatewayClass', 'albatross')).spec).toEqual({ controllerName: CONTROLLER });
  }, 90_000);
});
