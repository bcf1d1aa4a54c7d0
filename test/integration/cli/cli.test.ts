// The `albatross` command as users run it: the built dist/cli/main.js, exit codes, JSON.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { bootstrapNetwork } from '../../../localstack/bootstrap.js';
import type { JsonOutput } from '../../../src/cli/render.js';
import { defined } from '../../defined.js';
import { awsClientConfig, endpoint, region } from '../emulator/emulator.js';

const main = join(process.cwd(), 'dist/cli/main.js');

function albatross(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { env: { ...process.env, LOG_LEVEL: 'warn' } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

const manifests = (broken: boolean): string => `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: albatross }
spec: { controller: albatross.dev/alb }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations:
    alb.ingress.kubernetes.io/scheme: ${broken ? 'public' : 'internet-facing'}
spec:
  ingressClassName: albatross
  rules:
    - host: shop.example.com
      http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { ports: [{ port: 80, targetPort: 8080 }] }
`;

describe('albatross command', () => {
  let dir: string;
  let flags: string[];
  beforeAll(async () => {
    if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build (npm test does)`);
    const clusterName = `cli-${process.pid}-${Date.now().toString(36)}`;
    const network = await bootstrapNetwork({ endpoint: endpoint(), region: region(), clusterName, credentials: awsClientConfig().credentials });
    dir = mkdtempSync(join(tmpdir(), 'albatross-cli-'));
    flags = ['--cluster-name', clusterName, '--vpc-id', network.vpcId, '--region', region()];
  });

  it('plans (exit 2), applies (exit 0), then has nothing to plan (exit 0)', async () => {
    writeFileSync(join(dir, 'app.yaml'), manifests(false));
    const plan = await albatross(['plan', '-f', dir, ...flags, '--output', 'json']);
    expect(plan.code).toBe(2);
    const planned = JSON.parse(plan.stdout) as JsonOutput;
    expect(Object.keys(planned)).toEqual(['groups', 'errors', 'warnings']);
    expect(planned.warnings).toEqual([]);
    expect(planned.groups).toHaveLength(1);
    const group = defined(planned.groups[0], 'a planned group');
    expect(Object.keys(group)).toEqual(['name', 'ingresses', 'loadBalancer', 'changes']);
    expect(group).toMatchObject({ name: 'shop/web', ingresses: ['shop/web'], loadBalancer: null });
    expect(group.changes.map((c) => c.kind)).toContain('load-balancer');

    const apply = await albatross(['apply', '-f', join(dir, 'app.yaml'), ...flags, '-o', 'json']);
    expect(apply.code).toBe(0);
    const applied = JSON.parse(apply.stdout) as JsonOutput;
    expect(applied.groups[0]?.loadBalancer?.dnsName).toMatch(/elb\.amazonaws\.com$/);
    expect(applied.errors).toEqual([]);

    const again = await albatross(['plan', '-f', dir, ...flags]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('no changes');
  });

  it('exits 1 and names the Ingress, annotation and value when an Ingress is invalid', async () => {
    writeFileSync(join(dir, 'app.yaml'), manifests(true));
    const apply = await albatross(['apply', '-f', dir, ...flags, '-o', 'json']);
    expect(apply.code).toBe(1);
    const out = JSON.parse(apply.stdout) as JsonOutput;
    expect(out.errors).toEqual([{ ingress: 'shop/web', message: expect.stringMatching(/shop\/web.*scheme.*"public"/) }]);
  });

  it('shows a warning in text and JSON without changing the exit code', async () => {
    // The pre-2.2 HTTP to HTTPS recipe on a plain HTTP listener: a redirect to the same
    // protocol and port would loop, so it is left out and said.
    const loop = `${manifests(false).replace(
      'alb.ingress.kubernetes.io/scheme: internet-facing',
      `alb.ingress.kubernetes.io/scheme: internet-facing
    alb.ingress.kubernetes.io/actions.loop: '{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTP", "Port": "80", "StatusCode": "HTTP_301"}}'`,
    ).replace('- { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }', '- { path: /, pathType: Prefix, backend: { service: { name: loop, port: { name: use-annotation } } } }')}`;
    writeFileSync(join(dir, 'app.yaml'), loop);
    const json = await albatross(['plan', '-f', dir, ...flags, '-o', 'json']);
    expect(json.code).toBe(2);
    const out = JSON.parse(json.stdout) as JsonOutput;
    expect(out.errors).toEqual([]);
    expect(out.warnings).toEqual([{ ingress: 'shop/web', message: expect.stringMatching(/^Ingress shop\/web: .*actions\.loop.*/) }]);
    const text = await albatross(['plan', '-f', dir, ...flags]);
    expect(text.code).toBe(2);
    expect(text.stdout).toContain(`Warnings:\n  ${defined(out.warnings[0], 'a warning').message}`);
  });

  it('plans a Gateway from files: named as the Gateway, its routes as HTTPRoutes, their status, and exit 1 for a refused route', async () => {
    const gatewayDir = mkdtempSync(join(tmpdir(), 'albatross-cli-gateway-'));
    const files = (refused: boolean): string => `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: albatross }
spec: { controllerName: albatross.dev/gateway }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: edge, namespace: infra }
spec:
  gatewayClassName: albatross
  listeners: [{ name: http, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: ${refused ? 'Same' : 'All'} } } }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: cart, namespace: shop }
spec:
  parentRefs: [{ name: edge, namespace: infra, sectionName: http }]
  hostnames: [shop.example.com]
  rules: [{ backendRefs: [{ name: cart, port: 80 }] }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: admin, namespace: infra }
spec:
  parentRefs: [{ name: edge }]
  rules: [{ backendRefs: [{ name: admin, port: 80 }] }]
---
apiVersion: v1
kind: Service
metadata: { name: cart, namespace: shop }
spec: { ports: [{ port: 80, targetPort: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: admin, namespace: infra }
spec: { ports: [{ port: 80, targetPort: 8080 }] }
`;
    writeFileSync(join(gatewayDir, 'gateway.yaml'), files(false));
    const planned = await albatross(['plan', '-f', gatewayDir, ...flags, '-o', 'json']);
    expect(planned.code).toBe(2);
    const out = JSON.parse(planned.stdout) as JsonOutput;
    const group = defined(out.groups.find((g) => g.name === 'gateway:infra/edge'), 'the Gateway\'s group');
    expect(group.ingresses).toEqual(['gateway:infra/edge', 'httproute:infra/admin', 'httproute:shop/cart']);
    expect(group.changes.map((c) => c.kind)).toContain('load-balancer');
    expect(group.status?.routes.map((r) => [r.route, r.conditions.map((c) => c.status)])).toEqual([
      ['infra/admin', ['True', 'True']],
      ['shop/cart', ['True', 'True']],
    ]);

    // The listener no longer admits routes from other namespaces: the route from shop is refused.
    writeFileSync(join(gatewayDir, 'gateway.yaml'), files(true));
    const refused = await albatross(['plan', '-f', gatewayDir, ...flags]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('Gateway infra/edge (HTTPRoute infra/admin)\n');
    expect(refused.stdout).toContain('    listener http: accepted, 1 route attached\n');
    expect(refused.stdout).toMatch(/\n {4}HTTPRoute shop\/cart \(listener http\): Accepted=False \(NotAllowedByListeners\): .*namespace shop\n/);
    expect(refused.stdout).toMatch(/\nErrors:\n {2}HTTPRoute shop\/cart: /);
  });

  it('exits 1 with usage on a bad command line and on unreadable input', async () => {
    expect((await albatross(['destroy', '-f', dir, ...flags])).code).toBe(1);
    const missing = await albatross(['plan', '-f', join(dir, 'nope.yaml'), ...flags]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.yaml');
  });
});
