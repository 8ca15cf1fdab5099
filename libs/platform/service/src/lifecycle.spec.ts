import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Column, type DataSource, Entity, PrimaryColumn } from 'typeorm';
import { z } from 'zod';
import type { Principal } from '@sc/auth';
import { openDatabase, transaction } from '@sc/db';
import { defineTopic, Outbox, OUTBOX_ENTITIES, OutboxEvent, pendingEvent } from '@sc/events';
import { defineLifecycle } from './lifecycle';

type Status = 'OPEN' | 'DONE' | 'CLOSED';
type Action = 'FINISH' | 'CLOSE' | 'REOPEN';

@Entity({ name: 'ticket' })
class Ticket {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ type: 'varchar', length: 20 }) status!: Status;
  @Column({ type: 'int' }) version!: number;
  @Column({ type: 'varchar', length: 100, nullable: true }) note!: string | null;
}

@Entity({ name: 'ticket_history' })
class TicketHistory {
  @PrimaryColumn({ type: 'varchar', length: 80 }) id!: string;
  @Column({ type: 'varchar', length: 36 }) ticketId!: string;
  @Column({ type: 'varchar', length: 20 }) fromStatus!: string;
  @Column({ type: 'varchar', length: 20 }) toStatus!: string;
  @Column({ type: 'varchar', length: 50 }) actor!: string;
  @Column({ type: 'varchar', length: 200 }) reason!: string;
}

const topic = defineTopic({ name: 'test.tickets.v1', description: 'Tickets.', key: 'ticket id' });
const TicketChanged = topic.event({
  type: 'test.ticket.changed.v1',
  description: 'A ticket changed state.',
  schema: z.object({ id: z.string(), status: z.string() }),
});

const TICKETS = defineLifecycle<Status, Action>({
  noun: 'ticket',
  states: ['OPEN', 'DONE', 'CLOSED'],
  actions: ['FINISH', 'CLOSE', 'REOPEN'],
  transitions: { OPEN: { FINISH: 'DONE' }, DONE: { CLOSE: 'CLOSED', REOPEN: 'OPEN' }, CLOSED: {} },
  roles: { FINISH: ['STREET_CHIEF'], CLOSE: ['RESIDENT'], REOPEN: ['RESIDENT', 'COMMUNITY_STAFF'] },
  verbs: { FINISH: 'finished', CLOSE: 'closed', REOPEN: 'reopened' },
});

const who = (roles: Principal['roles']): Principal => ({
  subject: 'u1',
  roles,
  scopes: [],
  tokenId: 't',
  expiresAt: new Date(Date.now() + 60_000),
});

describe('defineLifecycle', () => {
  it('names the current state in a CONFLICT for an illegal action, and allows the legal ones', () => {
    expect(TICKETS.next('OPEN', 'FINISH')).toBe('DONE');
    expect(() => TICKETS.next('CLOSED', 'REOPEN')).toThrow(
      expect.objectContaining({
        message: 'A ticket in state CLOSED cannot be reopened',
        extensions: expect.objectContaining({ code: 'CONFLICT', currentState: 'CLOSED', action: 'REOPEN' }),
      }),
    );
    expect(TICKETS.allows('DONE', 'CLOSE')).toBe(true);
    expect(TICKETS.allows('OPEN', 'CLOSE')).toBe(false);
  });

  it('lists every (state, action) pair with its outcome', () => {
    const table = TICKETS.table();
    expect(table).toHaveLength(9);
    expect(table.filter((r) => r.next !== null)).toEqual([
      { state: 'OPEN', action: 'FINISH', next: 'DONE' },
      { state: 'DONE', action: 'CLOSE', next: 'CLOSED' },
      { state: 'DONE', action: 'REOPEN', next: 'OPEN' },
    ]);
  });

  it('checks roles per action; ADMIN may take every action', () => {
    expect(TICKETS.requireActor(who(['STREET_CHIEF']), 'FINISH').subject).toBe('u1');
    expect(() => TICKETS.requireActor(who(['RESIDENT']), 'FINISH')).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
    );
    expect(() => TICKETS.requireActor(null, 'FINISH')).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
    );
    expect(TICKETS.mayTake(who(['ADMIN']), 'CLOSE')).toBe(true);
  });

  describe('transition [starts: an embedded SQLite database]', () => {
    let dir: string;
    let ds: DataSource;
    const outbox = new Outbox({ source: '/test' });
    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-lifecycle-'));
      ds = await openDatabase({
        url: `sqljs:${dir}/t.sqlite`,
        entities: [Ticket, TicketHistory, ...OUTBOX_ENTITIES],
        migrations: [],
      });
      await ds.getRepository(Ticket).insert({ id: 't1', status: 'OPEN', version: 1, note: null });
    });
    afterAll(async () => {
      await ds.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const finish = (expectedVersion?: number) =>
      transaction(ds, (m) =>
        TICKETS.transition(m, {
          entity: Ticket,
          id: 't1',
          action: 'FINISH',
          actor: 'u1',
          reason: 'fixed',
          expectedVersion,
          outbox,
          apply: (_m, _row, next) => ({
            changes: { note: 'done by u1' },
            event: pendingEvent(TicketChanged, { id: 't1', status: next }),
          }),
          history: (row, from, to) => ({
            entity: TicketHistory,
            row: {
              id: `${row.id}:${row.version}`,
              ticketId: row.id,
              fromStatus: from,
              toStatus: to,
              actor: 'u1',
              reason: 'fixed',
            },
          }),
        }),
      );

    it('refuses a stale version before anything is written', async () => {
      await expect(finish(7)).rejects.toMatchObject({
        extensions: { code: 'CONFLICT', currentState: 'OPEN', currentVersion: 1 },
      });
      expect(await ds.getRepository(TicketHistory).count()).toBe(0);
      expect(await ds.getRepository(OutboxEvent).count()).toBe(0);
    });

    it('changes the state, bumps the version and writes one history row and one event', async () => {
      const updated = await finish(1);
      expect(updated).toMatchObject({ status: 'DONE', version: 2, note: 'done by u1' });
      expect(await ds.getRepository(Ticket).findOneByOrFail({ id: 't1' })).toMatchObject({
        status: 'DONE',
        version: 2,
        note: 'done by u1',
      });
      expect(await ds.getRepository(TicketHistory).find()).toEqual([
        { id: 't1:2', ticketId: 't1', fromStatus: 'OPEN', toStatus: 'DONE', actor: 'u1', reason: 'fixed' },
      ]);
      const events = await ds.getRepository(OutboxEvent).find();
      expect(events.map((e) => [e.topic, e.type, e.aggregateId])).toEqual([
        ['test.tickets.v1', 'test.ticket.changed.v1', 't1'],
      ]);
    });

    it('answers an illegal transition with CONFLICT and writes nothing', async () => {
      await expect(finish()).rejects.toMatchObject({
        extensions: { code: 'CONFLICT', currentState: 'DONE' },
      });
      expect(await ds.getRepository(TicketHistory).count()).toBe(1);
      expect(await ds.getRepository(OutboxEvent).count()).toBe(1);
    });

    it('is NOT_FOUND for a missing row', async () => {
      await expect(
        transaction(ds, (m) =>
          TICKETS.transition(m, {
            entity: Ticket,
            id: 'nope',
            action: 'FINISH',
            actor: 'u1',
            reason: 'x',
            outbox,
            history: () => ({ entity: TicketHistory, row: {} }),
          }),
        ),
      ).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    });
  });
});
