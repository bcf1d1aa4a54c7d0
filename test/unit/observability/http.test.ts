import { request } from 'node:http';
import {
  parseBindAddress,
  startHealthServer,
  startMetricsServer,
  startServer,
  type RunningServer,
} from '../../../src/observability/http.js';
import { ControllerMetrics } from '../../../src/observability/metrics.js';
import { AlbatrossError } from '../../../src/model/errors.js';

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string | undefined;
}

async function call(server: RunningServer, path: string, method = 'GET'): Promise<Answer> {
  const url = new URL(path, `http://${server.address}`);
  return await new Promise<Answer>((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, contentType: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('parseBindAddress', () => {
  it.each([
    [':8080', { host: undefined, port: 8080 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['localhost:9090', { host: 'localhost', port: 9090 }],
    ['[::1]:8081', { host: '::1', port: 8081 }],
  ])('reads %s', (text, expected) => {
    expect(parseBindAddress(text)).toEqual(expected);
  });

  it.each(['8080', '0', '127.0.0.1', ':99999', 'host:port', '::1:80', ''])('refuses %j naming the value', (text) => {
    expect(() => parseBindAddress(text)).toThrow(
      new AlbatrossError(
        'usage',
        `invalid bind address "${text}": expected HOST:PORT or :PORT (all interfaces), e.g. :8080 or 127.0.0.1:8080`,
      ),
    );
  });
});

describe('startServer', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers its routes, 404 for other paths, 405 for other methods, 500 when a route throws', async () => {
    server = await startServer('127.0.0.1:0', {
      '/hello': () => ({ status: 200, body: 'hi\n' }),
      '/broken': () => {
        throw new Error('boom');
      },
    });
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await call(server, '/hello?x=1')).toEqual({ status: 200, body: 'hi\n', contentType: 'text/plain; charset=utf-8' });
    expect((await call(server, '/missing')).status).toBe(404);
    expect((await call(server, '/missing')).body).toBe('not found: /missing\n');
    expect((await call(server, '/hello', 'POST')).status).toBe(405);
    expect((await call(server, '/hello', 'HEAD')).status).toBe(200);
    expect(await call(server, '/broken')).toEqual({
      status: 500,
      body: 'internal error: boom\n',
      contentType: 'text/plain; charset=utf-8',
    });
  });

  it('refuses an address in use with a usage error naming it', async () => {
    server = await startServer('127.0.0.1:0', {});
    const address = server.address;
    await expect(startServer(address, {})).rejects.toMatchObject({
      code: 'usage',
      message: expect.stringMatching(new RegExp(`^cannot listen on ${address.replace(/\./g, '\\.')}: .*EADDRINUSE`)) as unknown,
    });
  });
});

describe('metrics and health servers', () => {
  const servers: RunningServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  it('serves the scrape on /metrics', async () => {
    const metrics = new ControllerMetrics(false);
    metrics.setLeader(true);
    const server = await startMetricsServer('127.0.0.1:0', metrics);
    servers.push(server);
    const answer = await call(server, '/metrics');
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(answer.body).toContain('# TYPE albatross_leader gauge\nalbatross_leader 1\n');
  });

  it('answers /healthz while healthy and /readyz once ready, else 503 with the reason', async () => {
    let ready: boolean | string = 'caches not synced: Ingress, Service';
    let healthy: boolean | string = true;
    const server = await startHealthServer('127.0.0.1:0', { healthy: () => healthy, ready: () => ready });
    servers.push(server);

    expect(await call(server, '/healthz')).toEqual({ status: 200, body: 'ok\n', contentType: 'text/plain; charset=utf-8' });
    expect(await call(server, '/readyz')).toEqual({
      status: 503,
      body: 'caches not synced: Ingress, Service\n',
      contentType: 'text/plain; charset=utf-8',
    });
    ready = true;
    expect((await call(server, '/readyz')).status).toBe(200);
    healthy = false;
    expect(await call(server, '/healthz')).toEqual({
      status: 503,
      body: 'not healthy\n',
      contentType: 'text/plain; charset=utf-8',
    });
    expect((await call(server, '/metrics')).status).toBe(404);
  });
});
