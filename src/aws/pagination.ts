// Helpers for AWS's list shapes: marker/next-token paging and fixed-size batches.

/** Splits `items` into chunks of at most `size` (DescribeTags takes 20 ARNs). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Follows a marker/token until AWS stops returning one. */
export async function collectPages<Page, Item>(
  fetchPage: (token: string | undefined) => Promise<Page>,
  items: (page: Page) => readonly Item[] | undefined,
  nextToken: (page: Page) => string | undefined,
): Promise<Item[]> {
  const all: Item[] = [];
  let token: string | undefined;
  const seen = new Set<string>();
  do {
    const page = await fetchPage(token);
    all.push(...(items(page) ?? []));
    token = nextToken(page);
    // An endpoint that repeats a token would loop forever; emulators have done so.
    if (token !== undefined && seen.has(token)) break;
    if (token !== undefined) seen.add(token);
  } while (token !== undefined && token !== '');
  return all;
}
