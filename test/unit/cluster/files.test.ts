// The file loader, as `albatross plan -f` meets it: multi-document files, Lists, directories,
// and every kind of bad input named by file, document and field before anything else runs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterViewFromFiles } from '../../../src/cluster/files.js';
import { AlbatrossError } from '../../../src/model/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'albatross-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const ingressYaml = (name: string, namespace?: string): string => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
${namespace === undefined ? '' : `  namespace: ${namespace}\n`}spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: web, port: {number: 80}}}
`;

test('reads multi-document files and Lists, skipping empty documents and kinds it does not use', async () => {
  const file = write(
    'all.yaml',
    `${ingressYaml('one', 'shop')}---
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ignored}
---
apiVersion: v1
kind: List
items:
  - ${JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } })}
  - ${JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'alb' }, spec: { controller: 'albatross.dev/alb' } })}
`,
  );
  const view = await clusterViewFromFiles([file]);
  expect(view.ingresses().map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`)).toEqual(['shop/one']);
  // A namespaced object without a namespace is in `default`, as kubectl assumes.
  expect(view.service('default', 'web')?.spec?.ports?.[0]?.port).toBe(80);
  expect(view.ingressClass('alb')?.spec?.controller).toBe('albatross.dev/alb');
  expect(view.grouping().groups.map((g) => g.name)).toEqual(['shop/one']);
});

test('walks directories for .yaml, .yml and .json files, in name order, and nothing else', async () => {
  write('b/two.yml', ingressYaml('two'));
  write('a/one.json', JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'one' }, spec: {} }));
  write('a/notes.txt', 'not a manifest');
  const view = await clusterViewFromFiles([dir]);
  expect(view.ingresses().map((i) => i.metadata?.name)).toEqual(['one', 'two']);
});

test('bad YAML is refused with the file, document, line and column', async () => {
  const file = write('bad.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: [web\n');
  await expect(clusterViewFromFiles([file])).rejects.toMatchObject({
    code: 'input',
    message: `${file}: document 2 is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 9, column 1`,
  });
});

describe('malformed files are input errors naming the file and document, never a crash', () => {
  const refused = async (file: string): Promise<AlbatrossError> => {
    const thrown: unknown = await clusterViewFromFiles([file]).then(
      () => null,
      (err: unknown) => err,
    );
    expect(thrown).toBeInstanceOf(AlbatrossError);
    const error = thrown as AlbatrossError;
    expect(error.code).toBe('input');
    expect(error.message).toContain(file);
    expect(error.message).not.toMatch(/\n\s+at /);
    return error;
  };

  test('a YAML alias bomb ("billion laughs") is refused by name', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [i, name] of [...'bcdefghi'].entries()) levels.push(`${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i] ?? ''}`).join(',')}]`);
    const file = write('bomb.yaml', `apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n${levels.map((l) => `  ${l}`).join('\n')}\n`);
    expect((await refused(file)).message).toBe(
      `${file}: document 2 cannot be read: its YAML aliases (*name) expand beyond the limit of 100, which is refused as a resource exhaustion attack ("billion laughs"); write the repeated parts out`,
    );
  });

  test('binary content is not text', async () => {
    const file = join(dir, 'garbage.yaml');
    writeFileSync(file, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe, 0x00, 0x80]));
    expect((await refused(file)).message).toBe(`${file} is not UTF-8 text; manifests are YAML or JSON`);
    const nul = write('nul.yaml', 'apiVersion: v1\u0000kind: Service\n');
    expect((await refused(nul)).message).toBe(`${nul} holds NUL bytes, so it is not YAML or JSON text`);
  });

  test('nesting deeper than the parser goes', async () => {
    const file = write('deep.yaml', `${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
    expect((await refused(file)).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: document 1 is not valid YAML: nested too deeply to read at line 1, column \\d+; Kubernetes objects are far shallower$`));
  });

  test('a document that is a list or scalar: a scalar is shown cut short, a list only by its type', async () => {
    const file = write('scalar.yaml', `${'x'.repeat(5_000)}\n---\n- apiVersion: v1\n  kind: Secret\n`);
    expect((await refused(file)).message).toBe(
      [
        `${file}: document 1: a Kubernetes object must be a map with apiVersion and kind, not "${'x'.repeat(200)}"… (5000 characters)`,
        `${file}: document 2: a Kubernetes object must be a map with apiVersion and kind, not a list`,
      ].join('\n'),
    );
  });
});

test('a document that is not an object, and fields of the wrong shape, are named by file, document and field', async () => {
  const file = write(
    'mixed.yaml',
    `just a string
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: eighty}}}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, namespace: shop}
endpoints: [{addresses: 10.0.0.1}]
`,
  );
  await expect(clusterViewFromFiles([file])).rejects.toThrow(
    [
      `${file}: document 1: a Kubernetes object must be a map with apiVersion and kind, not "just a string"`,
      `${file}: document 2 (Ingress shop/web): spec.rules[0].http.paths[0].backend.service.port.number must be a whole number, not "eighty"`,
      `${file}: document 3 (EndpointSlice shop/web-1): addressType is required`,
      `${file}: document 3 (EndpointSlice shop/web-1): endpoints[0].addresses must be a list, not "10.0.0.1"`,
    ].join('\n'),
  );
});

test('an Ingress in an API Kubernetes no longer serves is refused, not skipped (skipped, apply would delete its group)', async () => {
  const file = write('old.yaml', ingressYaml('legacy', 'shop').replace('networking.k8s.io/v1', 'extensions/v1beta1'));
  await expect(clusterViewFromFiles([file])).rejects.toThrow(
    `${file}: document 1 (Ingress shop/legacy): apiVersion "extensions/v1beta1" is not served for Ingress (the beta Ingress APIs are gone since Kubernetes 1.22); write apiVersion: networking.k8s.io/v1`,
  );
});

test('the same object twice is refused, naming both places', async () => {
  const one = write('one.yaml', ingressYaml('web', 'shop'));
  const two = write('two.yaml', ingressYaml('web', 'shop'));
  await expect(clusterViewFromFiles([one, two])).rejects.toThrow(
    `${two}: document 1 (Ingress shop/web): defined again; it was first read from ${one}: document 1, and only one can be applied`,
  );
});

test('a path that cannot be read is named', async () => {
  await expect(clusterViewFromFiles([join(dir, 'missing.yaml')])).rejects.toThrow(`cannot read ${join(dir, 'missing.yaml')}: ENOENT`);
});

test('reads IngressClassParams and Namespaces, cluster-scoped', async () => {
  const file = write(
    'params.yaml',
    `apiVersion: albatross.dev/v1
kind: IngressClassParams
metadata:
  name: shop
spec:
  scheme: internet-facing
  tags:
    - key: team
      value: shop
  namespaceSelector:
    matchExpressions:
      - {key: team, operator: In, values: [shop]}
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {team: shop}
`,
  );
  const view = await clusterViewFromFiles([file]);
  expect(view.ingressClassParams('shop')).toEqual({
    apiVersion: 'albatross.dev/v1',
    kind: 'IngressClassParams',
    metadata: { name: 'shop' },
    spec: { scheme: 'internet-facing', tags: [{ key: 'team', value: 'shop' }], namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['shop'] }] } },
  });
  expect(view.namespace('shop')?.metadata).toEqual({ name: 'shop', labels: { team: 'shop' } });
});

test('IngressClassParams of another version or with fields of the wrong type are named', async () => {
  const file = write(
    'bad.yaml',
    `apiVersion: albatross.dev/v2
kind: IngressClassParams
metadata: {name: future}
---
apiVersion: albatross.dev/v1
kind: IngressClassParams
metadata: {name: shop}
spec:
  scheme: 5
  tags: team=shop
  namespaceSelector: {matchLabels: {team: [shop]}}
---
apiVersion: v1
kind: Namespace
metadata: {labels: {team: shop}}
`,
  );
  await expect(clusterViewFromFiles([file])).rejects.toThrow(
    [
      `${file}: document 1 (IngressClassParams future): apiVersion must be albatross.dev/v1, not "albatross.dev/v2"`,
      `${file}: document 2 (IngressClassParams shop): spec.scheme must be a string, not 5`,
      `${file}: document 2 (IngressClassParams shop): spec.tags must be a list, not "team=shop"`,
      `${file}: document 2 (IngressClassParams shop): spec.namespaceSelector.matchLabels.team must be a string, not ["shop"]`,
      `${file}: document 3 (Namespace): metadata.name is required`,
    ].join('\n'),
  );
});

test('a Secret whose data or stringData has the wrong shape is named by field and type, never by content', async () => {
  const key = '-----BEGIN PRIVATE KEY-----\\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRET\\n-----END PRIVATE KEY-----';
  const file = write(
    'secrets.yaml',
    `apiVersion: v1
kind: Secret
metadata: {name: listed, namespace: shop}
type: kubernetes.io/tls
data:
  - "${key}"
---
apiVersion: v1
kind: Secret
metadata: {name: scalar, namespace: shop}
type: kubernetes.io/tls
stringData: "${key}"
---
apiVersion: v1
kind: Secret
metadata: {name: nested, namespace: shop}
type: kubernetes.io/tls
stringData:
  tls.key: {pem: "${key}"}
  tls.crt: 42
`,
  );
  const thrown = await clusterViewFromFiles([file]).then(
    () => null,
    (err: unknown) => err as AlbatrossError,
  );
  expect(thrown?.message).toBe(
    [
      `${file}: document 1 (Secret shop/listed): data must be a map from key to a base64 string, not a list (its content is not shown: a Secret's values stay private)`,
      `${file}: document 2 (Secret shop/scalar): stringData must be a map from key to a string, not a string (its content is not shown: a Secret's values stay private)`,
      `${file}: document 3 (Secret shop/nested): stringData["tls.key"] must be a string, not a map (its content is not shown: a Secret's values stay private)`,
      `${file}: document 3 (Secret shop/nested): stringData["tls.crt"] must be a string, not a number (its content is not shown: a Secret's values stay private)`,
    ].join('\n'),
  );
  expect(thrown?.message).not.toContain('SECRET');
});

test('reads Nodes, cluster-scoped, for the instance behind each endpoint; a wrong shape is named by field', async () => {
  const good = write(
    'nodes.yaml',
    `apiVersion: v1
kind: Node
metadata: {name: ip-10-0-64-5.ec2.internal}
spec: {providerID: "aws:///us-east-1a/i-0abc1234def567890"}
status: {addresses: [{type: InternalIP, address: 10.0.64.5}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints: [{addresses: [10.0.64.10], nodeName: ip-10-0-64-5.ec2.internal}]
`,
  );
  const view = await clusterViewFromFiles([good]);
  expect(view.node('ip-10-0-64-5.ec2.internal')?.spec?.providerID).toBe('aws:///us-east-1a/i-0abc1234def567890');
  expect(view.endpointSlicesFor('shop', 'web')[0]?.endpoints?.[0]?.nodeName).toBe('ip-10-0-64-5.ec2.internal');

  const bad = write(
    'bad-node.yaml',
    `apiVersion: v1
kind: Node
metadata: {name: node-a}
spec: {providerID: 42}
`,
  );
  await expect(clusterViewFromFiles([bad])).rejects.toThrow(`${bad}: document 1 (Node node-a): spec.providerID must be a string, not 42`);
});

describe('Gateway API objects', () => {
  const gatewayApi = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: albatross}
spec: {controllerName: albatross.dev/gateway}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: infra, generation: 3}
spec:
  gatewayClassName: albatross
  listeners:
    - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
    - name: https
      port: 443
      protocol: HTTPS
      hostname: "*.example.com"
      tls: {mode: Terminate, certificateRefs: [{kind: Secret, name: wildcard, namespace: certs}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: cart, namespace: shop}
spec:
  parentRefs: [{name: edge, namespace: infra, sectionName: https}]
  hostnames: [shop.example.com]
  rules:
    - matches: [{path: {type: PathPrefix, value: /cart}, headers: [{name: x-env, value: canary}], method: GET}]
      filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]
      backendRefs: [{name: cart, port: 8080, weight: 90}, {name: cart-next, port: 8080, weight: 10}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: HTTPRoute
metadata: {name: posts}
spec:
  parentRefs: [{name: edge, namespace: infra}]
  rules: [{backendRefs: [{name: posts, namespace: blog, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: from-infra, namespace: certs}
spec:
  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}]
  to: [{group: "", kind: Secret}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: ReferenceGrant
metadata: {name: from-default, namespace: blog}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
  to: [{group: "", kind: Service, name: posts}]
`;

  test('GatewayClass (cluster-scoped), Gateway, HTTPRoute (v1 and v1beta1) and ReferenceGrant (v1beta1 and v1) are read', async () => {
    const view = await clusterViewFromFiles([write('gateway.yaml', gatewayApi)]);
    expect(view.gatewayClass('albatross')?.metadata).toEqual({ name: 'albatross' });
    expect(view.gatewayGroups()).toEqual(['gateway:infra/edge']);
    expect(view.gateway('infra', 'edge')?.spec?.listeners?.[1]?.tls?.certificateRefs).toEqual([{ kind: 'Secret', name: 'wildcard', namespace: 'certs' }]);
    // A route without a namespace is in `default`, as kubectl assumes.
    expect(view.routesOf('infra', 'edge').map((r) => `${r.metadata?.namespace}/${r.metadata?.name}`)).toEqual(['default/posts', 'shop/cart']);
    expect(view.referenceGrants('certs').map((g) => g.metadata?.name)).toEqual(['from-infra']);
    expect(view.referenceGrants('blog').map((g) => g.metadata?.name)).toEqual(['from-default']);
    expect([...view.groupsUsingSecret('certs', 'wildcard')]).toEqual(['gateway:infra/edge']);
    expect([...view.groupsUsingService('shop', 'cart-next')]).toEqual(['gateway:infra/edge']);
    expect([...view.groupsUsingService('blog', 'posts')]).toEqual(['gateway:infra/edge']);
  });

  test('fields of the wrong shape are named by file, document, object and field', async () => {
    const file = write(
      'bad-gateway.yaml',
      `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: albatross}
spec: {description: no controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: infra, generation: "3"}
spec:
  gatewayClassName: albatross
  listeners:
    - {name: http, port: eighty, protocol: HTTP}
    - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: wildcard}}
    - {port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {team: [shop]}}}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: empty, namespace: infra}
spec: {}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: cart, namespace: shop}
spec:
  parentRefs: edge
  rules:
    - matches: [{headers: [{name: x-env}]}]
      filters: [{requestRedirect: {statusCode: "301"}}]
      backendRefs: [{port: 8080, weight: 1.5}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: grant, namespace: certs}
spec:
  from: [{group: gateway.networking.k8s.io, kind: Gateway}]
`,
    );
    await expect(clusterViewFromFiles([file])).rejects.toThrow(
      [
        `${file}: document 1 (GatewayClass albatross): spec.controllerName is required`,
        `${file}: document 2 (Gateway infra/edge): metadata.generation must be a whole number, not "3"`,
        `${file}: document 2 (Gateway infra/edge): spec.listeners[0].port must be a whole number, not "eighty"`,
        `${file}: document 2 (Gateway infra/edge): spec.listeners[1].tls.certificateRefs must be a list, not "wildcard"`,
        `${file}: document 2 (Gateway infra/edge): spec.listeners[2].name is required`,
        `${file}: document 2 (Gateway infra/edge): spec.listeners[2].allowedRoutes.namespaces.selector.matchLabels.team must be a string, not ["shop"]`,
        `${file}: document 3 (Gateway infra/empty): spec.gatewayClassName is required`,
        `${file}: document 3 (Gateway infra/empty): spec.listeners is required`,
        `${file}: document 4 (HTTPRoute shop/cart): spec.parentRefs must be a list, not "edge"`,
        `${file}: document 4 (HTTPRoute shop/cart): spec.rules[0].matches[0].headers[0].value is required`,
        `${file}: document 4 (HTTPRoute shop/cart): spec.rules[0].filters[0].type is required`,
        `${file}: document 4 (HTTPRoute shop/cart): spec.rules[0].filters[0].requestRedirect.statusCode must be a whole number, not "301"`,
        `${file}: document 4 (HTTPRoute shop/cart): spec.rules[0].backendRefs[0].name is required`,
        `${file}: document 4 (HTTPRoute shop/cart): spec.rules[0].backendRefs[0].weight must be a whole number, not 1.5`,
        `${file}: document 5 (ReferenceGrant certs/grant): spec.to is required`,
        `${file}: document 5 (ReferenceGrant certs/grant): spec.from[0].namespace is required`,
      ].join('\n'),
    );
  });

  test('a version the standard channel does not serve is refused, not skipped (skipped, apply would delete the Gateway\'s load balancer)', async () => {
    const file = write(
      'alpha.yaml',
      `apiVersion: gateway.networking.k8s.io/v1alpha2
kind: HTTPRoute
metadata: {name: cart, namespace: shop}
spec: {}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: ReferenceGrant
metadata: {name: grant, namespace: certs}
spec: {from: [], to: []}
`,
    );
    await expect(clusterViewFromFiles([file])).rejects.toThrow(
      [
        `${file}: document 1 (HTTPRoute shop/cart): apiVersion "gateway.networking.k8s.io/v1alpha2" is not served for HTTPRoute; write apiVersion: gateway.networking.k8s.io/v1 or gateway.networking.k8s.io/v1beta1`,
        `${file}: document 2 (ReferenceGrant certs/grant): apiVersion "gateway.networking.k8s.io/v1alpha2" is not served for ReferenceGrant; write apiVersion: gateway.networking.k8s.io/v1beta1 or gateway.networking.k8s.io/v1`,
      ].join('\n'),
    );
  });

  test('the same Gateway in two files is refused; kinds of the API Albatross does not read (GRPCRoute) are skipped', async () => {
    const gatewayYaml = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: infra}
spec: {gatewayClassName: albatross, listeners: [{name: http, port: 80, protocol: HTTP}]}
`;
    const one = write('one.yaml', gatewayYaml);
    const two = write('two.yaml', `${gatewayYaml}---\napiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: rpc}\nspec: {parentRefs: 5}\n`);
    await expect(clusterViewFromFiles([one, two])).rejects.toThrow(`${two}: document 1 (Gateway infra/edge): defined again; it was first read from ${one}: document 1, and only one can be applied`);
    const view = await clusterViewFromFiles([two]);
    expect(view.gateways().map((g) => g.metadata?.name)).toEqual(['edge']);
  });
});
