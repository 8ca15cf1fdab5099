import { randomUUID } from 'node:crypto';
import { MAX_ENVELOPE_BYTES } from '@sc/events';
import {
  PeopleSnapshotEvents,
  type SnapshotHouse,
  type SnapshotHousehold,
  type SnapshotResidentV2,
} from '@sc/people-contracts';
import { SNAPSHOT_PART_SIZE } from './snapshot.service';

/**
 * The largest envelope a snapshot part can make, built the way the outbox builds one: every id 36
 * characters, every text as long as its column holds (people's `varchar(20)` relationship and
 * `varchar(50)` 户籍地, utf8mb4) in characters of four UTF-8 bytes each, the longest enum values and
 * the largest numbers, plus a trace context. It must fit the outbox's envelope column (65,535 bytes):
 * the earlier 200 items per part could not (a real county's long place names would have made
 * `publishPeopleSnapshot` fail), and nothing else would have said so before production.
 */
const wide = (chars: number) => '𠀀'.repeat(chars); // U+20000: 4 bytes in UTF-8, 2 UTF-16 units
const envelopeBytes = (type: string, data: unknown) =>
  Buffer.byteLength(
    JSON.stringify({
      specversion: '1.0',
      id: randomUUID(),
      source: '/caichang/people',
      type,
      subject: randomUUID(),
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data,
      traceparent: `00-${'f'.repeat(32)}-${'f'.repeat(16)}-01`,
      tracestate: 'x'.repeat(256),
    }),
    'utf8',
  );
const parts = <T>(item: T) => Array.from({ length: SNAPSHOT_PART_SIZE }, () => item);
const header = { snapshotId: randomUUID(), part: 2_147_483_647 };

describe('snapshot parts fit the outbox at their worst', () => {
  it('residents (v2, the larger of the two versions of a part)', () => {
    const resident: SnapshotResidentV2 = {
      id: randomUUID(),
      status: 'MOVED_OUT',
      birthYear: 2026,
      householdId: randomUUID(),
      relationship: wide(20),
      streetId: randomUUID(),
      courtyardId: randomUUID(),
      version: 2_147_483_647,
      category: 'MIGRANT_LONG_TERM',
      origin: wide(50),
    };
    const bytes = envelopeBytes(PeopleSnapshotEvents.residentsV2.type, {
      ...header,
      residents: parts(resident),
    });
    expect(bytes).toBeLessThanOrEqual(MAX_ENVELOPE_BYTES);
  });

  it('households and houses', () => {
    const household: SnapshotHousehold = {
      id: randomUUID(),
      status: 'DISSOLVED',
      streetId: randomUUID(),
      courtyardId: randomUUID(),
      headResidentId: randomUUID(),
    };
    const house: SnapshotHouse = {
      id: randomUUID(),
      streetId: randomUUID(),
      courtyardId: randomUUID(),
      ownerResidentId: randomUUID(),
      floorArea: 99_999_999.99,
    };
    expect(
      envelopeBytes(PeopleSnapshotEvents.households.type, { ...header, households: parts(household) }),
    ).toBeLessThanOrEqual(MAX_ENVELOPE_BYTES);
    expect(
      envelopeBytes(PeopleSnapshotEvents.houses.type, { ...header, houses: parts(house) }),
    ).toBeLessThanOrEqual(MAX_ENVELOPE_BYTES);
  });
});
