import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { openDatabase, transaction } from '@sc/db';
import { OUTBOX_ENTITIES } from '@sc/events';
import { applyEvent, chinaMonth, type ValidEvent } from './apply';
import { FEED_ENTITIES } from './entities';
import { parseMonths } from './feed';
import { FiguresRepository } from './figures.repository';

/** The statistics on the embedded SQLite (the same code runs on MariaDB in the Kafka spec). */
let ds: DataSource;
let dir: string;
let figures: FiguresRepository;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'county-feed-'));
  ds = await openDatabase({
    url: `sqlite:${dir}/feed.sqlite`,
    entities: [...FEED_ENTITIES, ...OUTBOX_ENTITIES],
    migrations: [],
  });
  figures = new FiguresRepository(ds);
});
afterAll(async () => {
  await ds?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const applyV = (
  type: string,
  version: number,
  data: Record<string, unknown>,
  time = '2026-11-01T00:00:00.000Z',
) =>
  transaction(ds, (m) =>
    applyEvent(
      { type: `cn.caichang.${type}.v${version}`, subject: String(data['id']), time, data } as ValidEvent,
      m,
    ),
  );
const apply = (type: string, data: Record<string, unknown>, time?: string) => applyV(type, 1, data, time);

describe('chinaMonth', () => {
  it('files a date under its month in China (UTC+8)', () => {
    expect(chinaMonth('2026-10-31T15:59:59.999Z')).toBe('2026-10');
    expect(chinaMonth('2026-10-31T16:00:00.000Z')).toBe('2026-11');
    expect(chinaMonth('2026-12-31T16:00:00.000+00:00')).toBe('2027-01');
  });
});

describe('parseMonths', () => {
  const parse = (q: string) => parseMonths(new URLSearchParams(q));
  it('takes two months in order', () => {
    expect(parse('fromMonth=2026-01&toMonth=2026-12')).toEqual({ fromMonth: '2026-01', toMonth: '2026-12' });
  });
  it('names the field that is missing, malformed or out of order', () => {
    expect(parse('toMonth=2026-12')).toMatchObject({ error: { field: 'fromMonth' } });
    expect(parse('fromMonth=2026-1&toMonth=2026-12')).toMatchObject({ error: { field: 'fromMonth' } });
    expect(parse('fromMonth=2026-01&toMonth=2026-00')).toMatchObject({ error: { field: 'toMonth' } });
    expect(parse('fromMonth=2026-05&toMonth=2026-04')).toMatchObject({
      error: { field: 'toMonth', message: 'must not be before fromMonth' },
    });
  });
});

describe('statistics from events (embedded SQLite)', () => {
  it('skips a resident restatement older than what it holds, and keeps category and 户籍地 a snapshot lacks', async () => {
    const id = randomUUID();
    const street = randomUUID();
    await apply('people.resident.moved-in', {
      id,
      category: 'FLOATING',
      origin: '巴中市',
      streetId: street,
      householdId: null,
      version: 3,
    });
    // An older snapshot part arriving late (its own topic, so in no order with the resident's events).
    await apply('people.snapshot.residents', {
      residents: [{ id, status: 'MOVED_OUT', householdId: null, streetId: null, version: 2 }],
    });
    let population = await figures.population();
    expect(population.byStreet.find((s) => s.streetId === street)).toEqual({
      streetId: street,
      residents: 1,
    });
    await apply('people.snapshot.residents', {
      residents: [{ id, status: 'ACTIVE', householdId: null, streetId: randomUUID(), version: 4 }],
    });
    population = await figures.population();
    expect(population.byStreet.find((s) => s.streetId === street)).toBeUndefined();
    expect(population.migrantsByOrigin.find((o) => o.origin === '巴中市')).toEqual({
      origin: '巴中市',
      migrants: 1,
    });
  });

  it('counts residents known only from a snapshot by category and 户籍地 from its v2 parts, in either order with v1', async () => {
    const street = randomUUID();
    const [a, b, live] = [randomUUID(), randomUUID(), randomUUID()];
    const v1 = (id: string, version: number) => ({
      id,
      status: 'ACTIVE',
      householdId: null,
      streetId: street,
      version,
    });
    const v2 = (id: string, version: number, origin: string) => ({
      ...v1(id, version),
      category: 'MIGRANT_LONG_TERM',
      origin,
    });
    // A resident changed after the snapshot was read: the snapshot's item is older and changes nothing.
    await apply('people.resident.moved-in', {
      id: live,
      category: 'FLOATING',
      origin: '营山县',
      streetId: street,
      householdId: null,
      version: 2,
    });
    // Resident a: v1's part first, then v2's (the order the people service writes them); b: v2 first.
    await apply('people.snapshot.residents', { residents: [v1(a, 3), v1(live, 1)] });
    await applyV('people.snapshot.residents', 2, { residents: [v2(a, 3, '仪陇县'), v2(live, 1, '仪陇县')] });
    await applyV('people.snapshot.residents', 2, { residents: [v2(b, 1, '仪陇县')] });
    await apply('people.snapshot.residents', { residents: [v1(b, 1)] });
    const population = await figures.population();
    expect(population.byStreet.find((s) => s.streetId === street)).toEqual({
      streetId: street,
      residents: 3,
    });
    expect(population.migrantsByOrigin.find((o) => o.origin === '仪陇县')).toEqual({
      origin: '仪陇县',
      migrants: 2,
    });
    expect(population.migrantsByOrigin.find((o) => o.origin === '营山县')).toEqual({
      origin: '营山县',
      migrants: 1,
    });
    // v2 is the whole state, but not over a newer one: a later move-out stands.
    await apply('people.resident.moved-out', { id: a, category: 'MIGRANT_LONG_TERM', version: 4 });
    await applyV('people.snapshot.residents', 2, { residents: [v2(a, 3, '仪陇县')] });
    expect((await figures.population()).migrantsByOrigin.find((o) => o.origin === '仪陇县')).toEqual({
      origin: '仪陇县',
      migrants: 1,
    });
  });

  it('counts households announced by a load and by a snapshot; never a dissolved one', async () => {
    const before = (await figures.population()).households;
    const [loaded, active, empty, dissolved] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const street = randomUUID();
    await apply('people.households.imported', { households: [{ id: loaded, streetId: street }] });
    expect((await figures.population()).households).toBe(before + 1);
    // Snapshot: an active household with a member, an active empty one, a dissolved one.
    await apply('people.snapshot.households', {
      households: [
        { id: loaded, status: 'ACTIVE', streetId: street },
        { id: active, status: 'ACTIVE', streetId: street },
        { id: empty, status: 'ACTIVE', streetId: street },
        { id: dissolved, status: 'DISSOLVED', streetId: street },
      ],
    });
    await applyV('people.snapshot.residents', 2, {
      residents: [
        {
          id: randomUUID(),
          status: 'ACTIVE',
          category: 'REGISTERED',
          origin: '大邑县',
          householdId: active,
          streetId: street,
          version: 1,
        },
      ],
    });
    expect((await figures.population()).households).toBe(before + 3);
    // Applying the same parts again changes nothing.
    await apply('people.households.imported', { households: [{ id: loaded, streetId: street }] });
    await apply('people.snapshot.households', {
      households: [{ id: dissolved, status: 'DISSOLVED', streetId: street }],
    });
    expect((await figures.population()).households).toBe(before + 3);
  });

  it('applies an import batch item by item, skipping items older than what it holds', async () => {
    const street = randomUUID();
    const fresh = randomUUID();
    const newer = randomUUID();
    await apply('people.resident.moved-in', {
      id: newer,
      category: 'REGISTERED',
      origin: '大邑县',
      streetId: street,
      householdId: null,
      version: 5,
    });
    await apply('people.residents.imported', {
      residents: [
        { id: fresh, version: 1, category: 'FLOATING', origin: '遂宁市', streetId: street },
        { id: newer, version: 2, category: 'FLOATING', origin: '遂宁市', streetId: randomUUID() },
        { id: fresh, version: 2, category: 'MIGRANT_LONG_TERM', origin: '达州市', streetId: street },
      ],
    });
    const population = await figures.population();
    expect(population.byStreet.find((s) => s.streetId === street)).toEqual({
      streetId: street,
      residents: 2,
    });
    expect(population.migrantsByOrigin.find((o) => o.origin === '遂宁市')).toBeUndefined();
    expect(population.migrantsByOrigin.find((o) => o.origin === '达州市')).toEqual({
      origin: '达州市',
      migrants: 1,
    });
  });

  it('dissolves a household when its last member leaves, whatever order the two topics arrive in', async () => {
    const before = (await figures.population()).households;
    const household = randomUUID();
    const member = randomUUID();
    // The resident's event first, then the household's own (another topic).
    await apply('people.resident.moved-in', {
      id: member,
      category: 'REGISTERED',
      origin: '大邑县',
      streetId: randomUUID(),
      householdId: household,
      version: 1,
    });
    expect((await figures.population()).households).toBe(before);
    await apply('people.household.created', { id: household, streetId: randomUUID() });
    expect((await figures.population()).households).toBe(before + 1);
    await apply('people.resident.household-changed', {
      id: member,
      fromHouseholdId: household,
      toHouseholdId: null,
      relationship: null,
      version: 2,
    });
    expect((await figures.population()).households).toBe(before);
  });

  it('counts a street covered only while the chief of its grid is APPOINTED', async () => {
    const streetId = randomUUID();
    const grid = randomUUID();
    const chief = randomUUID();
    await apply('roster.street.created', { id: streetId });
    await apply('roster.grid.changed', { id: grid, streetIds: [streetId, streetId] });
    const base = (await figures.chiefs()).streetsCovered;
    await apply('roster.chief.appointed', { id: chief, status: 'APPOINTED', gridId: grid });
    expect((await figures.chiefs()).streetsCovered).toBe(base + 1);
    await apply('roster.chief.suspended', { id: chief, status: 'SUSPENDED', gridId: null });
    expect((await figures.chiefs()).streetsCovered).toBe(base);
    await apply('roster.chief.resumed', { id: chief, status: 'APPOINTED', gridId: null });
    expect((await figures.chiefs()).streetsCovered).toBe(base + 1);
    await apply('roster.grid.snapshot', { id: grid, streetIds: [] });
    expect((await figures.chiefs()).streetsCovered).toBe(base);
  });

  it('moves a case between ledger rows with its latest event, and ignores an older one', async () => {
    const id = randomUUID();
    const street = randomUUID();
    const snapshot = {
      caseId: id,
      itemCode: null,
      streetId: street,
      reportedAt: '2026-11-30T17:00:00.000Z', // 12-01 in China
      resolveDueAt: null,
      resolvedAt: null,
      rating: null,
      at: '2026-11-30T17:00:00.000Z',
    };
    await apply('cases.case.reported', snapshot);
    const mine = async () =>
      (await figures.caseLedger('2026-01', '2027-12')).filter((r) => r.streetId === street);
    expect(await mine()).toEqual([
      {
        itemCode: '-',
        streetId: street,
        month: '2026-12',
        opened: 1,
        resolved: 0,
        resolvedOnTime: 0,
        ratings: 0,
        satisfied: 0,
      },
    ]);
    const corrected = {
      ...snapshot,
      itemCode: 'GARBAGE_LITTERING',
      resolveDueAt: '2027-01-05T00:00:00.000Z',
      at: '2026-12-02T00:00:00.000Z',
    };
    await apply('cases.case.corrected', corrected);
    await apply('cases.case.resolved', {
      ...corrected,
      resolvedAt: '2027-01-04T16:30:00.000Z',
      at: '2027-01-04T16:30:00.000Z',
    });
    await apply('cases.case.rated', {
      ...corrected,
      resolvedAt: '2027-01-04T16:30:00.000Z',
      rating: 4,
      at: '2027-01-06T00:00:00.000Z',
    });
    // A restatement of the report (older) changes nothing.
    await apply('cases.case.reported', snapshot);
    expect(await mine()).toEqual([
      {
        itemCode: 'GARBAGE_LITTERING',
        streetId: street,
        month: '2026-12',
        opened: 1,
        resolved: 0,
        resolvedOnTime: 0,
        ratings: 0,
        satisfied: 0,
      },
      {
        itemCode: 'GARBAGE_LITTERING',
        streetId: street,
        month: '2027-01',
        opened: 0,
        resolved: 1,
        resolvedOnTime: 1,
        ratings: 1,
        satisfied: 1,
      },
    ]);
    expect(
      (await figures.caseLedger('2027-01', '2027-01')).filter((r) => r.streetId === street),
    ).toHaveLength(1);
  });

  it('keeps a matter’s latest state with the tally of its closed vote', async () => {
    const id = randomUUID();
    await apply('deliberation.matter.drafted', { id });
    await apply('deliberation.matter.opened-for-voting', { id });
    expect((await figures.votes()).find((v) => v.matterId === id)).toBeUndefined();
    await apply('deliberation.vote.closed', {
      id,
      electorateSize: 10,
      participants: 5,
      quorumMet: false,
      counts: { 方案乙: 1, 方案甲: 4 },
      outcome: 'QUORUM_NOT_MET',
    });
    await apply('deliberation.matter.rejected', { id });
    expect((await figures.votes()).find((v) => v.matterId === id)).toEqual({
      matterId: id,
      state: 'REJECTED',
      electorateSize: 10,
      participants: 5,
      quorumMet: false,
      outcome: 'QUORUM_NOT_MET',
      counts: [
        { option: '方案乙', count: 1 },
        { option: '方案甲', count: 4 },
      ].sort((a, b) => (a.option < b.option ? -1 : 1)),
    });
  });
});
