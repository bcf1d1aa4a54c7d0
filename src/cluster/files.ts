// Builds a ClusterView from YAML files and directories, as `kubectl apply -f` reads them:
// multi-document files, `List` objects, directories walked for .yaml/.yml/.json. Every object
// is checked once, here; a file that cannot be read, parsed or checked stops the run before
// anything is read from or written to AWS.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { compareStrings } from '../model/compare.js';
import { AlbatrossError } from '../model/errors.js';
import { validateObject } from './validate.js';
import { ClusterStore } from './view.js';

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);

/**
 * Reads every manifest under `paths` into a `ClusterStore`.
 * @throws AlbatrossError coded `input`, naming the file (and the document and field where an
 *   object is malformed), when anything cannot be read, parsed or checked
 */
export async function clusterViewFromFiles(paths: readonly string[]): Promise<ClusterStore> {
  const files: string[] = [];
  for (const path of paths) files.push(...(await manifestFiles(path)));
  const store = new ClusterStore();
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const documents = await readManifests(file);
    documents.forEach((doc, i) => addObject(store, doc, `${file}: document ${i + 1}`, problems, seen));
  }
  if (problems.length > 0) throw new AlbatrossError('input', problems.join('\n'));
  return store;
}

/**
 * Fills a `ClusterStore` from objects already parsed (a `List`'s items are taken one by one).
 * @param source names where the objects came from in messages
 * @throws AlbatrossError coded `input` naming each malformed object and field
 */
export function clusterViewFromObjects(objects: readonly unknown[], source = 'input'): ClusterStore {
  const store = new ClusterStore();
  const problems: string[] = [];
  const seen = new Map<string, string>();
  objects.forEach((o, i) => addObject(store, o, `${source}: object ${i + 1}`, problems, seen));
  if (problems.length > 0) throw new AlbatrossError('input', problems.join('\n'));
  return store;
}

/**
 * @param seen `kind namespace/name` -> where it was first read: the same object twice is an
 *   error, as it would silently be the last one read
 */
function addObject(store: ClusterStore, value: unknown, where: string, problems: string[], seen: Map<string, string>): void {
  const list = value as { kind?: unknown; items?: unknown } | null;
  if (typeof list?.kind === 'string' && list.kind.endsWith('List') && Array.isArray(list.items)) {
    list.items.forEach((item, i) => addObject(store, item, `${where}, item ${i + 1}`, problems, seen));
    return;
  }
  const checked = validateObject(value);
  if (!checked.ok) {
    const o = value as { kind?: unknown; metadata?: { namespace?: unknown; name?: unknown } } | null;
    const name = typeof o?.metadata?.name === 'string' ? ` ${typeof o.metadata.namespace === 'string' ? `${o.metadata.namespace}/` : ''}${o.metadata.name}` : '';
    const kind = typeof o?.kind === 'string' ? ` (${o.kind}${name})` : '';
    for (const p of checked.error) problems.push(`${where}${kind}: ${p}`);
    return;
  }
  if (checked.value === null) return;
  const { kind, object } = checked.value;
  const key = `${kind} ${object.metadata?.namespace === undefined ? '' : `${object.metadata.namespace}/`}${object.metadata?.name ?? ''}`;
  const first = seen.get(key);
  if (first !== undefined) {
    problems.push(`${where} (${key}): defined again; it was first read from ${first}, and only one can be applied`);
    return;
  }
  seen.set(key, where);
  store.upsert(checked.value);
}

async function manifestFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new AlbatrossError('input', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries.sort((a, b) => compareStrings(a.name, b.name))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) found.push(...(await manifestFiles(full)));
    else if (manifestExtensions.has(extname(entry.name))) found.push(full);
  }
  return found;
}

/**
 * The documents of a file as plain data; empty documents (`---` alone) are skipped, as
 * kubectl does. YAML 1.1, as kubectl reads manifests (`yes` and `on` are booleans there).
 */
async function readManifests(file: string): Promise<unknown[]> {
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw new AlbatrossError('input', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  });
  const documents = parseAllDocuments(text, { version: '1.1' });
  const list = Array.isArray(documents) ? documents : [];
  const errors = list.flatMap((doc) => doc.errors);
  const first = errors[0];
  if (first !== undefined) {
    // The parser's message names the line and column and quotes the text there.
    throw new AlbatrossError('input', `${file} is not valid YAML: ${first.message.split('\n')[0] ?? first.message}`, { cause: first });
  }
  return list.map((doc) => doc.toJS({ maxAliasCount: 100 }) as unknown).filter((doc) => doc !== null && doc !== undefined);
}
