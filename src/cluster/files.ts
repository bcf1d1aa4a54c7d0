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
    for (const { document, value } of await readManifests(file)) {
      const where = `${file}: document ${document}`;
      try {
        addObject(store, value, where, problems, seen);
      } catch (err) {
        // Whatever a malformed object makes fail is still the file's problem, said plainly.
        if (err instanceof AlbatrossError) throw err;
        throw new AlbatrossError('input', `${where} cannot be read: ${readProblem(err)}`, { cause: err });
      }
    }
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

/** One document of a file as plain data, numbered as it stands in the file (from 1). */
interface Manifest {
  readonly document: number;
  readonly value: unknown;
}

/** YAML aliases one document may expand; past it the file is refused as a resource exhaustion attack. */
const maxAliasCount = 100;

/**
 * The documents of a file as plain data; empty documents (`---` alone) are skipped, as
 * kubectl does. YAML 1.1, as kubectl reads manifests (`yes` and `on` are booleans there).
 * @throws AlbatrossError coded `input`, naming the file and document, when the file is not
 *   UTF-8 text, not YAML, or YAML that cannot be turned into data (an alias bomb, nesting
 *   deeper than the parser goes)
 */
async function readManifests(file: string): Promise<Manifest[]> {
  const bytes = await readFile(file).catch((err: unknown) => {
    throw new AlbatrossError('input', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw new AlbatrossError('input', `${file} is not UTF-8 text; manifests are YAML or JSON`, { cause: err });
  }
  if (text.includes('\0')) throw new AlbatrossError('input', `${file} holds NUL bytes, so it is not YAML or JSON text`);
  let documents;
  try {
    documents = parseAllDocuments(text, { version: '1.1' });
  } catch (err) {
    throw new AlbatrossError('input', `${file} is not valid YAML: ${readProblem(err)}`, { cause: err });
  }
  const list = Array.isArray(documents) ? documents : [];
  const out: Manifest[] = [];
  for (const [i, doc] of list.entries()) {
    const where = `${file}: document ${i + 1}`;
    const first = doc.errors[0];
    if (first !== undefined) {
      // The parser's first line names the line and column; the lines after it quote the file,
      // which may be a Secret's key, so they are left out.
      const line = (first.message.split('\n')[0] ?? first.message).replace(/:$/, '');
      throw new AlbatrossError('input', `${where} is not valid YAML: ${yamlProblem(line)}`, { cause: first });
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount });
    } catch (err) {
      throw new AlbatrossError('input', `${where} cannot be read: ${readProblem(err)}`, { cause: err });
    }
    if (value !== null && value !== undefined) out.push({ document: i + 1, value });
  }
  return out;
}

/** The YAML library's words for a problem, where they are obscure, in ours. */
function yamlProblem(message: string): string {
  if (message.includes('Maximum call stack size exceeded')) return `${message.replace('Maximum call stack size exceeded', 'nested too deeply to read')}; Kubernetes objects are far shallower`;
  return message;
}

/** Why reading a document failed, in one line and never with a stack. */
function readProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes('Excessive alias count'))
    return `its YAML aliases (*name) expand beyond the limit of ${maxAliasCount}, which is refused as a resource exhaustion attack ("billion laughs"); write the repeated parts out`;
  if (err instanceof RangeError || message.includes('Maximum call stack size exceeded')) return 'it is nested too deeply to read; Kubernetes objects are far shallower';
  return message.split('\n')[0] ?? message;
}
