// Whole-stack golden tests: each golden/<name>.input.json (a Kubernetes List, as kubectl
// reads it) is translated and the DesiredState compared, as JSON, with golden/<name>.json.
// A reviewer sees the whole effect of a change in one diff. To accept new output:
// UPDATE_GOLDEN=1 npm run test:unit
//
//   shop   an explicit group of three teams' Ingresses on one internet-facing ALB: HTTP and
//          HTTPS, ssl-redirect, a wildcard tenant host, a default backend, group-wide tags,
//          target group settings on Services
//   blog   a lone Ingress with actions and conditions annotations: redirect, fixed response,
//          a weighted canary behind a header, a missing Service (503), dualstack with
//          restricted inbound CIDRs
//   mixed  several groups at once: another controller's Ingress (ignored), a group where one
//          member conflicts and one is broken (left out, the rest applied), a group whose
//          only member is broken (frozen), an invalid group name
//   params an IngressClass with IngressClassParams: group, scheme, subnets by Name tag,
//          dualstack CIDRs, attributes and tags over the members' annotations; an Ingress
//          from a namespace the namespaceSelector does not select (left out)
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DesiredState } from '../../../src/model/resources.js';
import { clusterViewFromFiles } from '../../../src/cluster/files.js';
import { translate } from '../../../src/translate/index.js';
import { expectGolden } from '../golden.js';
import { describeAction, routeOnStack } from './alb-router.js';

const dir = join(process.cwd(), 'test/unit/translate/golden');

/** The golden input read by the real file loader, as `albatross plan -f` reads it. */
async function translateFile(name: string): Promise<DesiredState> {
  return translate(await clusterViewFromFiles([join(dir, `${name}.input.json`)]), { clusterName: 'prod' });
}

const names = readdirSync(dir)
  .filter((f) => f.endsWith('.input.json'))
  .map((f) => f.slice(0, -'.input.json'.length))
  .sort();

describe('golden stacks', () => {
  test('there are golden inputs', () => {
    expect(names.length).toBeGreaterThan(0);
  });

  test.each(names)('%s', async (name) => {
    const actual = `${JSON.stringify(await translateFile(name), null, 2)}\n`;
    expectGolden(join(dir, `${name}.json`), actual);
  });
});

describe('golden stacks route as Kubernetes means', () => {
  test('shop', async () => {
    const state = await translateFile('shop');
    const shop = state.stacks.find((s) => s.group === 'alb:shop');
    if (shop === undefined) throw new Error('no shop stack');
    const on443 = (host: string, path: string): string => describeAction(routeOnStack(shop, 443, { host, path }));
    expect(on443('shop.example.com', '/checkout/pay')).toBe('checkout:443');
    expect(on443('shop.example.com', '/api/health')).toBe('api:8080');
    expect(on443('shop.example.com', '/api/healthz')).toBe('api:8080');
    expect(on443('shop.example.com', '/apix')).toBe('storefront:80');
    expect(on443('acme.shop.example.com', '/anything')).toBe('storefront:80');
    expect(on443('a.b.shop.example.com', '/status')).toBe('api:8080');
    expect(on443('a.b.shop.example.com', '/other')).toBe('storefront:80');
    expect(on443('elsewhere.com', '/status')).toBe('api:8080');
    expect(describeAction(routeOnStack(shop, 80, { host: 'shop.example.com', path: '/' }))).toBe('redirect:HTTPS:443');
  });

  test('blog', async () => {
    const state = await translateFile('blog');
    const blog = state.stacks[0];
    if (blog === undefined) throw new Error('no blog stack');
    const get = (path: string, headers: Record<string, string> = {}): string =>
      describeAction(routeOnStack(blog, 80, { host: 'blog.example.org', path, headers }));
    expect(get('/rss')).toBe('redirect:#{protocol}:#{port}');
    expect(get('/admin/x')).toBe('fixed:503');
    expect(get('/post/1')).toBe('posts:80');
    expect(get('/post/1', { 'x-canary': 'always' })).toBe('weighted(posts:80,posts-next:80)');
    expect(get('/comments')).toBe('fixed:503');
  });
});
