// The container image as far as it can be checked without a Docker engine: the Dockerfile's
// entrypoint runs `albatross controller` with flags the code accepts, the runtime stage runs
// as a non-root numeric user with production dependencies only, and .dockerignore lets in
// what the build stage copies. hadolint runs in test/integration/packaging/hadolint.test.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { parseControllerArgs } from '../../../src/cli/controller-args.js';
import { defined } from '../../defined.js';

const root = process.cwd();

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/** Instructions of a Dockerfile with comments dropped and `\` continuations joined, grouped by stage. */
function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | null = null;
  for (const [i, rawLine] of text.split('\n').entries()) {
    const line = rawLine.trim();
    if (line.startsWith('#') || (line === '' && pending === null)) continue;
    const continued = line.endsWith('\\');
    const part = continued ? line.slice(0, -1).trim() : line;
    pending = pending === null ? { text: part, line: i + 1 } : { text: `${pending.text} ${part}`, line: pending.line };
    if (continued) continue;
    const match = /^(\S+)\s*(.*)$/.exec(pending.text);
    if (match !== null) instructions.push({ keyword: (match[1] ?? '').toUpperCase(), args: match[2] ?? '', line: pending.line });
    pending = null;
  }
  const stages: Stage[] = [];
  let current: { from: string; name: string | undefined; instructions: Instruction[] } | null = null;
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const [from = '', as, name] = ins.args.split(/\s+/);
      current = { from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] };
      stages.push(current);
    } else if (current !== null) {
      current.instructions.push(ins);
    }
  }
  return stages;
}

/** The JSON array of an exec-form ENTRYPOINT or CMD; fails on the shell form. */
function execForm(ins: Instruction): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(ins.args);
  } catch {
    throw new Error(`line ${ins.line}: ${ins.keyword} ${ins.args} is not in exec form (a JSON array)`);
  }
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string'))
    throw new Error(`line ${ins.line}: ${ins.keyword} is not a JSON array of strings`);
  return parsed;
}

function last(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}

/**
 * What the container runs: node's own options, the script, and the arguments after it
 * (ENTRYPOINT followed by CMD, as Docker joins them).
 */
function command(stage: Stage): { nodeOptions: string[]; script: string; args: string[] } {
  const entrypoint = execForm(defined(last(stage, 'ENTRYPOINT'), 'an ENTRYPOINT in the runtime stage'));
  const cmdInstruction = last(stage, 'CMD');
  const argv = [...entrypoint, ...(cmdInstruction === undefined ? [] : execForm(cmdInstruction))];
  expect(argv[0]).toBe('node');
  const scriptAt = argv.findIndex((a, i) => i > 0 && !a.startsWith('-'));
  return { nodeOptions: argv.slice(1, scriptAt), script: defined(argv[scriptAt], 'a script after node'), args: argv.slice(scriptAt + 1) };
}

/** Runs the image's controller arguments through the controller's own parser, as the container would. */
function parseImageArgs(args: readonly string[]): ReturnType<typeof parseControllerArgs> {
  return parseControllerArgs([...args, '--cluster-name', 'image-test'], { AWS_REGION: 'us-east-1' });
}

const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const runtime = defined(stages.at(-1), 'a stage in the Dockerfile');

describe('Dockerfile', () => {
  it('builds on the official Node 24 image in every stage, with a pinned tag', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const names = new Set(stages.map((s) => s.name));
    const images = stages.map((s) => s.from).filter((from) => !names.has(from));
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(/^node:24(\.\d+){0,2}-[a-z]+(-slim)?$/);
  });

  it('runs `albatross controller` from dist/ with flags parseControllerArgs accepts', () => {
    const { nodeOptions, script, args } = command(runtime);
    expect(script).toBe('dist/cli/main.js');
    expect(existsSync(join(root, 'src/cli/main.ts'))).toBe(true);
    expect(args[0]).toBe('controller');
    for (const option of nodeOptions) expect(option).toMatch(/^--[a-z-]+$/);
    const parsed = parseImageArgs(args.slice(1));
    expect(parsed).not.toBe('help');
  });

  it('the flag check fails on a flag the controller does not know', () => {
    expect(() => parseImageArgs(['--no-such-flag'])).toThrow(/no-such-flag/);
  });

  it('exposes the metrics and probe ports the controller listens on by default', () => {
    const parsed = parseImageArgs(command(runtime).args.slice(1));
    if (parsed === 'help') throw new Error('the image asks for --help');
    const exposed = runtime.instructions
      .filter((i) => i.keyword === 'EXPOSE')
      .flatMap((i) => i.args.split(/\s+/))
      .map((p) => Number(p.replace(/\/tcp$/, '')));
    for (const address of [parsed.metricsBindAddress, parsed.healthProbeBindAddress]) {
      const port = Number(defined(address, 'a bind address').split(':').at(-1));
      expect(exposed).toContain(port);
    }
  });

  it('runs as a non-root numeric user', () => {
    const user = defined(last(runtime, 'USER'), 'a USER in the runtime stage');
    expect(user.args).toMatch(/^[1-9]\d*(:\d+)?$/);
    // Nothing after USER switches back to root or runs commands as it.
    const after = runtime.instructions.filter((i) => i.line > user.line);
    expect(after.filter((i) => i.keyword === 'USER' || i.keyword === 'RUN')).toEqual([]);
  });

  it('holds production dependencies only, and writes nothing at run time', () => {
    const build = defined(stages.find((s) => s.name !== undefined && runtime.instructions.some((i) => i.args.includes(`--from=${s.name}`))), 'the build stage');
    const buildRuns = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(buildRuns.some((r) => r.includes('npm run build'))).toBe(true);
    expect(buildRuns.some((r) => /npm prune .*--omit=dev/.test(r))).toBe(true);
    // The runtime stage installs nothing itself: it copies the pruned node_modules.
    expect(runtime.instructions.filter((i) => i.keyword === 'RUN')).toEqual([]);
    const copied = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    for (const path of ['package.json', 'node_modules', 'dist']) expect(copied.some((c) => c.includes(`/app/${path}`))).toBe(true);
    expect(copied.some((c) => /\bsrc\b/.test(c))).toBe(false);
    // HOME and npm's cache point away from / (a user without a passwd entry gets HOME=/).
    const env = runtime.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ');
    expect(env).toMatch(/\bHOME=\/tmp\b/);
    expect(env).toMatch(/\bNODE_ENV=production\b/);
  });

  it('.dockerignore lets in exactly what the build stage copies from the context', () => {
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const sources = stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => {
        const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
        return parts.slice(0, -1).map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''));
      });
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(allowed).toContain(source);
      expect(existsSync(join(root, source))).toBe(true);
    }
    expect([...allowed].sort()).toEqual([...new Set(sources)].sort());
  });
});
