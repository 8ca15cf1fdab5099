import path from 'node:path';
import fs from 'node:fs';
import { ConfigError, EMPTY_DATA_DIR } from './env';

/**
 * The data folder holds everything a local run creates: the embedded databases, dev signing keys.
 * It is gitignored. `DATA_DIR` overrides it (relative paths resolve against the working directory).
 *
 * @throws ConfigError for an empty value (it would resolve to the working directory; see envVar.dataDir)
 */
export function dataDir(configured: string | undefined = process.env['DATA_DIR']): string {
  if (configured !== undefined && configured.trim() === '')
    throw new ConfigError([`DATA_DIR: ${EMPTY_DATA_DIR}`]);
  const dir = path.resolve(configured?.trim() ?? '.data');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
