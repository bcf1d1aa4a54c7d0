// The `albatross` command meeting bad input, as users run it (the built dist/cli/main.js):
// malformed files are input errors (exit 1, one readable line naming the file, no stack),
// key material never reaches stdout, stderr or the logs, a broken Secret's own reason is
// always reported, and long values are cut short.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { bootstrapNetwork } from '../../../localstack/bootstrap.js';
import type { JsonOutput } from '../../../src/cli/render.js';
import { Pki, tlsSecret, type Issued } from '../../unit/certificates/pki.js';
import { awsClientConfig, endpoint, region } from '../emulator/emulator.js';

const main = join(process.cwd(), 'dist/cli/main.js');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the command with debug logs, so that whatever any log line says is checked too. */
function albatross(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { env: { ...process.env, LOG_LEVEL: 'debug' }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

const ingressClass = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: albatross }
spec: { controller: albatross.dev/alb }
`;

/** An Ingress of its own group whose only certificate source is the Secret `secret`. */
const tlsIngress = (name: string, secret: string): string => `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ${name}, namespace: shop }
spec:
  ingressClassName: albatross
  tls: [{ hosts: [${name}.example.com], secretName: ${secret} }]
  rules:
    - host: ${name}.example.com
      http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
`;

const service = `---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { ports: [{ port: 80, targetPort: 8080 }] }
`;

/** The lines of a PEM key's base64 body, and the base64 of the whole PEM (as `data` holds it). */
function keyMaterial(keyPem: string): string[] {
  const body = keyPem.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
  return [...body, Buffer.from(keyPem).toString('base64').slice(0, 40)];
}

function expectNoKeyMaterial(run: Run, keyPem: string): void {
  const all = `${run.stdout}\n${run.stderr}`;
  for (const fragment of keyMaterial(keyPem)) expect(all).not.toContain(fragment);
  expect(all).not.toContain('PRIVATE KEY');
}

function expectInputError(run: Run, file: string): void {
  expect(run.code).toBe(1);
  expect(run.stdout).toBe('');
  expect(run.stderr.startsWith(`albatross: ${file}`)).toBe(true);
  // One plain message: no stack, no log line calling it unexpected.
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stderr).not.toContain('unexpected failure');
  expect(run.stderr).not.toContain('"code":"internal"');
}

describe('albatross command with bad input', () => {
  let dir: string;
  let flags: string[];
  let pki: Pki;
  let shop: Issued;
  let other: Issued;
  beforeAll(async () => {
    if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build (npm test does)`);
    const clusterName = `cli-input-${process.pid}-${Date.now().toString(36)}`;
    const network = await bootstrapNetwork({ endpoint: endpoint(), region: region(), clusterName, credentials: awsClientConfig().credentials });
    dir = mkdtempSync(join(tmpdir(), 'albatross-cli-input-'));
    flags = ['--cluster-name', clusterName, '--vpc-id', network.vpcId, '--region', region()];
    pki = new Pki();
    shop = pki.issue({ sans: ['a.example.com', 'b.example.com'] });
    other = pki.issue({ sans: ['a.example.com'] });
  });
  afterAll(() => {
    pki.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, text: string | Buffer): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  describe('a malformed file is an input error naming the file, with no stack', () => {
    it('a YAML alias bomb ("billion laughs")', async () => {
      const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (const [i, name] of [...'bcdefghi'].entries()) levels.push(`${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i] ?? ''}`).join(',')}]`);
      const file = write('bomb.yaml', `${ingressClass}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n${levels.map((l) => `  ${l}`).join('\n')}\n`);
      const run = await albatross(['plan', '-f', file, ...flags]);
      expectInputError(run, file);
      expect(run.stderr).toBe(
        `albatross: ${file}: document 2 cannot be read: its YAML aliases (*name) expand beyond the limit of 100, which is refused as a resource exhaustion attack ("billion laughs"); write the repeated parts out\n`,
      );
    });

    it('binary garbage', async () => {
      const garbage = Buffer.alloc(4096);
      for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 256;
      const file = write('garbage.yaml', garbage);
      const run = await albatross(['plan', '-f', file, ...flags]);
      expectInputError(run, file);
      expect(run.stderr).toBe(`albatross: ${file} is not UTF-8 text; manifests are YAML or JSON\n`);
    });

    it('a document that is a scalar, cut short', async () => {
      const file = write('scalar.yaml', `${ingressClass}---\n${'lol '.repeat(10_000)}\n`);
      const run = await albatross(['plan', '-f', file, ...flags]);
      expectInputError(run, file);
      expect(run.stderr).toMatch(/^albatross: .*scalar\.yaml: document 2: a Kubernetes object must be a map with apiVersion and kind, not "(lol ){50}"… \(39999 characters\)\n$/);
    });

    it('nesting deeper than the parser reads', async () => {
      const file = write('deep.json', `{"apiVersion": "v1", "kind": "Service", "metadata": ${'{"a": '.repeat(20_000)}1${'}'.repeat(20_000)}}\n`);
      const run = await albatross(['plan', '-f', file, ...flags]);
      expectInputError(run, file);
      expect(run.stderr).toMatch(/^albatross: .*deep\.json: document 1 is not valid YAML: nested too deeply to read at line 1, column \d+; Kubernetes objects are far shallower\n$/);
    });
  });

  it('never prints a Secret\'s data or stringData when their shape is wrong: only the Secret, the field and the type', async () => {
    const secrets = [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'listed', namespace: 'shop' }, type: 'kubernetes.io/tls', data: [Buffer.from(shop.certPem).toString('base64'), Buffer.from(shop.keyPem).toString('base64')] },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'scalar', namespace: 'shop' }, type: 'kubernetes.io/tls', stringData: `${shop.certPem}${shop.keyPem}` },
    ];
    const file = write('secrets.yaml', `${ingressClass}${tlsIngress('a', 'listed')}${service}${secrets.map((s) => `---\n${JSON.stringify(s)}\n`).join('')}`);
    const run = await albatross(['plan', '-f', file, ...flags, '-o', 'json']);
    expectInputError(run, file);
    expectNoKeyMaterial(run, shop.keyPem);
    expect(run.stderr).toContain(`${file}: document 4 (Secret shop/listed): data must be a map from key to a base64 string, not a list`);
    expect(run.stderr).toContain(`${file}: document 5 (Secret shop/scalar): stringData must be a map from key to a string, not a string`);
  });

  it('reports a broken Secret\'s own reason when it was the HTTPS listener\'s only certificate, and never its key', async () => {
    const mismatched = tlsSecret(shop.certPem, other.keyPem, { name: 'mismatched' });
    const keyless = tlsSecret(shop.certPem, undefined, { name: 'keyless', plain: true });
    const file = write(
      'tls.yaml',
      `${ingressClass}${tlsIngress('a', 'mismatched')}${tlsIngress('b', 'keyless')}${service}${[mismatched, keyless].map((s) => `---\n${JSON.stringify(s)}\n`).join('')}`,
    );
    const json = await albatross(['plan', '-f', file, ...flags, '-o', 'json']);
    expect(json.code).toBe(1);
    expectNoKeyMaterial(json, other.keyPem);
    expectNoKeyMaterial(json, shop.keyPem);
    const out = JSON.parse(json.stdout) as JsonOutput;
    expect(out.errors).toEqual(
      expect.arrayContaining([
        { ingress: 'shop/a', message: 'Ingress shop/a: spec.tls[0]: Secret shop/mismatched: tls.key does not match the certificate in tls.crt' },
        { ingress: 'shop/b', message: 'Ingress shop/b: spec.tls[0]: Secret shop/keyless: has no tls.key (data["tls.key"])' },
      ]),
    );
    const text = await albatross(['plan', '-f', file, ...flags]);
    expect(text.code).toBe(1);
    expectNoKeyMaterial(text, other.keyPem);
    expect(text.stdout).toContain('Secret shop/mismatched: tls.key does not match the certificate in tls.crt');
  });

  it('cuts a 5 MB annotation value short in the error', async () => {
    const huge = 'x'.repeat(5 * 1024 * 1024);
    const file = write(
      'huge.yaml',
      `${ingressClass}${tlsIngress('a', 'none').replace('metadata: { name: a, namespace: shop }', `metadata: { name: a, namespace: shop, annotations: { alb.ingress.kubernetes.io/scheme: "${huge}" } }`)}${service}`,
    );
    const run = await albatross(['plan', '-f', file, ...flags, '-o', 'json']);
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout) as JsonOutput;
    expect(out.errors).toEqual(
      expect.arrayContaining([{ ingress: 'shop/a', message: `Ingress shop/a: annotation alb.ingress.kubernetes.io/scheme: "${'x'.repeat(200)}"… (5242880 characters) is not allowed; use "internal" or "internet-facing"` }]),
    );
    expect(run.stdout.length + run.stderr.length).toBeLessThan(10_000);
  });
});
