// Jest global setup of the `integration` project: provides the AWS emulator. With
// AWS_ENDPOINT_URL set (LocalStack, a moto started by hand) it only fills in region and
// credentials; otherwise it installs moto when missing (scripts/emulator.sh holds the version
// pin) and starts it on a free loopback port. Variables set here on process.env reach every test
// worker, since Jest starts its workers afterwards.
//
// Jest loads this file (and global-teardown.ts) with Node's own loader, without the project's
// moduleNameMapper, so a relative `./x.js` import would not find `x.ts`: both files import only
// Node built-ins and stick to syntax Node's type stripping accepts.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Set to `moto` when this setup started the server (read by emulator.ts). */
export const EMULATOR_KIND_VAR = 'ALBATROSS_EMULATOR';

export default async function globalSetup(_globalConfig: unknown, projectConfig: { rootDir: string }): Promise<void> {
  const env = process.env;
  env['AWS_REGION'] ||= 'us-east-1';
  env['AWS_ACCESS_KEY_ID'] ||= 'test';
  env['AWS_SECRET_ACCESS_KEY'] ||= 'test';

  const given = env['AWS_ENDPOINT_URL'];
  if (given) {
    await assertReachable(given);
    log(`using the emulator at AWS_ENDPOINT_URL=${given}`);
    return;
  }

  const python = await ensureMotoInstalled(projectConfig.rootDir);
  const logFile = env['ALBATROSS_MOTO_LOG'];
  const server = await startMoto(python, logFile ? { logFile } : {});
  (globalThis as GlobalWithMoto)[MOTO_GLOBAL] = server;
  env['AWS_ENDPOINT_URL'] = server.endpoint;
  env[EMULATOR_KIND_VAR] = 'moto';
  log(`moto running at ${server.endpoint} (pid ${server.pid})`);
}

/** Fails early, and clearly, when nothing answers at the endpoint (any HTTP answer will do). */
async function assertReachable(endpoint: string): Promise<void> {
  try {
    const response = await fetch(endpoint, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
  } catch (error) {
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new Error(
      `nothing answers at AWS_ENDPOINT_URL=${endpoint} (${reason}). Start the emulator, ` +
        'or unset AWS_ENDPOINT_URL to let the tests start moto themselves.',
      { cause: error },
    );
  }
}

function log(message: string): void {
  process.stderr.write(`\nintegration: ${message}\n`);
}

/** The request that tells a moto server from other endpoints (LocalStack, AWS): JSON on 2xx. */
const PROBE_PATH = '/moto-api/config';

// Runs moto_server's own entry point, plus a thread that ends the process as soon as its stdin
// closes. The test runner holds the other end of that pipe, so the server goes away with the
// runner even when teardown never runs (runner killed, setup crashed half way), and takes its
// temporary folder with it. The thread reads the raw descriptor: a daemon thread blocked in
// sys.stdin's buffered reader makes Python abort at shutdown.
const LAUNCHER = `
import os, shutil, sys, threading
def _exit_with_parent():
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    shutil.rmtree(os.path.dirname(os.path.abspath(__file__)), ignore_errors=True)
    os._exit(0)
threading.Thread(target=_exit_with_parent, daemon=True).start()
from moto.server import main
main(sys.argv[1:])
`;

/** Where this setup leaves the server for global-teardown.ts (both run in Jest's main process). */
export const MOTO_GLOBAL = '__albatrossMotoServer';

export type GlobalWithMoto = typeof globalThis & { [MOTO_GLOBAL]?: MotoServer };

export interface MotoServer {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** moto's request log (one line per call, tracebacks of its 500s). */
  readonly logFile: string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its temporary folder. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** How long the server may take to answer; moto usually needs 1 to 2 s. */
  readonly startTimeoutMs?: number;
  /** Write the log here and keep it (by default it goes to a temporary folder stop() removes). */
  readonly logFile?: string;
}

/**
 * Installs moto into the repository's venv when it is missing (about 30 s the first time) and
 * returns the venv's Python.
 */
export async function ensureMotoInstalled(repoRoot: string): Promise<string> {
  const script = join(repoRoot, 'scripts', 'emulator.sh');
  const venv = await new Promise<string>((resolve, reject) => {
    // stderr passes through: the install announces itself there.
    const child = execFile('bash', [script, 'ensure-installed'], { cwd: repoRoot }, (error, stdout) => {
      if (error) {
        reject(new Error(`could not install the moto server: \`bash ${script} ensure-installed\` failed: ${error.message}`));
      } else {
        resolve(stdout.trim());
      }
    });
    child.stderr?.pipe(process.stderr);
  });
  if (venv === '') {
    throw new Error(`\`bash ${script} ensure-installed\` printed no venv folder`);
  }
  return join(venv, 'bin', 'python');
}

/** A port that was free on 127.0.0.1 a moment ago. */
export async function freeLoopbackPort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') {
          resolve(address.port);
        } else {
          reject(new Error('could not determine a free loopback port'));
        }
      });
    });
  });
}

/** Whether the endpoint is a moto server (it answers moto's own API); false when unreachable. */
export async function answersAsMoto(endpoint: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const response = await fetch(new URL(PROBE_PATH, endpoint), { signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    if (!response.ok) {
      return false;
    }
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null;
  } catch {
    return false;
  }
}

/** Starts moto_server from the venv whose Python is given, on a free loopback port. */
export async function startMoto(python: string, options: StartMotoOptions): Promise<MotoServer> {
  const attempts = 3;
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    try {
      return await startOnPort(python, port, options);
    } catch (error) {
      // Another process may take the port between our probe and moto's bind.
      if (error instanceof PortTakenError && attempt < attempts) {
        continue;
      }
      throw error;
    }
  }
}

class PortTakenError extends Error {}

async function startOnPort(python: string, port: number, options: StartMotoOptions): Promise<MotoServer> {
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const tempDir = mkdtempSync(join(tmpdir(), 'albatross-moto-'));
  const launcher = join(tempDir, 'moto_server.py');
  writeFileSync(launcher, LAUNCHER);
  const logFile = options.logFile ?? join(tempDir, 'moto.log');
  const logFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(python, [launcher, '-H', '127.0.0.1', '-p', String(port)], {
      cwd: tempDir,
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
      stdio: ['pipe', logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }
  // Nothing is ever written to stdin; it only has to stay open while we live.
  child.stdin?.on('error', () => {});
  const endpoint = `http://127.0.0.1:${port}`;
  const removeTemp = (): void => rmSync(tempDir, { recursive: true, force: true });
  const server: MotoServer = {
    endpoint,
    port,
    pid: child.pid ?? -1,
    logFile,
    async stop() {
      await stopChild(child);
      removeTemp();
    },
  };

  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`could not run ${python}: ${error.message}`));
    child.once('exit', (code, signal) => resolve(signal === null ? `exit code ${code}` : `signal ${signal}`));
  });
  let exitReason: string | undefined;
  void exited.then((reason) => {
    exitReason = reason;
  });

  const deadline = Date.now() + timeoutMs;
  while (exitReason === undefined && Date.now() < deadline) {
    if (await answersAsMoto(endpoint, 1_000)) {
      return server;
    }
    await Promise.race([exited, sleep(150)]);
  }

  // Read before stopping: our own SIGTERM would otherwise count as the server's exit.
  const stoppedBy = exitReason;
  const logTail = tail(logFile, 20);
  await stopChild(child);
  removeTemp();
  if (stoppedBy !== undefined) {
    if (/address already in use|port \d+ is in use/i.test(logTail)) {
      throw new PortTakenError(`port ${port} was taken`);
    }
    throw new Error(
      `the moto server (${python}) stopped before answering on ${endpoint} (${stoppedBy}). ` +
        `Its output:\n${indent(logTail)}\n` +
        `Reinstall it by deleting ${dirname(dirname(python))} (the next run installs it again), ` +
        'or point AWS_ENDPOINT_URL at a running emulator.',
    );
  }
  throw new Error(
    `the moto server (${python}) did not answer on ${endpoint} within ${timeoutMs} ms. Its output:\n${indent(logTail)}`,
  );
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!stopped) {
      child.kill('SIGKILL');
      await exited;
    }
  }
  child.stdin?.destroy();
}

function tail(file: string, lines: number): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return text === '' ? '(no output)' : text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
