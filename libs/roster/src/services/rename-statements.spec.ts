import type { BeforeQueryEvent, DataSource, EntitySubscriberInterface } from 'typeorm';
import { ReadGeneration } from '@sc/db';
import { stableId } from '../seed/caichang';
import { caller, ROSTER_DATABASES, type RosterServices } from './spec-helpers';

const admin = caller(['ADMIN'], 'admin-1');

/** Every statement the data source runs while `recording` is on (a TypeORM subscriber). */
class StatementLog implements EntitySubscriberInterface {
  recording = false;
  readonly statements: string[] = [];
  beforeQuery(event: BeforeQueryEvent<unknown>): void {
    if (this.recording) this.statements.push(event.query.replace(/\s+/g, ' ').slice(0, 60));
  }
}

/**
 * The statements of a rename, counted (ADR 0052 keeps a table of them): a regression here is a
 * regression of the write path's throughput, so the counts are pinned. MariaDB has the isolation
 * statement, the row locks and the refresh lock that SQLite (one writer at a time) does without.
 * With the read generation installed as the service installs it (its bump is one of them).
 */
describe.each(ROSTER_DATABASES)('the statements of a rename on %s', (database, seeded) => {
  const mysql = database.startsWith('MariaDB');
  let ds: DataSource;
  let services: RosterServices;
  let close: () => Promise<void>;
  const log = new StatementLog();

  beforeAll(async () => {
    ({ ds, services, close } = await seeded());
    await new ReadGeneration(ds, {
      ignoreTables: ['login_throttle', 'refresh_token', 'signboard_refresh', 'signboard_refresh_lock'],
    }).install();
    ds.subscribers.push(log);
  });
  afterAll(async () => close?.());

  const counted = async (work: () => Promise<unknown>) => {
    log.statements.length = 0;
    log.recording = true;
    try {
      await work();
    } finally {
      log.recording = false;
    }
    return [...log.statements];
  };

  it('a courtyard no board shows: lock, update, event, board check, bump, commit', async () => {
    const statements = await counted(() =>
      services.places.rename(admin, 'COURTYARD', stableId('courtyard:正街:粮站院'), '粮站院·数'),
    );
    expect(statements).toHaveLength(mysql ? 8 : 7);
  });

  it('a street: its transaction, then one refresh pass with one UPDATE for all its boards', async () => {
    const statements = await counted(() =>
      services.places.rename(admin, 'STREET', stableId('street:正街'), '正街·数'),
    );
    expect(statements.filter((s) => s.startsWith('UPDATE signboard '))).toHaveLength(1);
    // 9 (8) in the rename's transaction, 15 (13) in the pass: its boards go out of date here, so one
    // multi-row insert of their events is among them.
    expect(statements.filter((s) => s.startsWith('INSERT INTO outbox_event'))).toHaveLength(2);
    expect(statements).toHaveLength(mysql ? 24 : 21);
  });
});
