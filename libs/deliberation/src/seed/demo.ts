import type { DataSource } from 'typeorm';
import type { Principal } from '@sc/auth';
import type { Logger } from '@sc/config';
import { demoGridId, stableId } from '@sc/demo';
import { hasSnapshot, PeopleVoter } from '@sc/people-contracts';
import { GridPlace, RosterPlace } from '@sc/roster-contracts';
import { ElectorateMember, Matter } from '../entities';
import type { DiscussionService } from '../services/discussion.service';
import type { ImplementationService } from '../services/implementation.service';
import type { DraftInput, MatterService } from '../services/matter.service';

const DAY = 86_400_000;
const WAIT_MS = 60_000;

const principal = (subject: string, roles: Principal['roles'], scopes: string[] = []): Principal => ({
  subject,
  roles,
  scopes,
  tokenId: `seed-${subject}`,
  expiresAt: new Date(Date.now() + DAY),
});
const STAFF = { principal: principal('demo-seed', ['COMMUNITY_STAFF'], ['community:caichang']) };
/** The chief of the demo grid holding 正街 (a chief writes in own grid only, ADR 0047). */
const GRID = demoGridId(1);
const CHIEF = { principal: principal('demo-seed-chief', ['STREET_CHIEF'], [`grid:${GRID}`]) };
const resident = (id: string) => ({
  principal: principal(`resident-${id}`, ['RESIDENT'], [`resident:${id}`]),
});

/**
 * Caichang's demo matters (issue 12): a parking-space allocation vote on 正街, open now; a cleaning-fee
 * matter adopted and implementing; a courtyard's 红白喜事 rules adopted and implemented; a matter that missed
 * quorum. Electorates come from the people read model, so the seed first waits for people's snapshot
 * (embedded mode: published by people's seed just before). Ballots of the closed votes are cast by the
 * seed for demo residents; the open vote has none. Runs once (skipped when any matter exists).
 */
export async function seedDemoMatters(
  ds: DataSource,
  matters: MatterService,
  logger: Logger,
  clock: () => Date,
  extras?: { discussion: DiscussionService; implementation: ImplementationService },
): Promise<unknown> {
  if ((await ds.getRepository(Matter).count({ take: 1 })) > 0) return null;
  const deadline = Date.now() + WAIT_MS;
  const street = stableId('street:正街');
  let announced = false;
  while (
    !(await hasSnapshot(ds.manager)) ||
    !(await ds.getRepository(RosterPlace).existsBy({ id: street })) ||
    !(await ds.getRepository(GridPlace).existsBy({ gridId: GRID, placeId: street }))
  ) {
    if (Date.now() > deadline) {
      logger.warn(
        { waitedMs: WAIT_MS, snapshot: await hasSnapshot(ds.manager), street, grid: GRID },
        'no people snapshot, roster places or grids arrived: the demo matters were not seeded',
      );
      return null;
    }
    if (!announced) {
      announced = true;
      logger.info(
        { waitForMs: WAIT_MS, street },
        "demo seed waits for people's snapshot (caichang.people.snapshots.v1) and the roster's places and grids",
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const courtyards = await ds.getRepository(RosterPlace).find({
    where: { kind: 'COURTYARD', status: 'ACTIVE', parentId: street },
    order: { id: 'ASC' },
    take: 3,
  });
  const [c1, c2, c3] = courtyards;
  if (!c1 || !c2 || !c3) {
    logger.warn('the demo street has fewer than three courtyards: the demo matters were not seeded');
    return null;
  }
  const base: Omit<DraftInput, 'title' | 'description' | 'kind' | 'scopeKind' | 'scopeId'> = {
    electorateKind: 'HOUSEHOLDS',
    rulePreset: 'RESIDENTS_MEETING',
    specialMatter: false,
    quorum: null,
    threshold: null,
    choices: null,
    maxSelections: 1,
    secret: true,
    resultsHidden: false,
  };
  const later = () => new Date(clock().getTime() + 14 * DAY);

  // 1. Parking on 正街: open now.
  const parking = await matters.draft(STAFF, {
    ...base,
    title: '正街停车位分配方案',
    description: '正街沿街停车位按户轮换分配, 每户每季度一个车位, 电动车充电位另行划定。',
    kind: 'PARKING',
    scopeKind: 'STREET',
    scopeId: street,
    resultsHidden: true,
  });
  await matters.move(STAFF, parking.id, 'openDiscussion', '院落会、街区会征求意见');
  await matters.openVoting(STAFF, parking.id, later(), '街区会讨论后付诸表决');
  const casters = async (matterId: string) =>
    (
      await ds
        .getRepository(ElectorateMember)
        .find({ where: { matterId }, order: { voterId: 'ASC' }, take: 3 })
    )
      .map((e) => e.casterResidentId)
      .filter((c): c is string => c !== null);
  if (extras) {
    // Opinions and a street meeting on the open vote (民议).
    const [a, b] = await casters(parking.id);
    if (a && b) {
      const first = await extras.discussion.postOpinion(resident(a), {
        matterId: parking.id,
        body: '建议按户轮换, 老人和残疾人家庭优先靠近院门的车位。',
        replyTo: null,
      });
      await extras.discussion.postOpinion(resident(b), {
        matterId: parking.id,
        body: '同意轮换, 外来车辆夜间停放另行收费。',
        replyTo: first.id,
      });
    }
    await extras.discussion.scheduleMeeting(CHIEF, {
      matterId: parking.id,
      kind: 'STREET',
      startsAt: new Date(clock().getTime() + 3 * DAY),
      place: '正街社区活动室',
      agenda: '停车位分配方案说明与现场投票',
    });
  }

  // 2. Cleaning fee: adopted, implementing.
  const cleaning = await closedVote(
    matters,
    ds,
    STAFF,
    {
      ...base,
      title: `${c1.name}保洁费收取标准`,
      description: '院落保洁每户每月10元, 由院落居民代表监督使用, 每季度公示收支。',
      kind: 'CLEANING',
      scopeKind: 'COURTYARD',
      scopeId: c1.id,
    },
    0.8,
    0.9,
  );
  if (extras) {
    // Supervisors at adoption: the chief and a resident representative (共治).
    const [rep] = await casters(cleaning.id);
    await extras.implementation.chooseSupervisors(CHIEF, cleaning.id, rep ? [rep] : []);
  }
  await matters.move(STAFF, cleaning.id, 'startImplementing', '聘请保洁员, 居民代表监督');
  if (extras) {
    const hire = await extras.implementation.addTask(CHIEF, {
      matterId: cleaning.id,
      title: '聘请保洁员并签订协议',
      owner: '院落居民代表',
      dueAt: new Date(clock().getTime() + 7 * DAY),
    });
    await extras.implementation.addTask(STAFF, {
      matterId: cleaning.id,
      title: '每季度公示保洁费收支',
      owner: '社区居委会',
      dueAt: new Date(clock().getTime() + 90 * DAY),
    });
    await extras.implementation.reportProgress(CHIEF, {
      taskId: hire.id,
      percent: 60,
      note: '已面试两名保洁员, 协议草拟中',
      evidence: [],
    });
  }

  // 3. 红白喜事 rules: adopted, implemented.
  const rules = await closedVote(
    matters,
    ds,
    STAFF,
    {
      ...base,
      title: `${c2.name}红白喜事简办公约`,
      description: '红白喜事提倡简办, 宴席不超过10桌, 不占道搭棚, 由红白理事会协助操办。',
      kind: 'WEDDINGS_FUNERALS',
      scopeKind: 'COURTYARD',
      scopeId: c2.id,
      rulePreset: 'RULES_OF_CONDUCT',
    },
    0.9,
    0.85,
  );
  await matters.move(STAFF, rules.id, 'startImplementing', '公约张贴于院落公示栏');
  await matters.move(STAFF, rules.id, 'completeImplementation', '公约已执行, 红白理事会备案');

  // 4. Missed quorum.
  await closedVote(
    matters,
    ds,
    STAFF,
    {
      ...base,
      title: `${c3.name}加装院门门禁`,
      description: '院落入口加装门禁系统, 费用由住户分摊。',
      kind: 'PUBLIC_WORKS',
      scopeKind: 'COURTYARD',
      scopeId: c3.id,
    },
    0.2,
    1,
  );
  const voters = await ds.getRepository(PeopleVoter).count();
  logger.info({ matters: 4, voters }, 'seeded the Caichang demo matters');
  return { matters: 4 };
}

/** Drafts, discusses, opens, lets a share of the electorate vote (a share of them FOR) and closes. */
async function closedVote(
  matters: MatterService,
  ds: DataSource,
  staff: typeof STAFF,
  input: DraftInput,
  turnout: number,
  forShare: number,
): Promise<Matter> {
  const matter = await matters.draft(staff, input);
  await matters.move(staff, matter.id, 'openDiscussion', '院落会征求意见');
  await matters.openVoting(staff, matter.id, new Date(Date.now() + 7 * 86_400_000), '院落会后表决');
  const members = await ds
    .getRepository(ElectorateMember)
    .find({ where: { matterId: matter.id }, order: { voterId: 'ASC' } });
  const casters = members.map((e) => e.casterResidentId).filter((c): c is string => c !== null);
  const voting = casters.slice(0, Math.round(casters.length * turnout));
  for (const [i, c] of voting.entries()) {
    await matters.castBallot(resident(c), matter.id, [i < voting.length * forShare ? 'FOR' : 'AGAINST']);
  }
  return matters.closeVote(staff, matter.id, '表决结束');
}
