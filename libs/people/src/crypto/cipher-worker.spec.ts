import { randomBytes } from 'node:crypto';
import { CipherWorker } from './cipher-worker';
import { FieldCipher, parseFieldKeys } from '@sc/db';

describe('CipherWorker', () => {
  const key = () => randomBytes(32).toString('base64');
  const cipher = new FieldCipher(parseFieldKeys(`k7:${key()},k6:${key()}`, key()));
  let worker: CipherWorker;
  beforeAll(() => {
    worker = new CipherWorker(cipher);
  });
  afterAll(async () => worker.close());

  it('computes what FieldCipher computes: tokens it decrypts (current key), identical blind indexes', async () => {
    const plain = ['110105194912310021', '13812345678', '3-501', '', '张三 丰'];
    const index = [
      { kind: 'id' as const, value: '110105194912310021' },
      { kind: 'phone' as const, value: '13812345678' },
      { kind: 'door' as const, value: 's|c|3|2|501' },
    ];
    const r = await worker.run({ encrypt: plain, index });
    expect(r.tokens.map((t) => cipher.decrypt(t))).toEqual(plain);
    expect(r.tokens.every((t) => cipher.keyIdOf(t) === 'k7')).toBe(true);
    expect(new Set(r.tokens).size).toBe(plain.length);
    expect(r.indexes).toEqual(index.map((i) => cipher.blindIndex(i.kind, i.value)));
  });

  it('answers concurrent jobs each with its own result', async () => {
    const jobs = Array.from({ length: 20 }, (_, n) => ({
      encrypt: [`v${n}`],
      index: [{ kind: 'id' as const, value: `id${n}` }],
    }));
    const results = await Promise.all(jobs.map((j) => worker.run(j)));
    results.forEach((r, n) => {
      expect(cipher.decrypt(r.tokens[0] as string)).toBe(`v${n}`);
      expect(r.indexes[0]).toBe(cipher.blindIndex('id', `id${n}`));
    });
  });

  it('tells an empty list from a list of one empty value, and refuses a value with a line break', async () => {
    expect(await worker.run({ encrypt: [], index: [] })).toEqual({ tokens: [], indexes: [] });
    const one = await worker.run({ encrypt: [''], index: [{ kind: 'door', value: '' }] });
    expect(one.tokens.map((t) => cipher.decrypt(t))).toEqual(['']);
    expect(one.indexes).toEqual([cipher.blindIndex('door', '')]);
    await expect(worker.run({ encrypt: ['a\nb'], index: [] })).rejects.toThrow(/line break/);
  });

  it('refuses work once closed, with an error instead of a hang', async () => {
    const w = new CipherWorker(cipher);
    await w.close();
    await expect(w.run({ encrypt: ['x'], index: [] })).rejects.toThrow(/cipher worker stopped/);
  });
});
