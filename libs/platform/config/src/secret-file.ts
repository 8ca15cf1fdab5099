import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Reads a development secret (signing key, field keys) from `file`, creating it with `create()` on
 * first use: directory 0700, file 0600. Safe when several processes start at once: each writes a
 * temporary file and publishes it without overwriting, then everybody reads back the one that landed
 * on disk first, so no process ever keeps a secret the others do not share.
 */
export function readOrCreateSecretFile(file: string, create: () => string): string {
  const existing = readIfExists(file);
  if (existing !== undefined) return existing;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmpFile = `${file}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(tmpFile, create(), { mode: 0o600, flag: 'wx' });
  try {
    publishWithoutOverwrite(tmpFile, file);
  } finally {
    unlinkIfExists(tmpFile);
  }
  const onDisk = readIfExists(file);
  if (onDisk === undefined) throw new Error(`secret file ${file} vanished right after it was written`);
  return onDisk;
}

function publishWithoutOverwrite(tmpFile: string, file: string): void {
  try {
    // link() fails with EEXIST instead of replacing, so a secret another process already uses is never swapped.
    linkSync(tmpFile, file);
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return;
    // Some filesystems (certain mounts, FAT) have no hard links; rename is still atomic, only the
    // check-then-rename window remains, and the read-back afterwards keeps callers consistent.
    if (readIfExists(file) === undefined) renameSync(tmpFile, file);
  }
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function unlinkIfExists(file: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
  }
}

function errorCode(err: unknown): string | undefined {
  // Duck-typed: fs errors may come from another realm (jest's sandbox), where instanceof Error fails.
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}
