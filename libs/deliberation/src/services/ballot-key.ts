import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readOrCreateSecretFile } from '@sc/config';

/**
 * The key of the ballot slots (ADR 0020): HMAC(key, matter ‖ voter) marks a voter's current secret ballot
 * without a voter id in the ballot table. Kept outside the database: `DELIBERATION_BALLOT_KEY` (base64,
 * ≥ 32 bytes), or in development a key file under `<DATA_DIR>/keys` (refused in production).
 */
export class BallotKey {
  private constructor(private readonly key: Buffer) {}

  static from(value: string | undefined, nodeEnv: string, dataDir: string): BallotKey {
    if (value) {
      const key = Buffer.from(value, 'base64');
      if (key.length < 32) throw new Error('DELIBERATION_BALLOT_KEY must be base64 of at least 32 bytes');
      return new BallotKey(key);
    }
    if (nodeEnv === 'production') throw new Error('DELIBERATION_BALLOT_KEY is required in production');
    const file = join(dataDir, 'keys', 'deliberation-ballot-key');
    const content = readOrCreateSecretFile(file, () => `${randomBytes(32).toString('base64')}\n`);
    return new BallotKey(Buffer.from(content.trim(), 'base64'));
  }

  slot(matterId: string, voterId: string): string {
    return createHmac('sha256', this.key).update(`${matterId}\n${voterId}`).digest('hex');
  }
}
