// Starts a throwaway etcd and kube-apiserver on loopback (the envtest way) for tests that need a
// real Kubernetes API, installs CRDs into it and tears everything down again.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  ApiextensionsV1Api,
  KubeConfig,
  loadAllYaml,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { installGatewayApiCrds } from './gateway-api.js';

const execFileAsync = promisify(execFile);

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const binariesScript = join(repoRoot, 'scripts', 'k8s-binaries.sh');

/** How to get the binaries; printed when the tier is skipped or required but missing. */
export const K8S_ASSETS_HINT =
  'run `bash scripts/k8s-binaries.sh` (builds kube-apiserver and etcd once, cached under ~/.cache/albatross/k8s) or set KUBEBUILDER_ASSETS to a folder holding kube-apiserver and etcd';

export interface EnvtestOptions {
  /** CRD manifests: YAML files, or folders whose *.yaml / *.yml files are read. */
  readonly crdPaths?: readonly string[];
  /** Folder with `kube-apiserver` and `etcd`; defaults to {@link findK8sAssets}. */
  readonly assetsDir?: string;
  /** How long etcd plus kube-apiserver may take to answer /readyz. */
  readonly startTimeoutMs?: number;
  /** More kube-apiserver flags, such as `--etcd-compaction-interval=1m`. */
  readonly apiServerArgs?: readonly string[];
  /**
   * Also install the standard-channel Gateway API CRDs (test/k8s/gateway-api.ts,
   * `installGatewayApiCrds`) and wait until they are served.
   */
  readonly gatewayApi?: boolean;
}

export interface Envtest {
  /** Admin access to the API server (token user in system:masters). */
  readonly kubeConfig: KubeConfig;
  /** The same access as a kubeconfig file, e.g. for `kubectl --kubeconfig` or a child process. */
  readonly kubeconfigPath: string;
  readonly server: string;
  /** Stops kube-apiserver and etcd and removes the temporary folder; safe to call twice. */
  stop(): Promise<void>;
}

/** The tier must fail rather than skip when its binaries are missing (CI, or asked for). */
export function k8sTierRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env['CI'] !== undefined && env['CI'] !== '' && env['CI'] !== 'false') || env['ALBATROSS_REQUIRE_K8S'] === '1';
}

/** Kubernetes version whose binaries scripts/k8s-binaries.sh caches; the script holds the pin. */
export function k8sVersion(env: NodeJS.ProcessEnv = process.env): string {
  const override = env['ALBATROSS_K8S_VERSION'];
  if (override) return override;
  const match = /^K8S_VERSION_DEFAULT=(\S+)$/m.exec(readFileSync(binariesScript, 'utf8'));
  if (!match?.[1]) throw new Error(`no K8S_VERSION_DEFAULT line in ${binariesScript}`);
  return match[1];
}

/**
 * The folder holding kube-apiserver and etcd: KUBEBUILDER_ASSETS when set (envtest's convention,
 * also what setup-envtest prints), else the cache of scripts/k8s-binaries.sh if it is filled.
 */
export function findK8sAssets(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const assets = env['KUBEBUILDER_ASSETS'];
  if (assets) return assets;
  const cacheHome = env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  const cached = join(cacheHome, 'albatross', 'k8s', k8sVersion(env));
  return hasBinaries(cached) ? cached : undefined;
}

function hasBinaries(dir: string): boolean {
  return ['kube-apiserver', 'etcd'].every((name) => {
    const file = join(dir, name);
    return existsSync(file) && statSync(file).isFile();
  });
}

interface Server {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  readonly exited: Promise<number | null>;
}

export async function startEnvtest(options: EnvtestOptions = {}): Promise<Envtest> {
  const assetsDir = options.assetsDir ?? findK8sAssets();
  if (!assetsDir) throw new Error(`kube-apiserver and etcd not found: ${K8S_ASSETS_HINT}`);
  if (!hasBinaries(assetsDir)) {
    throw new Error(`${assetsDir} lacks kube-apiserver or etcd: ${K8S_ASSETS_HINT}`);
  }
  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);

  const dir = mkdtempSync(join(tmpdir(), 'albatross-envtest-'));
  const servers: Server[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // API server first: its graceful shutdown hangs once etcd is gone.
    for (const server of [...servers].reverse()) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const [etcdClientPort, etcdPeerPort, apiPort] = await freePorts(3);
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const etcdPeerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    // etcd's watchdog also removes the folder if this process dies before stop().
    const etcd = startServer(dir, 'etcd', join(assetsDir, 'etcd'), dir, [
      '--name=envtest',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${etcdPeerUrl}`,
      `--initial-advertise-peer-urls=${etcdPeerUrl}`,
      `--initial-cluster=envtest=${etcdPeerUrl}`,
      // Test data is thrown away; fsync only slows every write down.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    servers.push(etcd);

    const pki = await writePki(dir);
    await waitUntil(deadline, etcd, async () => (await httpGet(`${etcdUrl}/health`)).status === 200);

    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = startServer(dir, 'kube-apiserver', join(assetsDir, 'kube-apiserver'), undefined, [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--token-auth-file=${pki.tokenFile}`,
      '--authorization-mode=RBAC',
      `--service-account-issuer=${server}`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      // No controller-manager runs here to create the default ServiceAccount that this plugin
      // insists on for every Pod.
      '--disable-admission-plugins=ServiceAccount',
      '--profiling=false',
      ...(options.apiServerArgs ?? []),
    ]);
    servers.push(apiserver);

    await waitUntil(deadline, apiserver, async () => {
      const response = await httpsGet(`${server}/readyz`, pki.caPem, pki.token);
      return response.status === 200;
    });

    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml(server, pki.caPem, pki.token), { mode: 0o600 });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);

    await installCrds(kubeConfig, options.crdPaths ?? [], deadline);
    if (options.gatewayApi === true) await installGatewayApiCrds(kubeConfig, { timeoutMs: Math.max(deadline - Date.now(), 1_000) });
    return { kubeConfig, kubeconfigPath, server, stop };
  } catch (error) {
    const logs = servers.map((s) => `--- ${s.name} (last lines)\n${tail(s.logFile, 30)}`).join('\n');
    await stop();
    throw new Error(`envtest did not start: ${String(error)}\n${logs}`, { cause: error });
  }
}

// The watchdog shell runs the server in the background and kills it when the Node process that
// started it is gone: a Jest worker killed by a timeout or a signal never reaches afterAll.
// Server and shell share a fresh process group, so stopping kills the group.
const WATCHDOG = `
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
while kill -0 "$ENVTEST_PARENT_PID" 2>/dev/null && kill -0 "$child" 2>/dev/null; do
  sleep 1 & wait $!
done
if ! kill -0 "$ENVTEST_PARENT_PID" 2>/dev/null; then
  # No graceful shutdown: kube-apiserver's hangs once etcd is gone, and nobody needs the data.
  kill -KILL "$child" 2>/dev/null
  wait "$child"
  [ -n "$ENVTEST_CLEANUP_DIR" ] && rm -rf "$ENVTEST_CLEANUP_DIR"
  exit 1
fi
wait "$child"
`;

function startServer(
  dir: string,
  name: string,
  binary: string,
  cleanupDir: string | undefined,
  args: readonly string[],
): Server {
  const logFile = join(dir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn('sh', ['-c', WATCHDOG, 'envtest-watchdog', binary, ...args], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ENVTEST_PARENT_PID: String(process.pid), ENVTEST_CLEANUP_DIR: cleanupDir ?? '' },
  });
  closeSync(fd);
  // The test process must be able to exit while the servers run; stop() still awaits them.
  child.unref();
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  return { name, child, logFile, exited };
}

function killGroup(server: Server, signal: NodeJS.Signals): void {
  if (server.child.pid === undefined || server.child.exitCode !== null || server.child.signalCode !== null) return;
  try {
    process.kill(-server.child.pid, signal);
  } catch {
    // Already gone.
  }
}

async function stopServer(server: Server): Promise<void> {
  killGroup(server, 'SIGTERM');
  const timedOut = Symbol('timeout');
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    server.exited,
    new Promise<typeof timedOut>((resolve) => {
      timer = setTimeout(() => resolve(timedOut), 10_000);
    }),
  ]);
  clearTimeout(timer);
  if (result === timedOut) {
    killGroup(server, 'SIGKILL');
    await server.exited;
  }
}

async function waitUntil(deadline: number, server: Server, ready: () => Promise<boolean>): Promise<void> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`${server.name} exited early (${server.child.exitCode ?? server.child.signalCode})`);
    }
    try {
      if (await ready()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const last = lastError instanceof Error ? String(lastError) : JSON.stringify(lastError);
  throw new Error(`${server.name} not ready in time${lastError ? ` (last error: ${last})` : ''}`);
}

/** `count` distinct loopback ports free right now (for servers a test starts). */
export async function freePorts(count: number): Promise<number[]> {
  // Hold all listeners open together so the kernel hands out distinct ports.
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

interface Pki {
  readonly caPem: string;
  readonly servingCert: string;
  readonly servingKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
  readonly tokenFile: string;
  readonly token: string;
}

async function writePki(dir: string): Promise<Pki> {
  const pkiDir = join(dir, 'pki');
  await mkdir(pkiDir, { mode: 0o700 });
  const servingCert = join(pkiDir, 'serving.crt');
  const servingKey = join(pkiDir, 'serving.key');
  // node:crypto cannot issue certificates; openssl is everywhere the binaries are. The self-signed
  // serving certificate is also the kubeconfig's CA.
  await execFileAsync('openssl', [
    'req', '-x509', '-nodes', '-days', '2',
    '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-keyout', servingKey, '-out', servingCert,
    '-subj', '/CN=albatross-envtest',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);

  // kube-apiserver signs service-account tokens with the private key and verifies them with the
  // public one, and wants each in its own file.
  const serviceAccountKey = join(pkiDir, 'service-account.key');
  const serviceAccountPub = join(pkiDir, 'service-account.pub');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  await writeFile(serviceAccountKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(serviceAccountPub, publicKey.export({ type: 'spki', format: 'pem' }));

  // A static token for one admin user: simpler than client certificates and enough on loopback.
  const token = randomBytes(32).toString('hex');
  const tokenFile = join(pkiDir, 'tokens.csv');
  await writeFile(tokenFile, `${token},envtest-admin,envtest-admin,"system:masters"\n`, { mode: 0o600 });

  return {
    caPem: await readFile(servingCert, 'utf8'),
    servingCert,
    servingKey,
    serviceAccountKey,
    serviceAccountPub,
    tokenFile,
    token,
  };
}

function kubeconfigYaml(server: string, caPem: string, token: string): string {
  // JSON is YAML, and kubectl reads it as a kubeconfig too.
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'envtest', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } },
      ],
      users: [{ name: 'envtest-admin', user: { token } }],
      contexts: [{ name: 'envtest', context: { cluster: 'envtest', user: 'envtest-admin', namespace: 'default' } }],
      'current-context': 'envtest',
    },
    null,
    2,
  );
}

interface HttpResult {
  readonly status: number;
  readonly body: string;
}

async function httpGet(url: string): Promise<HttpResult> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return { status: response.status, body: await response.text() };
}

function httpsGet(url: string, ca: string, token: string): Promise<HttpResult> {
  // fetch() cannot take a private CA without an extra dispatcher package; node:https can.
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { authorization: `Bearer ${token}` }, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function crdManifestFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    if ((await stat(path)).isDirectory()) {
      const entries = await readdir(path, { recursive: true, withFileTypes: true });
      files.push(
        ...entries
          .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
          .map((entry) => join(entry.parentPath, entry.name))
          .sort(),
      );
    } else {
      files.push(path);
    }
  }
  return files;
}

async function installCrds(kubeConfig: KubeConfig, paths: readonly string[], deadline: number): Promise<void> {
  const crds: V1CustomResourceDefinition[] = [];
  for (const file of await crdManifestFiles(paths)) {
    for (const doc of loadAllYaml(await readFile(file, 'utf8')) as unknown[]) {
      if (doc === null || doc === undefined) continue;
      const kind = (doc as { kind?: unknown }).kind;
      if (kind !== 'CustomResourceDefinition') throw new Error(`${file}: expected CustomResourceDefinition, got ${String(kind)}`);
      crds.push(doc as V1CustomResourceDefinition);
    }
  }
  if (crds.length === 0) return;

  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  for (const body of crds) await api.createCustomResourceDefinition({ body });
  // Objects of a new kind are accepted only once its CRD is Established.
  for (const crd of crds) {
    const name = crd.metadata?.name;
    if (!name) throw new Error('CustomResourceDefinition without metadata.name');
    for (;;) {
      const current = await api.readCustomResourceDefinition({ name });
      if (current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not established in time`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
