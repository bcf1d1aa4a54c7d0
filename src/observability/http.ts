// The controller's two small HTTP servers: Prometheus scrapes on the metrics address, kubelet
// probes on the health address (controller-runtime's --metrics-bind-address and
// --health-probe-bind-address).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlbatrossError } from '../model/errors.js';
import type { ControllerMetrics } from './metrics.js';

/** What a route answers. */
export interface RouteResponse {
  readonly status: number;
  readonly body: string;
  /** @default 'text/plain; charset=utf-8' */
  readonly contentType?: string;
}

/** Answers GET (and HEAD) requests for one path. */
export type Route = () => RouteResponse | Promise<RouteResponse>;

/** Routes by exact path, such as `/metrics`; the query string is ignored. */
export type Routes = Readonly<Record<string, Route>>;

/** A listening server. */
export interface RunningServer {
  /** Where it listens, `HOST:PORT` with the port actually bound (useful with port 0). */
  readonly address: string;
  /** Stops listening and ends open connections (scrapers keep theirs alive). */
  close(): Promise<void>;
}

/**
 * A bind address split up: `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces, `host`
 * undefined). Port 0 asks the system for a free port.
 *
 * @throws AlbatrossError `usage` naming the value when it is none of these.
 */
export function parseBindAddress(bindAddress: string): { readonly host: string | undefined; readonly port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(bindAddress);
  const port = Number(match?.[3]);
  if (!match || port > 65_535) {
    throw new AlbatrossError(
      'usage',
      `invalid bind address "${bindAddress}": expected HOST:PORT or :PORT (all interfaces), e.g. :8080 or 127.0.0.1:8080`,
    );
  }
  const host = match[1] ?? match[2];
  return { host: host === '' ? undefined : host, port };
}

/**
 * Starts a `node:http` server on `bindAddress` (see {@link parseBindAddress}) answering `routes`:
 * 404 for other paths, 405 for methods other than GET and HEAD, 500 when a route throws.
 *
 * @throws AlbatrossError `usage` for a malformed address or one that cannot be bound (in use,
 *   not an address of this host).
 */
export async function startServer(bindAddress: string, routes: Routes): Promise<RunningServer> {
  const { host, port } = parseBindAddress(bindAddress);
  const server = createServer((request, response) => {
    void answer(routes, request, response);
  });
  // Probes and scrapes are tiny; a client that dawdles is not one of ours.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new AlbatrossError('usage', `cannot listen on ${bindAddress}: ${error.message}`, { cause: error })),
    );
    server.listen({ port, ...(host === undefined ? {} : { host }) }, resolve);
  });
  const bound = server.address() as AddressInfo;
  const address = bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;

  return {
    address,
    close: async () =>
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function answer(routes: Routes, request: IncomingMessage, response: ServerResponse): Promise<void> {
  let result: RouteResponse;
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
  if (route === undefined) {
    result = { status: 404, body: `not found: ${path}\n` };
  } else if (request.method !== 'GET' && request.method !== 'HEAD') {
    result = { status: 405, body: `method not allowed: ${request.method ?? ''}\n` };
    response.setHeader('Allow', 'GET, HEAD');
  } else {
    try {
      result = await route();
    } catch (error) {
      result = { status: 500, body: `internal error: ${error instanceof Error ? error.message : String(error)}\n` };
    }
  }
  response.statusCode = result.status;
  response.setHeader('Content-Type', result.contentType ?? 'text/plain; charset=utf-8');
  response.setHeader('Content-Length', Buffer.byteLength(result.body));
  response.end(request.method === 'HEAD' ? undefined : result.body);
}

/** The scrape endpoint: `GET /metrics`. */
export async function startMetricsServer(bindAddress: string, metrics: ControllerMetrics): Promise<RunningServer> {
  return await startServer(bindAddress, {
    '/metrics': async () => ({ status: 200, body: await metrics.text(), contentType: metrics.contentType }),
  });
}

/** A probe: `true` when fine; `false`, or the reason as a short sentence, when not. */
export type Probe = () => boolean | string;

/** What the health endpoints ask. */
export interface HealthProbes {
  /** Liveness: the process works (a wedged one is restarted by the kubelet). */
  readonly healthy: Probe;
  /** Readiness: the caches have synced; true on the leader and on a standby alike. */
  readonly ready: Probe;
}

/**
 * The probe endpoints: `GET /healthz` and `GET /readyz` answer 200 `ok` when their probe says so,
 * else 503 with the reason.
 */
export async function startHealthServer(bindAddress: string, probes: HealthProbes): Promise<RunningServer> {
  return await startServer(bindAddress, {
    '/healthz': () => probeResponse(probes.healthy, 'not healthy'),
    '/readyz': () => probeResponse(probes.ready, 'not ready'),
  });
}

function probeResponse(probe: Probe, fallback: string): RouteResponse {
  const result = probe();
  if (result === true) return { status: 200, body: 'ok\n' };
  return { status: 503, body: `${result === false || result === '' ? fallback : result}\n` };
}
