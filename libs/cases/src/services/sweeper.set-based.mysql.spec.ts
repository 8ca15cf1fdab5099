import { CaseEvents } from '@sc/cases-contracts';
import { type CloudEvent, OutboxEvent } from '@sc/events';
import { freshMysqlDatabase, type TestDatabase } from '@sc/testing';
import { contributions, delta, LEDGER_COUNTERS, type Contributions } from '../domain/ledger';
import { OPEN_STATES } from '../domain/lifecycle';
import { CaseLedgerCell, CaseRecord } from '../entities';
import { snapshotOf } from './case.service';
import { casesFixture, IDS, report, RESIDENT, STAFF, type CasesFixture } from './spec-helpers';
import { CaseSweeper } from './sweeper';

type Deadline = 'RESPOND' | 'RESOLVE';
interface Expected {
  type: string;
  subject: string;
  data: Record<string, unknown>;
}

/**
 * The row-by-row sweep's rules, in JS, as the reference the set-based statements must match: which
 * cases each mark applies to (in the sweep's order), the event each gets (`snapshotOf` after the
 * change), and the ledger delta (`delta(before, after)`).
 */
function reference(rows: CaseRecord[], now: Date) {
  const after = new Map(rows.map((c) => [c.id, { ...c }]));
  const events: Expected[] = [];
  const ledger: Contributions = new Map();
  const open = (c: CaseRecord) => OPEN_STATES.includes(c.status);
  const marks: [kind: 'DUE_SOON' | 'OVERDUE', Deadline][] = [
    ['DUE_SOON', 'RESPOND'],
    ['DUE_SOON', 'RESOLVE'],
    ['OVERDUE', 'RESPOND'],
    ['OVERDUE', 'RESOLVE'],
  ];
  for (const [kind, deadline] of marks) {
    for (const c of after.values()) {
      const dueAt = deadline === 'RESPOND' ? c.respondDueAt : c.resolveDueAt;
      const warnAt = deadline === 'RESPOND' ? c.respondWarnAt : c.resolveWarnAt;
      if (!open(c) || !dueAt) continue;
      if (deadline === 'RESPOND' && c.respondedAt !== null) continue;
      let changes: Partial<CaseRecord>;
      if (kind === 'DUE_SOON') {
        if (!warnAt || warnAt > now || dueAt <= now) continue;
        if (deadline === 'RESPOND' ? c.respondWarned : c.resolveWarned) continue;
        changes = deadline === 'RESPOND' ? { respondWarned: true } : { resolveWarned: true };
      } else {
        if (dueAt >= now) continue;
        if (deadline === 'RESPOND' ? c.respondOverdue : c.resolveOverdue) continue;
        changes = deadline === 'RESPOND' ? { respondOverdue: true } : { resolveOverdue: true };
      }
      const before = { ...c };
      Object.assign(c, changes);
      for (const [key, counters] of delta(before, c)) {
        let cell = ledger.get(key);
        if (!cell) ledger.set(key, (cell = new Map<string, number>()));
        for (const [k, v] of counters) cell.set(k, (cell.get(k) ?? 0) + v);
      }
      events.push({
        type: (kind === 'OVERDUE' ? CaseEvents.caseOverdue : CaseEvents.caseDueSoon).type,
        subject: c.id,
        data: {
          ...snapshotOf(c, c.status, 'SWEEP', now, 'system'),
          deadline,
          dueAt: dueAt.toISOString(),
        },
      });
    }
  }
  return { after: [...after.values()], events, ledger };
}

const norm = (m: Contributions) =>
  Object.fromEntries(
    [...m]
      .map(([k, v]) => [k, Object.fromEntries([...v].filter(([, x]) => x !== 0).sort())] as const)
      .filter(([, v]) => Object.keys(v).length > 0)
      .sort(([a], [b]) => a.localeCompare(b)),
  );

async function storedLedger(f: CasesFixture): Promise<Contributions> {
  const out: Contributions = new Map();
  for (const row of await f.ds.getRepository(CaseLedgerCell).find()) {
    const key = `${row.scopeKind}|${row.scopeId}|${row.categoryCode}|${row.itemCode}|${row.month}`;
    const cell = new Map<string, number>();
    for (const c of LEDGER_COUNTERS) if (Number(row[c]) !== 0) cell.set(c, Number(row[c]));
    out.set(key, cell);
  }
  return out;
}

function sum(into: Contributions, from: Contributions): Contributions {
  const out: Contributions = new Map([...into].map(([k, v]) => [k, new Map(v)]));
  for (const [key, counters] of from) {
    let cell = out.get(key);
    if (!cell) out.set(key, (cell = new Map<string, number>()));
    for (const [k, v] of counters) cell.set(k, (cell.get(k) ?? 0) + v);
  }
  return out;
}

describe.each([
  ['SQLite (embedded)', false],
  ['MariaDB', true],
])(
  'the set-based sweep on %s gives the rows, events and ledger of the row-by-row rules [needs: MariaDB]',
  (_, mysql) => {
    let db: TestDatabase | undefined;
    let f: CasesFixture;
    let sweeper: CaseSweeper;
    beforeAll(async () => {
      db = mysql ? await freshMysqlDatabase('cases_sweep_sets') : undefined;
      f = await casesFixture(db?.url);
      // Passes of 5 candidates in chunks of 2 (2, 2, 1), two chunks at once on MariaDB: the 11 open
      // cases take three passes and six transactions per mark.
      sweeper = new CaseSweeper(f.ds, f.outbox, f.cases, f.taxonomy, f.ledger, {
        escalateAfterWorkingDays: 2,
        autoCloseDays: 7,
        chunk: 2,
        pass: 5,
        workers: 2,
      });
    }, 60_000);
    afterAll(async () => {
      await f?.close();
      await db?.drop();
    });

    const sweepAndCompare = async (now: Date, expectMarks: number) => {
      const before = await f.ds.getRepository(CaseRecord).find({ order: { id: 'ASC' } });
      const ledgerBefore = await storedLedger(f);
      const seqBefore = Number(
        (await f.ds.getRepository(OutboxEvent).find({ order: { seq: 'DESC' }, take: 1 }))[0]?.seq ?? 0,
      );
      const expected = reference(before, now);
      expect(expected.events).toHaveLength(expectMarks);

      const result = await sweeper.sweep(now);
      expect(
        result.respondDueSoon + result.resolveDueSoon + result.respondOverdue + result.resolveOverdue,
      ).toBe(expectMarks);

      // Rows: exactly the flags of the reference changed, nothing else.
      const rows = await f.ds.getRepository(CaseRecord).find({ order: { id: 'ASC' } });
      expect(rows).toEqual(expected.after.sort((a, b) => (a.id < b.id ? -1 : 1)));

      // Events: the same types, subjects and data, valid under the contract, one id each.
      const written = (await f.ds.getRepository(OutboxEvent).find({ order: { seq: 'ASC' } })).filter(
        (e) => Number(e.seq) > seqBefore,
      );
      const envelopes = written.map((e) => JSON.parse(e.envelope) as CloudEvent<Record<string, unknown>>);
      for (const [i, e] of envelopes.entries()) {
        const contract =
          e.type === CaseEvents.caseOverdue.type ? CaseEvents.caseOverdue : CaseEvents.caseDueSoon;
        expect(() => contract.parse(e)).not.toThrow();
        expect(e).toMatchObject({
          specversion: '1.0',
          id: written[i]!.id,
          source: f.outbox.eventSource,
          subject: written[i]!.aggregateId,
          time: now.toISOString(),
          datacontenttype: 'application/json',
        });
        expect(written[i]!.topic).toBe(contract.topic);
        expect(written[i]!.type).toBe(e.type);
      }
      expect(new Set(written.map((e) => e.id)).size).toBe(written.length);
      const key = (e: { type: string; subject: string; data: Record<string, unknown> }) =>
        `${e.type} ${String(e.data['deadline'])} ${e.subject}`;
      expect(
        envelopes
          .map((e) => ({ type: e.type, subject: e.subject ?? '', data: e.data }))
          .sort((a, b) => key(a).localeCompare(key(b))),
      ).toEqual([...expected.events].sort((a, b) => key(a).localeCompare(key(b))));
      // In the sweep's order of marks (due-soon before overdue, respond before resolve).
      const order = envelopes.map((e) => `${e.type}:${String(e.data?.['deadline'])}`);
      expect(order).toEqual(expected.events.map((e) => `${e.type}:${String(e.data['deadline'])}`));

      // Ledger: what it was plus the reference's deltas, and equal to the recomputation from the cases.
      const ledgerAfter = await storedLedger(f);
      expect(norm(ledgerAfter)).toEqual(norm(sum(ledgerBefore, expected.ledger)));
      const recomputed = rows.reduce<Contributions>((acc, c) => sum(acc, contributions(c)), new Map());
      expect(norm(ledgerAfter)).toEqual(norm(recomputed));

      // Once: a second sweep at the same time marks nothing.
      const again = await sweeper.sweep(now);
      expect(again).toMatchObject({
        respondDueSoon: 0,
        resolveDueSoon: 0,
        respondOverdue: 0,
        resolveOverdue: 0,
      });
    };

    it('warns, marks respond and resolve overdue in chunks, with the ledger’s overdue-now once per case', async () => {
      // Monday 2026-11-30 10:00 China time. Sanitation: respond 24 h, resolve 3 working days.
      f.clock.now = new Date('2026-11-30T02:00:00.000Z');
      const accepted = async (over: Record<string, unknown> = {}) => {
        const c = await f.cases.report(f.request(RESIDENT), report(over));
        return f.cases.accept(f.request(STAFF), { id: c.id, version: c.version });
      };
      for (let i = 0; i < 6; i++) await accepted({ spot: `正街 ${i} 号` });
      for (let i = 0; i < 4; i++) {
        const c = await accepted({ spot: `正街 ${10 + i} 号` });
        await f.cases.assign(f.request(STAFF), { id: c.id, version: c.version }); // to the grid's chief
      }
      await accepted({ streetId: IDS.uncoveredStreet, spot: '新街 1 号' }); // no grid
      const rejected = await accepted({ spot: '正街 99 号' });
      await f.cases.reject(f.request(STAFF), {
        id: rejected.id,
        version: rejected.version,
        reason: '不属实',
      });
      await f.cases.report(f.request(RESIDENT), report({ spot: '未受理' })); // no deadlines yet

      // 20 h: the unanswered ones (6 + uncovered) are due soon for their response.
      await sweepAndCompare(new Date('2026-11-30T22:00:00.000Z'), 7);
      // 25 h: their response is late.
      await sweepAndCompare(new Date('2026-12-01T03:00:00.000Z'), 7);
      // Thursday: 80 % of the resolve time used by all 11 open cases.
      await sweepAndCompare(new Date('2026-12-03T10:00:00.000Z'), 11);
      // Friday: past the resolve deadline; the 4 answered ones become overdue now (ledger +1), the
      // others already were.
      await sweepAndCompare(new Date('2026-12-04T01:00:00.000Z'), 11);
    }, 60_000);
  },
);
