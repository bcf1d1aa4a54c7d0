// Golden files: output compared, as text, with a file a reviewer reads in the diff. With
// UPDATE_GOLDEN=1 the file is written instead; a missing file fails with how to write it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from '@jest/globals';

export function expectGolden(file: string, actual: string): void {
  if (process.env['UPDATE_GOLDEN'] === '1') {
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`${file} is missing; run with UPDATE_GOLDEN=1 to write it`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}
