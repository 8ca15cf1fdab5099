import { Worker } from 'node:worker_threads';
import { BLIND_INDEX_HEX, type BlindIndexKind, type FieldCipher, IV_BYTES, TOKEN_VERSION } from '@sc/db';

/** One batch of work: values to encrypt and values to blind-index, each list in the order given. */
export interface CipherJob {
  encrypt: string[];
  index: { kind: BlindIndexKind; value: string }[];
}

export interface CipherResult {
  tokens: string[];
  indexes: string[];
}

/**
 * Worker body, as source text: it runs on its own thread (`eval`), and a compiled function's text would
 * carry whatever helpers the compiler adds (esbuild's `__name`, say), which do not exist there. It
 * computes exactly what {@link FieldCipher.encrypt} and {@link FieldCipher.blindIndex} compute (checked by
 * cipher-worker.spec.ts). Values travel joined by `\n`, one string each way per list (one copy instead of
 * a clone per value); a count tells an empty list from a list of one empty string.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const encKey = crypto.createSecretKey(Buffer.from(workerData.encKey));
const blindKey = crypto.createSecretKey(Buffer.from(workerData.blindKey));
const aad = Buffer.from(workerData.version + '.' + workerData.kid);
const prefix = workerData.version + '.' + workerData.kid + '.';
const ivBytes = workerData.ivBytes;
const hexDigits = workerData.hexDigits;
let pool = Buffer.alloc(0);
let offset = 0;
function lines(text, n) {
  return n === 0 ? [] : text.split('\\n');
}
parentPort.on('message', function (msg) {
  try {
    const plains = lines(msg.encrypt, msg.nEncrypt);
    const inputs = lines(msg.index, msg.nIndex);
    const tokens = new Array(plains.length);
    for (let i = 0; i < plains.length; i++) {
      if (offset + ivBytes > pool.length) {
        pool = crypto.randomFillSync(Buffer.allocUnsafe(ivBytes * 4096));
        offset = 0;
      }
      const iv = pool.subarray(offset, offset + ivBytes);
      offset += ivBytes;
      const cipher = crypto.createCipheriv('aes-256-gcm', encKey, iv);
      cipher.setAAD(aad);
      const body = Buffer.concat([cipher.update(plains[i], 'utf8'), cipher.final(), cipher.getAuthTag()]);
      tokens[i] = prefix + iv.toString('base64url') + '.' + body.toString('base64url');
    }
    const indexes = new Array(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      indexes[i] = crypto.createHmac('sha256', blindKey).update(inputs[i], 'utf8').digest('hex').slice(0, hexDigits);
    }
    parentPort.postMessage({ id: msg.id, tokens: tokens.join('\\n'), indexes: indexes.join('\\n') });
  } catch (error) {
    parentPort.postMessage({ id: msg.id, error: String(error) });
  }
});
`;

interface Pending {
  resolve: (r: CipherResult) => void;
  reject: (e: Error) => void;
  nTokens: number;
  nIndexes: number;
}

/**
 * Encryption and blind indexes of a bulk import on a second thread: on a million-row import they are a
 * third of the importer's CPU, and the main thread has enough to do parsing, validating and feeding the
 * database. Jobs are answered in order. Holds a copy of the current key and the blind-index key for its
 * lifetime: {@link close} it when the import ends.
 */
export class CipherWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(cipher: FieldCipher) {
    const keys = cipher.exportWorkerKeys();
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        kid: keys.kid,
        encKey: keys.encKey,
        blindKey: keys.blindKey,
        version: TOKEN_VERSION,
        ivBytes: IV_BYTES,
        hexDigits: BLIND_INDEX_HEX,
      },
    });
    keys.encKey.fill(0);
    keys.blindKey.fill(0);
    this.worker.on('message', (msg: { id: number; tokens?: string; indexes?: string; error?: string }) => {
      const p = this.pending.get(msg.id);
      if (p === undefined) return;
      this.pending.delete(msg.id);
      if (msg.error !== undefined || msg.tokens === undefined || msg.indexes === undefined) {
        p.reject(new Error(`cipher worker failed: ${msg.error ?? 'no result'}`));
      } else {
        p.resolve({
          tokens: p.nTokens === 0 ? [] : msg.tokens.split('\n'),
          indexes: p.nIndexes === 0 ? [] : msg.indexes.split('\n'),
        });
      }
    });
    const failAll = (error: Error) => {
      this.failure ??= error;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', (e: Error) => failAll(new Error(`cipher worker failed: ${e.message}`)));
    this.worker.on('exit', (code) => failAll(new Error(`cipher worker stopped (exit code ${code})`)));
  }

  /**
   * Rejects a value with a line break: values travel joined by `\n` (validated import values, digits and
   * normalized address parts, never have one).
   */
  run(job: CipherJob): Promise<CipherResult> {
    if (this.failure) return Promise.reject(this.failure);
    const index = job.index.map((i) => `${i.kind}:${i.value}`);
    if (job.encrypt.some((v) => v.includes('\n')) || index.some((v) => v.includes('\n'))) {
      return Promise.reject(new Error('cipher worker values must not contain a line break'));
    }
    const id = this.nextId++;
    return new Promise<CipherResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, nTokens: job.encrypt.length, nIndexes: index.length });
      this.worker.postMessage({
        id,
        encrypt: job.encrypt.join('\n'),
        nEncrypt: job.encrypt.length,
        index: index.join('\n'),
        nIndex: index.length,
      });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
