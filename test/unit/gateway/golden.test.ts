// Whole-Gateway golden tests: each golden/<name>.input.yaml (manifests as `albatross plan -f`
// reads them) is translated, every Gateway of ours in it, and the desired stack, errors and
// status draft compared, as JSON, with golden/<name>.json. A reviewer sees the whole effect of a
// change in one diff. To accept new output: UPDATE_GOLDEN=1 npm run test:unit
//
//   storefront  two teams on one Gateway: HTTP and HTTPS (a Secret) listeners, routes from two
//               namespaces by label, a ReferenceGrant allowing one backend and not another,
//               weights, a redirect to HTTPS, header, query and method matches
//   refusals    a RegularExpression match and a RequestMirror filter (refused, frozen), routes
//               that cannot attach (namespace, hostname, sectionName), a TCP listener, listeners
//               in conflict; the rest served
//   params      load balancer settings from the class's and the Gateway's IngressClassParams,
//               infrastructure labels, certificates from the annotation
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { clusterViewFromFiles } from '../../../src/cluster/files.js';
import { translateGateway } from '../../../src/gateway/translate.js';
import type { TlsResolver } from '../../../src/model/resources.js';
import { expectGolden } from '../golden.js';
import { describeAction, routeOnStack } from '../translate/alb-router.js';

const dir = join(process.cwd(), 'test/unit/gateway/golden');

/** Secrets named `*-tls` resolve to a fingerprint made from their name; others are missing. */
const tls: TlsResolver = (secret) =>
  secret.endsWith('-tls')
    ? { ok: true, value: { fingerprint: createHash('sha256').update(secret).digest('hex'), names: ['*.shop.example.com', 'www.example.com'] } }
    : { ok: false, error: { message: `Secret ${secret} not found`, retainedArns: [] } };

async function translateFile(name: string): Promise<Record<string, unknown>> {
  const view = await clusterViewFromFiles([join(dir, `${name}.input.yaml`)]);
  return Object.fromEntries(view.gatewayGroups().map((key) => [key, translateGateway(view, key, { clusterName: 'prod', tls })]));
}

const names = readdirSync(dir)
  .filter((f) => f.endsWith('.input.yaml'))
  .map((f) => f.slice(0, -'.input.yaml'.length))
  .sort();

describe('golden Gateways', () => {
  test('there are golden inputs', () => {
    expect(names.length).toBeGreaterThan(0);
  });

  test.each(names)('%s', async (name) => {
    const actual = `${JSON.stringify(await translateFile(name), null, 2)}\n`;
    expectGolden(join(dir, `${name}.json`), actual);
  });
});

describe('golden Gateways route as the Gateway API means', () => {
  test('storefront', async () => {
    const view = await clusterViewFromFiles([join(dir, 'storefront.input.yaml')]);
    const stack = translateGateway(view, 'gateway:infra/shop', { clusterName: 'prod', tls }).stack;
    if (stack === null) throw new Error('no stack');
    const on = (port: number, host: string, path: string, extra: { method?: string; headers?: Record<string, string> } = {}): string =>
      describeAction(routeOnStack(stack, port, { host, path, ...extra }));
    expect(on(443, 'www.shop.example.com', '/')).toBe('weighted(web:80,web-canary:80)');
    expect(on(443, 'www.shop.example.com', '/api/x', { headers: { 'x-beta': 'on' } })).toBe('web-canary:80');
    expect(on(443, 'pay.shop.example.com', '/pay', { method: 'POST' })).toBe('pay:80');
    expect(on(443, 'pay.shop.example.com', '/pay', { method: 'GET' })).toBe('fixed:404');
    expect(on(443, 'pay.shop.example.com', '/catalog')).toBe('web:80');
    expect(on(443, 'pay.shop.example.com', '/orders')).toBe('fixed:500');
    expect(on(80, 'www.shop.example.com', '/')).toBe('redirect:HTTPS:443');
  });
});
