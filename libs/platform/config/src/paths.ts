import path from 'node:path';
import fs from 'node:fs';

/**
 * The data folder holds everything a local run creates: the embedded databases, dev signing keys.
 * It is gitignored. `DATA_DIR` overrides it (relative paths resolve against the working directory).
 */
export function dataDir(configured?: string): string {
  const dir = path.resolve(configured ?? process.env['DATA_DIR'] ?? '.data');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
