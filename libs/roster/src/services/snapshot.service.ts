import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { isMysqlFamily, transaction } from '@sc/db';
import type { Outbox, SnapshotSource, SnapshotSummary } from '@sc/events';
import { ChiefEvents, GridEvents, RosterEvents } from '@sc/roster-contracts';
import { StreetChief } from '../entities/chief.entity';
import { Grid, GridMember } from '../entities/grid.entity';
import { Place } from '../entities/place.entity';

const PAGE = 1000;
/** Chiefs a snapshot restates: those that were ever in charge of a grid (others are in no read model). */
const IN_CHARGE = ['APPOINTED', 'SUSPENDED'] as const;
const RESTATED_CHIEFS = [...IN_CHARGE, 'RETIRED'] as const;

/**
 * The roster's snapshot for its consumers' read models (ADR 0023): every place, grid and chief that was
 * in charge of a grid, restated as `place.snapshot` / `grid.snapshot` / `chief.snapshot` events on their
 * own topics under their own keys, so each stays in order with that entity's changes. Each kind is read
 * in a transaction of its own with shared locks (MariaDB `FOR SHARE`, which waits for a change in flight
 * and holds the next one back until the snapshot's events are written), so a change never reaches the
 * outbox before the older restatement of its entity. The embedded SQLite runs one transaction at a time.
 */
export class RosterSnapshot implements SnapshotSource {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly committed: () => void = () => undefined,
  ) {}

  async counts(): Promise<Record<string, number>> {
    const m = this.ds.manager;
    const [grids] = (await m
      .getRepository(GridMember)
      .createQueryBuilder('g')
      .select('COUNT(DISTINCT g.grid_id)', 'n')
      .getRawMany()) as { n: number | string }[];
    return {
      'roster-places': await m.getRepository(Place).count(),
      'roster-grids': Number(grids?.n ?? 0),
      'roster-chiefs': await m
        .getRepository(StreetChief)
        .createQueryBuilder('c')
        .where('c.status IN (:...s)', { s: IN_CHARGE })
        .andWhere('c.grid_id IS NOT NULL')
        .getCount(),
    };
  }

  async publish(actor: string): Promise<SnapshotSummary> {
    const snapshotId = randomUUID();
    const time = new Date();
    const places = await this.part(
      Place,
      'p',
      (q) => q,
      async (m, rows) => {
        for (const p of rows) {
          await this.outbox.add(
            m,
            RosterEvents.placeSnapshot,
            p.id,
            {
              id: p.id,
              kind: p.kind,
              name: p.name,
              code: p.code,
              parentId: p.parentId,
              communityId: p.communityId,
              sortKey: p.sortKey,
              status: p.status,
              version: p.version,
              snapshotId,
              actor,
            },
            { time },
          );
        }
      },
    );
    const grids = await this.part(
      Grid,
      'g',
      (q) => q,
      async (m, rows) => {
        const members = await m
          .getRepository(GridMember)
          .createQueryBuilder('gm')
          .where('gm.grid_id IN (:...ids)', { ids: rows.map((g) => g.id) })
          .orderBy('gm.sort_key', 'ASC')
          .getMany();
        for (const g of rows) {
          const mine = members.filter((x) => x.gridId === g.id);
          await this.outbox.add(
            m,
            GridEvents.gridSnapshot,
            g.id,
            {
              id: g.id,
              name: g.name,
              streetIds: mine.filter((x) => x.kind === 'STREET').map((x) => x.placeId),
              courtyardIds: mine.filter((x) => x.kind === 'COURTYARD').map((x) => x.placeId),
              version: g.version,
              snapshotId,
              actor,
            },
            { time },
          );
        }
      },
    );
    const chiefs = await this.part(
      StreetChief,
      'c',
      (q) => q.where('c.status IN (:...s)', { s: RESTATED_CHIEFS }).andWhere('c.grid_id IS NOT NULL'),
      async (m, rows) => {
        for (const c of rows) {
          await this.outbox.add(
            m,
            ChiefEvents.chiefSnapshot,
            c.id,
            {
              id: c.id,
              residentId: c.residentId,
              status: c.status,
              gridId: c.gridId,
              version: c.version,
              snapshotId,
              actor,
            },
            { time },
          );
        }
      },
    );
    this.committed();
    return { snapshotId, items: { places, grids, chiefs } };
  }

  /** Reads one kind a page at a time in id order, locked against changes, and writes its events. */
  private async part<T extends ObjectLiteral & { id: string }>(
    entity: new () => T,
    alias: string,
    filter: (q: SelectQueryBuilder<T>) => SelectQueryBuilder<T>,
    write: (m: EntityManager, rows: T[]) => Promise<void>,
  ): Promise<number> {
    return transaction(
      this.ds,
      async (m) => {
        let after = '';
        let total = 0;
        for (;;) {
          let q = filter(m.getRepository(entity).createQueryBuilder(alias))
            .andWhere(`${alias}.id > :after`, { after })
            .orderBy(`${alias}.id`, 'ASC')
            .limit(PAGE);
          if (isMysqlFamily(this.ds)) q = q.setLock('pessimistic_read');
          const rows = await q.getMany();
          if (rows.length === 0) return total;
          await write(m, rows);
          total += rows.length;
          after = rows[rows.length - 1]?.id ?? after;
          if (rows.length < PAGE) return total;
        }
      },
      { isolation: 'READ COMMITTED' },
    );
  }
}
