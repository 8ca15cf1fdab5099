import type { EntityManager } from 'typeorm';
import type { CloudEvent } from '@sc/events';
import { GridPlace } from '../entities';
import { RosterGridChanged } from '../events/roster-grids';

/**
 * Inbox handler of the grid read model: replaces a grid's places with the membership the event
 * carries (events of one grid arrive in order: the key is the grid id). Other event types on the
 * topic are not ours to read and are skipped.
 */
export async function applyGridEvent(event: CloudEvent<unknown>, manager: EntityManager): Promise<void> {
  if (!RosterGridChanged.matches(event)) return;
  const { data } = RosterGridChanged.parse(event);
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
