import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { createLogger } from '@sc/config';
import { openDatabase } from '@sc/db';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { ChiefTransition, StreetChief } from '../entities/chief.entity';
import { roster } from '../roster.service';
import { seedCaichang, stableId } from '../seed/caichang';
import { caller, knownResidents, rosterServices, type RosterServices } from './spec-helpers';

const staff = caller(['COMMUNITY_STAFF'], 'staff-1');
const officer = caller(['TOWN_OFFICER'], 'officer-1');
const CONTENDERS = 8;

describe('concurrent appointments [needs: MariaDB]', () => {
  let db: TestDatabase;
  let dir: string;
  let ds: DataSource;
  let s: RosterServices;

  beforeAll(async () => {
    db = await freshMysqlDatabase('roster_race');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-race-'));
    ds = await openDatabase({ url: db.url, entities: roster.entities, migrations: roster.migrations });
    s = rosterServices(ds, dir);
    await seedCaichang(ds, s, createLogger({ service: 'test', level: 'silent' }));
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function filedCandidates(prefix: string): Promise<StreetChief[]> {
    const filed: StreetChief[] = [];
    for (let i = 0; i < CONTENDERS; i++) {
      await knownResidents(ds, `${prefix}-${i}`, `${prefix}-nominator-${i}`);
      const c = await s.chiefs.nominate(staff, {
        residentId: `${prefix}-${i}`,
        name: `候选${i}`,
        nominatorResidentId: `${prefix}-nominator-${i}`,
        reason: '推荐',
      });
      await s.chiefs.vet(staff, c.id, { passed: true, reason: '合格', visitNotes: '走访', opinions: [] });
      filed.push(
        await s.chiefs.file(officer, c.id, { filedOn: new Date(), documentNumber: 'D', reason: '备案' }),
      );
    }
    return filed;
  }

  const appointAll = (candidates: StreetChief[], gridId: string, badge: (i: number) => string) =>
    Promise.allSettled(
      candidates.map((c, i) =>
        s.chiefs.appoint(officer, c.id, {
          gridId,
          badge: badge(i),
          phone: '13800000000',
          termStart: new Date('2026-01-01T00:00:00Z'),
          termEnd: new Date('2028-01-01T00:00:00Z'),
          reason: '任命',
        }),
      ),
    );

  it(`${CONTENDERS} appointments racing for one free grid: exactly one wins, the others get CONFLICT`, async () => {
    const street = await s.places.create(caller(['ADMIN']), {
      kind: 'STREET',
      parentId: stableId('group:1'),
      name: '竞争街',
    });
    const grid = await s.grids.create(staff, {
      name: '竞争网格',
      streetIds: [street.id],
      courtyardIds: [],
      reason: '新建',
    });
    const candidates = await filedCandidates('race');
    const results = await appointAll(candidates, grid.id, (i) => `R-${i}`);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((r) => (r.reason as { extensions?: { code?: string } }).extensions?.code)).toEqual(
      Array(CONTENDERS - 1).fill('CONFLICT'),
    );
    expect(await ds.getRepository(StreetChief).countBy({ heldGridId: grid.id, status: 'APPOINTED' })).toBe(1);
    expect(
      await ds.getRepository(StreetChief).countBy({ id: candidates[0]!.id, status: 'FILED' }),
    ).toBeLessThanOrEqual(1);
    expect(await ds.getRepository(ChiefTransition).countBy({ action: 'APPOINT', actor: 'officer-1' })).toBe(
      1,
    );
  });

  it(`${CONTENDERS} first nominations of different residents at once: every one succeeds`, async () => {
    // Each looks up an open candidacy FOR UPDATE and finds none, so all take the same gap lock and
    // then insert: MariaDB breaks the cycle by rolling some back (ER_LOCK_DEADLOCK), which nominate
    // runs again instead of answering INTERNAL_SERVER_ERROR.
    const ids = Array.from({ length: CONTENDERS }, (_, i) => `nominee-${i}`);
    for (const id of ids) await knownResidents(ds, id, `${id}-nominator`);
    const results = await Promise.allSettled(
      ids.map((id, i) =>
        s.chiefs.nominate(staff, {
          residentId: id,
          name: `被推荐${i}`,
          nominatorResidentId: `${id}-nominator`,
          reason: '推荐',
        }),
      ),
    );
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    expect(failures).toEqual([]);
    const rows = await ds.getRepository(StreetChief).findBy(ids.map((residentId) => ({ residentId })));
    expect(rows.map((r) => [r.residentId, r.status, r.nominationCount]).sort()).toEqual(
      ids.map((id) => [id, 'NOMINATED', 1]).sort(),
    );
  });

  it('racing for the same badge on different grids: exactly one wins', async () => {
    const grids: { id: string }[] = [];
    for (let i = 0; i < CONTENDERS; i++) {
      const street = await s.places.create(caller(['ADMIN']), {
        kind: 'STREET',
        parentId: stableId('group:2'),
        name: `徽章街${i}`,
      });
      grids.push(
        await s.grids.create(staff, {
          name: `徽章网格${i}`,
          streetIds: [street.id],
          courtyardIds: [],
          reason: '新建',
        }),
      );
    }
    const candidates = await filedCandidates('badge');
    const results = await Promise.allSettled(
      candidates.map((c, i) =>
        s.chiefs.appoint(officer, c.id, {
          gridId: grids[i]!.id,
          badge: 'B-1',
          phone: '13800000000',
          termStart: new Date('2026-01-01T00:00:00Z'),
          termEnd: new Date('2028-01-01T00:00:00Z'),
          reason: '任命',
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await ds.getRepository(StreetChief).countBy({ activeBadge: 'B-1' })).toBe(1);
  });
});
