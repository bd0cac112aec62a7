import { rename, writeFile } from 'node:fs/promises';

/** Readers never see a half-written results file. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
