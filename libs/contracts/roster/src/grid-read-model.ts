import { Column, Entity, type EntityManager, In, Index, PrimaryColumn } from 'typeorm';
import type { CloudEvent, ReadModelCatchUp } from '@sc/events';
import { GridEvents, GridsTopic } from './events';

/**
 * The roster's grid membership as other services keep it: one row per street or courtyard of a
 * grid, replaced whole by every `grid.changed` event. A consumer lists this entity among its own
 * (its migrations create the table) and the {@link GRID_READ_MODEL} consumption in its service.
 */
@Entity({ name: 'grid_place' })
@Index('ix_grid_place_place', ['placeId'])
export class GridPlace {
  @PrimaryColumn({ name: 'grid_id', type: 'varchar', length: 36 })
  gridId!: string;

  @PrimaryColumn({ name: 'place_id', type: 'varchar', length: 36 })
  placeId!: string;

  @Column({ name: 'kind', type: 'varchar', length: 20 })
  kind!: 'STREET' | 'COURTYARD';
}

/**
 * Inbox handler of the grid read model: replaces a grid's places with the membership the event
 * carries (events of one grid arrive in order: the key is the grid id). Other event types on the
 * topic are not ours to read and are skipped.
 */
export async function applyGridEvent(event: CloudEvent<unknown>, manager: EntityManager): Promise<void> {
  // A snapshot restates the whole membership under the grid's key, in order with its changes.
  const contract = [GridEvents.gridChanged, GridEvents.gridSnapshot].find((c) => c.matches(event));
  if (!contract) return;
  const { data } = contract.parse(event);
  await manager.delete(GridPlace, { gridId: data.id });
  const rows = [
    ...[...new Set(data.streetIds)].map((placeId) => ({ gridId: data.id, placeId, kind: 'STREET' as const })),
    ...[...new Set(data.courtyardIds)].map((placeId) => ({
      gridId: data.id,
      placeId,
      kind: 'COURTYARD' as const,
    })),
  ];
  if (rows.length > 0) await manager.insert(GridPlace, rows);
}

/** Grids with at least one street or courtyard: what `grid_place` holds rows of (ADR 0023). */
const gridsCatchUp: ReadModelCatchUp = {
  producer: 'roster',
  held: async (m) => {
    const [row] = (await m
      .getRepository(GridPlace)
      .createQueryBuilder('g')
      .select('COUNT(DISTINCT g.grid_id)', 'n')
      .getRawMany()) as { n: number | string }[];
    return Number(row?.n ?? 0);
  },
};

/** The consumption a service lists to keep the grid read model (`consumes: [GRID_READ_MODEL]`). */
export const GRID_READ_MODEL = {
  name: 'roster-grids',
  topics: [GridsTopic],
  handler: applyGridEvent,
  catchUp: gridsCatchUp,
} as const;

/** The streets and courtyards of some grids, from the read model. */
export async function placesOfGrids(
  m: EntityManager,
  gridIds: readonly string[],
): Promise<{ streetIds: string[]; courtyardIds: string[] }> {
  if (gridIds.length === 0) return { streetIds: [], courtyardIds: [] };
  const rows = await m.getRepository(GridPlace).findBy({ gridId: In([...gridIds]) });
  return {
    streetIds: rows.filter((r) => r.kind === 'STREET').map((r) => r.placeId),
    courtyardIds: rows.filter((r) => r.kind === 'COURTYARD').map((r) => r.placeId),
  };
}
