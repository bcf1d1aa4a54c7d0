// Builds a Snapshot from YAML files and directories, as `kubectl apply -f` reads them:
// multi-document files, `List` objects, directories walked for .yaml/.yml/.json.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';
import { AlbatrossError } from '../model/errors.js';
import type { Snapshot } from './snapshot.js';

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);

interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { namespace?: string; name?: string };
  items?: unknown[];
}

export async function snapshotFromFiles(paths: readonly string[]): Promise<Snapshot> {
  const files: string[] = [];
  for (const path of paths) files.push(...(await manifestFiles(path)));
  const objects: KubeObject[] = [];
  for (const file of files) objects.push(...(await readManifests(file)));
  return snapshotFromObjects(objects);
}

/** Sorts plain Kubernetes objects into a Snapshot; kinds Albatross does not read are ignored. */
export function snapshotFromObjects(objects: readonly unknown[]): Snapshot {
  const snapshot = { ingresses: [], ingressClasses: [], services: [], endpointSlices: [], secrets: [] } as {
    [K in keyof Snapshot]: unknown[];
  };
  const add = (obj: unknown): void => {
    if (typeof obj !== 'object' || obj === null) return;
    const o = obj as KubeObject;
    if (o.kind?.endsWith('List') === true && Array.isArray(o.items)) {
      o.items.forEach(add);
      return;
    }
    const group = (o.apiVersion ?? '').split('/').length === 2 ? (o.apiVersion ?? '').split('/')[0] : '';
    const namespaced = { ...o, metadata: { ...o.metadata, namespace: o.metadata?.namespace ?? 'default' } };
    switch (`${group}/${o.kind ?? ''}`) {
      case 'networking.k8s.io/Ingress':
        snapshot.ingresses.push(namespaced);
        break;
      case 'networking.k8s.io/IngressClass':
        snapshot.ingressClasses.push(o);
        break;
      case '/Service':
        snapshot.services.push(namespaced);
        break;
      case 'discovery.k8s.io/EndpointSlice':
        snapshot.endpointSlices.push(namespaced);
        break;
      case '/Secret':
        snapshot.secrets.push(namespaced);
        break;
      default:
        break;
    }
  };
  objects.forEach(add);
  return snapshot as unknown as Snapshot;
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
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) found.push(...(await manifestFiles(full)));
    else if (manifestExtensions.has(extname(entry.name))) found.push(full);
  }
  return found;
}

async function readManifests(file: string): Promise<KubeObject[]> {
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw new AlbatrossError('input', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  });
  try {
    return (loadAllYaml(text) as unknown[]).filter((doc): doc is KubeObject => typeof doc === 'object' && doc !== null);
  } catch (err) {
    throw new AlbatrossError('input', `${file} is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
}
