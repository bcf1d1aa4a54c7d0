// The one string order of Albatross: ids, groups, rules and plans sort the same on every
// machine, whatever its locale.

/** Code-unit order of two strings, independent of locale (unlike `localeCompare`). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
