import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { CaseEvents } from '@sc/cases-contracts';
import { ROSTER_EVENTS, RosterEvents } from '@sc/roster-contracts';
import { CASES_EVENTS } from '@sc/cases-contracts';
import { DELIBERATION_EVENTS } from '@sc/deliberation-contracts';
import { PEOPLE_EVENTS } from '@sc/people-contracts';
import { EventCatalogue } from './asyncapi';

const DOCUMENT = path.resolve(__dirname, '../../../docs/asyncapi/asyncapi.json');

const street = () => {
  const id = randomUUID();
  const { type, data } = RosterEvents.streetCreated.build(id, {
    id,
    kind: 'STREET',
    name: '正街',
    code: null,
    parentId: randomUUID(),
    communityId: randomUUID(),
    sortKey: '01.01',
    actor: 'spec',
  });
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: '/caichang/roster',
    type,
    subject: id,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: data as Record<string, unknown>,
  };
};

describe('EventCatalogue (the AsyncAPI document, parsed with @asyncapi/parser, validated with ajv)', () => {
  let catalogue: EventCatalogue;
  beforeAll(async () => {
    catalogue = await EventCatalogue.load(DOCUMENT);
  });

  it('has a channel for every topic every producer declares, and only those', () => {
    const declared = [ROSTER_EVENTS, PEOPLE_EVENTS, CASES_EVENTS, DELIBERATION_EVENTS].flatMap((p) =>
      p.topics.map((t) => t.name),
    );
    expect([...catalogue.topics].sort()).toEqual([...declared].sort());
  });

  it('accepts an event the producer’s contract built', () => {
    expect(catalogue.validate(RosterEvents.streetCreated.topic ?? '', street())).toEqual({ ok: true });
  });

  it('refuses a missing field, naming it and not its value', () => {
    const event = street();
    delete event.data['sortKey'];
    event.data['name'] = 'SECRET-VALUE';
    const verdict = catalogue.validate(RosterEvents.streetCreated.topic ?? '', event);
    expect(verdict.ok).toBe(false);
    const reason = verdict.ok ? '' : verdict.reason;
    expect(reason).toContain('/data: required sortKey');
    expect(reason).not.toContain('SECRET-VALUE');
  });

  it('refuses an unknown field, a wrong type, a bad enum value and a non-UUID id', () => {
    const extra = street();
    extra.data['nickname'] = 'x';
    const wrongType = street();
    wrongType.data['sortKey'] = 7;
    const badEnum = street();
    badEnum.data['kind'] = 'VILLAGE';
    const badId = { ...street(), id: 'not-a-uuid' };
    const topic = RosterEvents.streetCreated.topic ?? '';
    const reasons = [extra, wrongType, badEnum, badId].map((e) => {
      const v = catalogue.validate(topic, e);
      return v.ok ? 'accepted' : v.reason;
    });
    expect(reasons).toEqual([
      '/data: additionalProperties nickname',
      '/data/sortKey: type',
      '/data/kind: enum',
      '/id: format',
    ]);
  });

  it('refuses a type on a channel that does not carry it, and a channel the document lacks', () => {
    const onCases = catalogue.validate(CaseEvents.caseReported.topic ?? '', street());
    expect(onCases).toEqual({
      ok: false,
      reason: 'the channel caichang.cases.cases.v1 carries no type cn.caichang.roster.street.created.v1',
    });
    expect(catalogue.validate('caichang.nowhere.v1', street())).toEqual({
      ok: false,
      reason: 'the document has no channel caichang.nowhere.v1',
    });
  });

  it('refuses a document that is not AsyncAPI', async () => {
    await expect(EventCatalogue.parse('{"asyncapi":"3.0.0"}')).rejects.toThrow(
      /not a valid AsyncAPI document/,
    );
  });
});
