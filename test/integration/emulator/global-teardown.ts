// Jest global teardown of the `integration` project: stops the moto server global-setup.ts
// started, whether the tests passed or not. An emulator named by AWS_ENDPOINT_URL is left alone.
// Like global-setup.ts, this file is loaded without the project's module mapping: no relative
// imports.

/** Must match MOTO_GLOBAL in global-setup.ts. */
const MOTO_GLOBAL = '__albatrossMotoServer';

interface StoppableServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

type GlobalWithMoto = typeof globalThis & { [MOTO_GLOBAL]?: StoppableServer };

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as GlobalWithMoto;
  const server = holder[MOTO_GLOBAL];
  if (server === undefined) {
    return;
  }
  delete holder[MOTO_GLOBAL];
  await server.stop();
  if (process.env['AWS_ENDPOINT_URL'] === server.endpoint) {
    delete process.env['AWS_ENDPOINT_URL'];
    delete process.env['ALBATROSS_EMULATOR'];
  }
}
