/**
 * The caller's view scope, as the people service's access rules (services/access.ts) resolve it and
 * the repositories apply it in SQL. Pure data: no service or database code here.
 */

/**
 * Which residents (and households) a caller may see, and so see whole:
 * - `all`: ADMIN, or COMMUNITY_STAFF holding `community:<code>` of this deployment;
 * - `places`: a STREET_CHIEF, limited to the streets and courtyards of the grids in the token
 *   (`grid:<id>` scopes, resolved through the grid read model);
 * - `self`: a RESIDENT with `resident:<id>`: own record only;
 * - `none`: everyone else (TOWN_OFFICER, COUNTY_VIEWER, staff of another community…).
 */
export type ViewScope =
  | { kind: 'all' }
  | { kind: 'places'; streetIds: string[]; courtyardIds: string[] }
  | { kind: 'self'; residentId: string }
  | { kind: 'none' };

/** Where a record sits, for the scope check. */
export interface Placed {
  id?: string;
  streetId: string | null;
  courtyardId: string | null;
}

/** True when the record is inside the scope (for a household, `id` is not a resident id). */
export function inScope(scope: ViewScope, record: Placed, residentId?: string): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'none':
      return false;
    case 'self':
      return residentId !== undefined && residentId === scope.residentId;
    case 'places':
      return (
        (record.streetId !== null && scope.streetIds.includes(record.streetId)) ||
        (record.courtyardId !== null && scope.courtyardIds.includes(record.courtyardId))
      );
  }
}
