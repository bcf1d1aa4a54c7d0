// Per-file set-up for k8s tests. Apart from envtest.ts, which the demo and the benchmark also
// load outside Jest.
import { afterAll, beforeAll } from '@jest/globals';
import { startEnvtest, type Envtest, type EnvtestOptions } from './envtest.js';

/** How long etcd and kube-apiserver may take to start on two busy cores, in ms. */
const suiteStartMs = 120_000;

/**
 * Starts one envtest for the test file (in `beforeAll`, stopped in `afterAll`) and returns how
 * to reach it; the getter throws when it did not start.
 */
export function envtestPerFile(options: Omit<EnvtestOptions, 'startTimeoutMs'> = {}): () => Envtest {
  let env: Envtest | undefined;
  beforeAll(async () => {
    env = await startEnvtest({ ...options, startTimeoutMs: suiteStartMs - 10_000 });
  }, suiteStartMs);
  afterAll(async () => {
    await env?.stop();
  }, 30_000);
  return () => {
    if (env === undefined) throw new Error('envtest did not start');
    return env;
  };
}

