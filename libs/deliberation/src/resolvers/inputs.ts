import { z } from 'zod';
import { dateTime, id, line, paragraph } from '@sc/graphql';
import { ELECTORATE_KINDS, RULE_PRESETS, THRESHOLD_KINDS } from '../domain/rules';
import { MATTER_KINDS, MATTER_STATES, MEETING_KINDS, SCOPE_KINDS } from '../entities';

export const draftInput = z
  .object({
    title: line(100),
    description: paragraph(5000),
    kind: z.enum(MATTER_KINDS),
    scopeKind: z.enum(SCOPE_KINDS),
    scopeId: id(),
    electorateKind: z.enum(ELECTORATE_KINDS).nullish(),
    rulePreset: z.enum(RULE_PRESETS).nullish(),
    specialMatter: z.boolean().nullish(),
    quorumNum: z.number().int().min(1).max(100).nullish(),
    quorumDen: z.number().int().min(1).max(100).nullish(),
    threshold: z.enum(THRESHOLD_KINDS).nullish(),
    choices: z.array(line(50)).min(2).max(20).nullish(),
    maxSelections: z.number().int().min(1).max(20).nullish(),
    secret: z.boolean().nullish(),
    resultsHidden: z.boolean().nullish(),
    allowProxies: z.boolean().nullish(),
  })
  .refine((v) => !v.quorumNum || !v.quorumDen || v.quorumNum <= v.quorumDen, {
    path: ['quorumNum'],
    message: 'must not exceed quorumDen',
  })
  .transform((v) => {
    const electorateKind = v.electorateKind ?? 'ADULT_RESIDENTS';
    return {
      title: v.title,
      description: v.description,
      kind: v.kind,
      scopeKind: v.scopeKind,
      scopeId: v.scopeId,
      electorateKind,
      rulePreset: v.rulePreset ?? 'RESIDENTS_MEETING',
      specialMatter: v.specialMatter ?? false,
      quorum: v.quorumNum && v.quorumDen ? { num: v.quorumNum, den: v.quorumDen } : null,
      threshold: v.threshold ?? null,
      choices: v.choices ? [...new Set(v.choices)] : null,
      maxSelections: v.maxSelections ?? 1,
      secret: v.secret ?? electorateKind !== 'HOMEOWNERS',
      resultsHidden: v.resultsHidden ?? false,
      allowProxies: v.allowProxies ?? false,
    };
  });

export const matterFilter = z
  .object({
    status: z.enum(MATTER_STATES).nullish(),
    kind: z.enum(MATTER_KINDS).nullish(),
    scopeId: id().nullish(),
  })
  .nullish()
  .transform((f) => ({
    status: f?.status ?? undefined,
    kind: f?.kind ?? undefined,
    scopeId: f?.scopeId ?? undefined,
  }));

export const castInput = z.object({
  matterId: id(),
  choices: z.array(line(50)).min(1).max(20),
  voterId: id()
    .nullish()
    .transform((v) => v ?? null),
});
export const reason = z
  .string()
  .trim()
  .max(500)
  .nullish()
  .transform((r) => r || '—');
export const requiredReason = line(500);
export const closesAt = dateTime();
export const matterId = id();
export const receipt = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits');

export const postOpinionInput = z.object({
  matterId: id(),
  body: paragraph(2000),
  replyTo: id()
    .nullish()
    .transform((v) => v ?? null),
});
export const scheduleMeetingInput = z.object({
  matterId: id(),
  kind: z.enum(MEETING_KINDS),
  startsAt: dateTime(),
  place: line(200),
  agenda: paragraph(5000),
});
export const residentIds = z.array(id()).min(1).max(500);
export const minutes = paragraph(20000);
export const inPersonBallotInput = z.object({
  meetingId: id(),
  residentId: id(),
  choices: z.array(line(50)).min(1).max(20),
});
export const entityId = id();

const evidence = z
  .array(line(500))
  .max(20)
  .nullish()
  .transform((v) => v ?? []);
export const supervisorIds = z.array(id()).max(20);
export const addTaskInput = z.object({
  matterId: id(),
  title: line(200),
  owner: line(100),
  dueAt: dateTime(),
});
export const reportProgressInput = z.object({
  taskId: id(),
  percent: z.number().int().min(0).max(100),
  note: paragraph(2000),
  evidence,
});
export const supervisionNoteInput = z.object({ taskId: id(), note: paragraph(2000), evidence });
