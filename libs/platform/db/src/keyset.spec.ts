import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from './data-source';
import { decodeOrderKey, keysetCondition, orderKey } from './keyset';
import { describeWalks, ITEM_ORDERS, ItemSchema, type Item } from './keyset.spec-helpers';

const row: Item = { id: 'i01', name: '陈 "x"', at: new Date('2026-11-02T08:00:00.123Z'), due: null, rank: 3 };

describe('keyset cursors under an order', () => {
  it('carry the order and every sort value, and are read back only under that order', () => {
    const byName = ITEM_ORDERS.resolve({ field: 'NAME', direction: 'ASC' });
    const key = orderKey(byName, row);
    expect(JSON.parse(key)).toEqual(['NAME:ASC', '陈 "x"', 'i01']);
    expect(decodeOrderKey(byName, key)).toEqual(['陈 "x"', 'i01']);
    // Another direction, another field, the original order: not this order's cursor.
    expect(decodeOrderKey(ITEM_ORDERS.resolve({ field: 'NAME', direction: 'DESC' }), key)).toBeNull();
    expect(decodeOrderKey(ITEM_ORDERS.resolve({ field: 'RANK' }), key)).toBeNull();
    expect(decodeOrderKey(ITEM_ORDERS.original, key)).toBeNull();
    // The original order keeps its bare cursors, and refuses ordered ones.
    expect(orderKey(ITEM_ORDERS.original, row)).toBe('i01');
    expect(decodeOrderKey(ITEM_ORDERS.original, 'i01')).toEqual(['i01']);
    expect(decodeOrderKey(byName, 'i01')).toBeNull();
  });

  it('refuse values of the wrong kind: text for a number, a bad time, NULL where none may be', () => {
    const byAt = ITEM_ORDERS.resolve({ field: 'AT' });
    expect(decodeOrderKey(byAt, orderKey(byAt, row))).toEqual(['2026-11-02T08:00:00.123Z', 'i01']);
    expect(decodeOrderKey(byAt, '["AT:ASC","yesterday","i01"]')).toBeNull();
    expect(decodeOrderKey(byAt, '["AT:ASC",null,"i01"]')).toBeNull();
    const byRank = ITEM_ORDERS.resolve({ field: 'RANK', direction: 'DESC' });
    expect(decodeOrderKey(byRank, '["RANK:DESC","3","i01"]')).toBeNull();
    expect(decodeOrderKey(byRank, '["RANK:DESC",3,"i01"]')).toEqual([3, 'i01']);
    expect(decodeOrderKey(byRank, '["RANK:DESC",3]')).toBeNull();
    expect(decodeOrderKey(byRank, '["RANK:DESC",3,null]')).toBeNull();
    expect(decodeOrderKey(byRank, '[not json')).toBeNull();
    const byDue = ITEM_ORDERS.resolve({ field: 'DUE' });
    expect(decodeOrderKey(byDue, orderKey(byDue, row))).toEqual([null, 'i01']);
  });

  it('expand "past the cursor" for the index, flipping the comparison when reading backward', () => {
    const byName = ITEM_ORDERS.resolve({ field: 'NAME', direction: 'ASC' });
    expect(keysetCondition(byName, ['b', 'i05'], false)).toEqual({
      sql: '(i.name > :ks_0) OR (i.name = :ks_0 AND i.id > :ks_1)',
      params: { ks_0: 'b', ks_1: 'i05' },
    });
    expect(keysetCondition(byName, ['b', 'i05'], true).sql).toBe(
      '(i.name < :ks_0) OR (i.name = :ks_0 AND i.id < :ks_1)',
    );
    const byDue = ITEM_ORDERS.resolve({ field: 'DUE' });
    // NULL sorts lowest: past a NULL going up is every value, then the NULLs with a greater id.
    expect(keysetCondition(byDue, [null, 'i05'], false).sql).toBe(
      '(i.due IS NOT NULL) OR (i.due IS NULL AND i.id > :ks_1)',
    );
    expect(keysetCondition(byDue, [null, 'i05'], true).sql).toBe(
      '(1 = 0) OR (i.due IS NULL AND i.id < :ks_1)',
    );
    expect(keysetCondition(byDue, ['2026-12-02', 'i05'], true).sql).toBe(
      '((i.due < :ks_0 OR i.due IS NULL)) OR (i.due = :ks_0 AND i.id < :ks_1)',
    );
    const byAt = ITEM_ORDERS.resolve({ field: 'AT' });
    expect(keysetCondition(byAt, ['2026-11-02T08:00:00.123Z', 'i01'], false).params['ks_0']).toEqual(
      new Date('2026-11-02T08:00:00.123Z'),
    );
  });
});

const binary = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
describeWalks(
  'embedded SQLite',
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-keyset-'));
    dirs.push(dir);
    return openDatabase({ url: `sqlite:${dir}/ks.sqlite`, entities: [ItemSchema], migrations: [] });
  },
  binary,
);
