// The file loader, as `albatross plan -f` meets it: multi-document files, Lists, directories,
// and every kind of bad input named by file, document and field before anything else runs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterViewFromFiles } from '../../../src/cluster/files.js';

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

test('bad YAML is refused with the file, line and column', async () => {
  const file = write('bad.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: [web\n');
  await expect(clusterViewFromFiles([file])).rejects.toThrow(
    `${file} is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 5, column 1:`,
  );
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
