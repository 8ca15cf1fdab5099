import type { ChildListSpec } from '@sc/db';
import type { PlaceKind, PlaceStatus } from '../entities/place.entity';

/** Which column ties a list of places to its owner: the direct parent, or the community (any depth). */
export type Via = 'parent' | 'community';

/** Places of one kind and status under an owner, in official order (index: kind, owner, status, sort_key). */
export function placeList(kind: PlaceKind, via: Via, status: PlaceStatus): ChildListSpec {
  return {
    table: 'place',
    parentColumn: via === 'parent' ? 'parent_id' : 'community_id',
    refColumn: 'id',
    sortColumn: 'sort_key',
    direction: 'ASC',
    cursor: 'value',
    where: { kind, status },
  };
}

const owned = (
  table: string,
  parentColumn: string,
  refColumn: string,
  sortColumn: string,
  where?: Record<string, string>,
): ChildListSpec => ({
  table,
  parentColumn,
  refColumn,
  sortColumn,
  direction: 'ASC',
  cursor: 'value',
  where,
});

/** The roster's child lists, each served by an index on (owner, …, sort). */
export const LISTS = {
  gridStreets: owned('grid_member', 'grid_id', 'place_id', 'sort_key', { kind: 'STREET' }),
  gridCourtyards: owned('grid_member', 'grid_id', 'place_id', 'sort_key', { kind: 'COURTYARD' }),
  /**
   * A grid's own courtyards and the active courtyards of its streets (`include: ALL`): a derived table
   * over the grid_member index (grid, kind, sort) and ix_place_parent (kind, parent, status, sort);
   * the sort keys are the places' own, unique, so the cursor is the value. UNION, not UNION ALL: a
   * courtyard listed on its own whose street is in the grid too appears once.
   */
  gridAllCourtyards: owned(
    `(SELECT grid_id, place_id, sort_key FROM grid_member WHERE kind = 'COURTYARD'
      UNION
      SELECT s.grid_id, p.id AS place_id, p.sort_key FROM grid_member s
        JOIN place p ON p.kind = 'COURTYARD' AND p.parent_id = s.place_id AND p.status = 'ACTIVE'
      WHERE s.kind = 'STREET') grid_courtyard`,
    'grid_id',
    'place_id',
    'sort_key',
  ),
  gridHistory: owned('grid_change', 'grid_id', 'id', 'version'),
  nominations: owned('chief_nomination', 'chief_id', 'id', 'nominator_resident_id'),
  transitions: owned('chief_transition', 'chief_id', 'id', 'seq'),
  chiefTrainings: owned('training_attendance', 'chief_id', 'training_id', 'sort_key'),
  chiefPatrols: owned('patrol', 'chief_id', 'id', 'sort_key'),
  attendees: owned('training_attendance', 'training_id', 'chief_id', 'chief_id'),
} satisfies Record<string, ChildListSpec>;
