import type { DataSource } from 'typeorm';
import { CAICHANG, stableId } from '@sc/demo';
import { RosterPlace } from '@sc/roster-contracts';

/**
 * Makes the places read model (`roster_place`) know the Caichang demo places, as the roster's seed
 * events would (specs that start people without the roster): addresses name only known places.
 */
export async function knownDemoPlaces(ds: DataSource): Promise<number> {
  const community = stableId('community');
  const rows: RosterPlace[] = [
    {
      id: community,
      kind: 'COMMUNITY',
      name: CAICHANG.name,
      parentId: null,
      communityId: community,
      status: 'ACTIVE',
    },
  ];
  CAICHANG.groups.forEach((group, g) => {
    const groupId = stableId(`group:${g + 1}`);
    rows.push({
      id: groupId,
      kind: 'RESIDENT_GROUP',
      name: group.name,
      parentId: community,
      communityId: community,
      status: 'ACTIVE',
    });
    for (const [street, yards] of group.streets) {
      const streetId = stableId(`street:${street}`);
      rows.push({
        id: streetId,
        kind: 'STREET',
        name: street,
        parentId: groupId,
        communityId: community,
        status: 'ACTIVE',
      });
      for (const yard of yards) {
        rows.push({
          id: stableId(`courtyard:${street}:${yard}`),
          kind: 'COURTYARD',
          name: yard,
          parentId: streetId,
          communityId: community,
          status: 'ACTIVE',
        });
      }
    }
  });
  await ds.getRepository(RosterPlace).upsert(rows, ['id']);
  return rows.length;
}
