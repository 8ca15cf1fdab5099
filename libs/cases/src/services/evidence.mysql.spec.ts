import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateDevSigningKey, type Role, StaticKeyResolver, TokenIssuer } from '@sc/auth';
import { createLogger } from '@sc/config';
import { InProcessBus } from '@sc/events';
import { freshMysqlDatabase, TEST_KAFKA_BROKERS, TEST_LOG_LEVEL, type TestDatabase } from '@sc/testing';
import { cases as casesService, type RunningCases } from '../cases.service';
import { stripImageMetadata } from '../domain/image-metadata';
import { GPS_MARKER, jpegWithGps, pngWithGps, webpWithGps } from '../domain/spec-images';
import { CaseEvidence, CaseEvidenceChunk } from '../entities';
import { MAX_EVIDENCE_BYTES } from './evidence.service';
import { fillReadModels, IDS } from './spec-helpers';

const started: { dir: string; running: RunningCases; db?: TestDatabase }[] = [];

async function start(mode: 'real' | 'embedded') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sc-cases-evidence-${mode}-`));
  const db = mode === 'real' ? await freshMysqlDatabase('cases_evidence') : undefined;
  const key = loadOrCreateDevSigningKey(dir);
  const running = await casesService.start({
    env: {
      NODE_ENV: 'test',
      DATA_DIR: dir,
      CASES_HOST: '127.0.0.1',
      CASES_PORT: '0',
      ...(db
        ? {
            CASES_DATABASE_URL: db.url,
            KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
            KAFKA_GROUP_SUFFIX: `.${db.name}`.slice(0, 40),
          }
        : {}),
      CASES_SWEEP_INTERVAL_MS: '3600000',
    },
    logger: createLogger({ service: `cases-evidence-${mode}`, level: TEST_LOG_LEVEL }),
    keyResolver: new StaticKeyResolver([key]),
    ...(db ? {} : { bus: new InProcessBus() }),
  });
  await fillReadModels(running.dataSource);
  started.push({ dir, running, db });
  const issuer = new TokenIssuer(key, {
    issuer: 'street-chief/roster',
    audience: 'street-chief',
    ttlSeconds: 600,
  });
  const token = (subject: string, roles: Role[], scopes: string[]) =>
    issuer.issue({ subject, roles, scopes }).token;
  return {
    running,
    dir,
    resident: token('resident-1', ['RESIDENT'], [`resident:${IDS.resident}`]),
    other: token('resident-2', ['RESIDENT'], [`resident:${IDS.otherResident}`]),
    staff: token('staff-1', ['COMMUNITY_STAFF'], ['community:caichang']),
    county: token('county-1', ['COUNTY_VIEWER'], []),
  };
}

afterAll(async () => {
  for (const s of started) {
    await s.running.close();
    await s.db?.drop();
    fs.rmSync(s.dir, { recursive: true, force: true });
  }
});

const upload = (base: string, body: Buffer, token?: string, type = 'application/octet-stream') =>
  fetch(`${base}/evidence`, {
    method: 'POST',
    headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
const get = (base: string, url: string, token?: string) =>
  fetch(`${base}${url}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const gql = async (base: string, query: string, variables: Record<string, unknown>, token?: string) => {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- GraphQL response data, checked by the assertions
    data?: Record<string, any>;
    errors?: { extensions?: Record<string, unknown> }[];
  };
};

describe('evidence uploads over real HTTP, real mode [starts: a cases service on MariaDB; needs: MariaDB, Kafka]', () => {
  let s: Awaited<ReturnType<typeof start>>;
  let base: string;
  const stored = () => s.running.dataSource.getRepository(CaseEvidence).count();

  beforeAll(async () => {
    s = await start('real');
    base = s.running.url;
  }, 120_000);

  it('refuses what is not an image (415), too big (413), anonymous (401), a county viewer (403); stores nothing', async () => {
    const before = await stored();
    const svg = await upload(
      base,
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
      s.resident,
      'image/jpeg',
    );
    expect(svg.status).toBe(415);
    expect(await svg.json()).toMatchObject({ errors: [{ extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } }] });
    const big = Buffer.concat([jpegWithGps(), Buffer.alloc(MAX_EVIDENCE_BYTES, 0x11)]);
    const tooBig = await upload(base, big, s.resident, 'image/jpeg');
    expect(tooBig.status).toBe(413);
    expect((await upload(base, jpegWithGps(), undefined, 'image/jpeg')).status).toBe(401);
    expect((await upload(base, jpegWithGps(), s.county, 'image/jpeg')).status).toBe(403);
    expect((await upload(base, jpegWithGps(), 'not-a-jwt', 'image/jpeg')).status).toBe(401);
    expect(await stored()).toBe(before);
  });

  it('strips EXIF GPS from JPEG, PNG and WebP before storing (checked in the stored bytes)', async () => {
    for (const [image, type] of [
      [jpegWithGps(200_000), 'image/jpeg'],
      [pngWithGps(), 'image/png'],
      [webpWithGps(), 'image/webp'],
    ] as const) {
      // The declared content type is ignored: the bytes decide.
      const res = await upload(base, image, s.resident, 'application/octet-stream');
      expect(res.status).toBe(201);
      const body = (await res.json()) as { id: string; contentType: string; size: number; url: string };
      expect(body).toMatchObject({ contentType: type, url: `/evidence/${body.id}` });
      const chunks = await s.running.dataSource
        .getRepository(CaseEvidenceChunk)
        .find({ where: { evidenceId: body.id }, order: { seq: 'ASC' } });
      const bytes = Buffer.concat(chunks.map((c) => Buffer.from(c.data)));
      expect(bytes.toString('latin1')).not.toContain(GPS_MARKER);
      expect(bytes.equals(stripImageMetadata(image).bytes)).toBe(true);
      expect(bytes.length).toBe(body.size);
      if (type === 'image/jpeg') expect(chunks.length).toBeGreaterThan(1);
    }
  });

  it('serves a photo to those who see the case, to everyone only when public; attached by id', async () => {
    const up = (await (await upload(base, jpegWithGps(), s.resident)).json()) as { id: string; url: string };
    // Before it is attached: its uploader only.
    expect((await get(base, up.url, s.resident)).status).toBe(200);
    expect((await get(base, up.url, s.other)).status).toBe(404);

    const reported = await gql(
      base,
      `mutation($input: ReportCaseInput!) { reportCase(input: $input) { id evidence { id phase public url } } }`,
      {
        input: {
          channel: 'PLATFORM',
          streetId: IDS.street,
          spot: '正街 23 号门口',
          description: '垃圾堆了三天没人清运',
          itemCode: 'GARBAGE_COLLECTION_LATE',
          evidenceIds: [up.id],
        },
      },
      s.resident,
    );
    expect(reported.errors).toBeUndefined();
    const caseId = reported.data!['reportCase'].id as string;
    expect(reported.data!['reportCase'].evidence).toEqual([
      { id: up.id, phase: 'BEFORE', public: false, url: up.url },
    ]);
    const served = await get(base, up.url, s.resident);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await served.arrayBuffer()).toString('latin1')).not.toContain(GPS_MARKER);
    expect((await get(base, up.url, s.staff)).status).toBe(200);
    expect((await get(base, up.url, s.other)).status).toBe(404);
    expect((await get(base, up.url)).status).toBe(404);
    const publicView = await gql(base, `query($id: ID!) { case(id: $id) { evidence { id } } }`, {
      id: caseId,
    });
    expect(publicView.data!['case'].evidence).toEqual([]);

    // Someone else's photo cannot be attached; the uploader marks own photo public.
    const foreign = (await (await upload(base, pngWithGps(), s.staff)).json()) as { id: string };
    const refused = await gql(
      base,
      `mutation($input: AttachCaseEvidenceInput!) { attachCaseEvidence(input: $input) { id } }`,
      { input: { caseId, evidenceIds: [foreign.id], phase: 'BEFORE' } },
      s.resident,
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.evidenceIds',
    });
    const attached = await gql(
      base,
      `mutation($input: AttachCaseEvidenceInput!) { attachCaseEvidence(input: $input) { evidence { id public } } }`,
      { input: { caseId, evidenceIds: [up.id], phase: 'BEFORE', public: true } },
      s.resident,
    );
    expect(attached.data!['attachCaseEvidence'].evidence).toEqual([{ id: up.id, public: true }]);
    expect((await get(base, up.url)).status).toBe(200);
    expect((await get(base, '/evidence/not-an-id')).status).toBe(404);
  });
});

describe('evidence uploads over real HTTP, embedded mode [starts: a cases service on SQLite]', () => {
  it('stores the stripped photo under the data folder, not in the database', async () => {
    const s = await start('embedded');
    const res = await upload(s.running.url, webpWithGps(), s.staff);
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const file = path.join(s.dir, 'cases-evidence', id);
    expect(fs.readFileSync(file).toString('latin1')).not.toContain(GPS_MARKER);
    expect(await s.running.dataSource.getRepository(CaseEvidenceChunk).countBy({ evidenceId: id })).toBe(0);
    expect(await s.running.dataSource.getRepository(CaseEvidence).findOneByOrFail({ id })).toMatchObject({
      storage: 'FILE',
    });
    const served = await get(s.running.url, `/evidence/${id}`, s.staff);
    expect(Buffer.from(await served.arrayBuffer()).equals(fs.readFileSync(file))).toBe(true);
  }, 60_000);
});
