// Projects: `unit` (pure logic, fakes only), `integration` (against the AWS emulator) and `k8s`
// (against a real kube-apiserver, see docs/k8s-test-tier.md).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testEnvironment: 'node',
};

// The k8s project runs only where kube-apiserver and etcd are found (the same lookup as
// test/k8s/envtest.ts), or where they are required (CI, ALBATROSS_REQUIRE_K8S=1) so that missing
// binaries fail the run instead of passing it silently.
function k8sProjectEnabled() {
  const ci = process.env.CI;
  if ((ci !== undefined && ci !== '' && ci !== 'false') || process.env.ALBATROSS_REQUIRE_K8S === '1') return true;
  if (process.env.KUBEBUILDER_ASSETS) return true;
  const script = readFileSync(new URL('./scripts/k8s-binaries.sh', import.meta.url), 'utf8');
  const pin = /^K8S_VERSION_DEFAULT=(\S+)$/m.exec(script);
  const version = process.env.ALBATROSS_K8S_VERSION || pin?.[1];
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const dir = join(cacheHome, 'albatross', 'k8s', version ?? 'unknown');
  if (existsSync(join(dir, 'kube-apiserver')) && existsSync(join(dir, 'etcd'))) return true;
  // Quiet when only other projects were asked for.
  const selecting = process.argv.some((arg) => arg.startsWith('--selectProjects'));
  if (selecting && !process.argv.includes('k8s')) return false;
  // Jest loads this file more than once per run; one message is enough.
  if (process.env.ALBATROSS_K8S_SKIP_NOTED) return false;
  process.env.ALBATROSS_K8S_SKIP_NOTED = '1';
  console.warn(
    'k8s tests skipped: no kube-apiserver/etcd; run `bash scripts/k8s-binaries.sh` or set KUBEBUILDER_ASSETS to enable them',
  );
  return false;
}

// The controller tests of this tier talk to AWS too: the same emulator set-up as integration.
const k8sProject = {
  ...shared,
  displayName: 'k8s',
  testMatch: ['<rootDir>/test/k8s/**/*.test.ts'],
  globalSetup: '<rootDir>/test/integration/emulator/global-setup.ts',
  globalTeardown: '<rootDir>/test/integration/emulator/global-teardown.ts',
};

export default {
  // Integration tests make tens of emulator calls and some start the command; a busy two-core
  // machine (CI building kube-apiserver beside it) needs more than Jest's 5 s default. Jest
  // reads this option only at the top level, not per project.
  testTimeout: 60_000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/emulator/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/emulator/global-teardown.ts',
    },
    ...(k8sProjectEnabled() ? [k8sProject] : []),
  ],
};
