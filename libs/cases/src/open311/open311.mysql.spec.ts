import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { loadOrCreateDevSigningKey, type Role, StaticKeyResolver, TokenIssuer } from '@sc/auth';
import { createLogger } from '@sc/config';
import { freshMysqlDatabase, TEST_KAFKA_BROKERS, TEST_LOG_LEVEL, type TestDatabase } from '@sc/testing';
import { cases as casesService, type RunningCases } from '../cases.service';
import { TAXONOMY } from '../domain/taxonomy';
import { Open311Client, Open311Request } from '../entities';
import { fillReadModels, IDS } from '../services/spec-helpers';
import { OPEN311_PATH } from './open311.routes';
import {
  discoverySchema,
  errorsSchema,
  OPEN311_SCHEMAS,
  postResponseSchema,
  requestsSchema,
  serviceDefinitionSchema,
  servicesSchema,
} from './schemas';
import { parseXml, type XmlElement } from './xml';

/**
 * Open311 GeoReport v2 conformance: the real cases service on MariaDB (and Kafka for its outbox),
 * spoken to over real HTTP only; every answer validated with ajv against the schemas written from
 * the spec's field tables, the XML parsed, every refusal in the spec's error format.
 */

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
for (const schema of OPEN311_SCHEMAS) ajv.addSchema(schema);
const valid = (schema: { $id: string }, body: unknown) => {
  const validate = ajv.getSchema(schema.$id);
  if (!validate) throw new Error(`no schema ${schema.$id}`);
  const ok = validate(body);
  return ok ? 'valid' : ajv.errorsText(validate.errors, { separator: '\n' });
};

const POSTER = {
  email: 'wang.xiaohong@example.cn',
  first_name: '小红',
  last_name: '王',
  phone: '13912345678',
};
const ITEMS = TAXONOMY.flatMap((c) => c.items);

/** Every body the endpoint answered, for the personal-data search at the end. */
const bodies: string[] = [];

let dir: string;
let db: TestDatabase;
let running: RunningCases;
let base: string;
let admin: string;
let staff: string;

async function http(
  url: string,
  init: { method?: string; body?: string; type?: string; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${base}${url}`, {
    method: init.method ?? 'GET',
    headers: { ...(init.type ? { 'content-type': init.type } : {}), ...init.headers },
    body: init.body,
  });
  const text = await res.text();
  bodies.push(text);
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

const get = (resource: string) => http(`${OPEN311_PATH}/${resource}`);
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const post = (fields: Record<string, string>, format = 'json') =>
  http(`${OPEN311_PATH}/requests.${format}`, {
    method: 'POST',
    type: 'application/x-www-form-urlencoded',
    body: form(fields),
  });

async function gql(query: string, variables: Record<string, unknown>, token?: string) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- GraphQL response data, checked by the assertions
    data?: Record<string, any>;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
}

const CREATE = `mutation($input: CreateOpen311ClientInput!) {
  createOpen311Client(input: $input) { apiKey client { id name keyPrefix ratePerMinute revokedAt } } }`;

async function newClient(name: string, ratePerMinute?: number) {
  const r = await gql(CREATE, { input: { name, ...(ratePerMinute ? { ratePerMinute } : {}) } }, admin);
  expect(r.errors).toBeUndefined();
  return r.data?.['createOpen311Client'] as { apiKey: string; client: { id: string; keyPrefix: string } };
}

/** Asserts a refusal: the status, the spec's error list (valid), a description naming `mentions`. */
async function refused(
  p: Promise<{ status: number; json: () => unknown; text: string; headers: Headers }>,
  status: number,
  mentions: string,
) {
  const r = await p;
  expect({ status: r.status, body: r.text }).toMatchObject({ status });
  const body = r.json();
  expect(valid(errorsSchema, body)).toBe('valid');
  const [error] = body as { code: number; description: string }[];
  expect(error?.code).toBe(status);
  expect(error?.description).toContain(mentions);
  return r;
}

const report = (over: Record<string, string> = {}) => ({
  service_code: 'GARBAGE_COLLECTION_LATE',
  'attribute[street]': IDS.street,
  'attribute[courtyard]': IDS.courtyard,
  lat: '30.5872',
  long: '103.5223',
  address_string: '供销社院门口',
  description: '垃圾堆了三天没人清运',
  ...POSTER,
  ...over,
});

/** The named child element (the spec fails when it is missing). */
const child = (e: XmlElement, name: string): XmlElement => {
  const found = e.children.find((c) => c.name === name);
  if (!found) throw new Error(`<${e.name}> has no <${name}>`);
  return found;
};
/** The first child element. */
const first = (e: XmlElement): XmlElement => {
  const [found] = e.children;
  if (!found) throw new Error(`<${e.name}> is empty`);
  return found;
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-cases-open311-'));
  db = await freshMysqlDatabase('cases_open311');
  const key = loadOrCreateDevSigningKey(dir);
  running = await casesService.start({
    env: {
      NODE_ENV: 'test',
      DATA_DIR: dir,
      CASES_HOST: '127.0.0.1',
      CASES_PORT: '0',
      CASES_DATABASE_URL: db.url,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
      KAFKA_GROUP_SUFFIX: `.${db.name}`.slice(0, 40),
      // Topics of this spec only: the roster places other specs publish on the shared broker must not
      // reach this service's read model (the street list of a definition is checked exactly).
      KAFKA_TOPIC_PREFIX: `sc-test.${db.name}.`.slice(0, 60),
      CASES_SWEEP_INTERVAL_MS: '3600000',
    },
    logger: createLogger({ service: 'cases-open311', level: TEST_LOG_LEVEL }),
    keyResolver: new StaticKeyResolver([key]),
  });
  await fillReadModels(running.dataSource);
  base = running.url;
  const issuer = new TokenIssuer(key, {
    issuer: 'street-chief/roster',
    audience: 'street-chief',
    ttlSeconds: 600,
  });
  const token = (subject: string, roles: Role[], scopes: string[]) =>
    issuer.issue({ subject, roles, scopes }).token;
  admin = token('admin-1', ['ADMIN'], []);
  staff = token('staff-1', ['COMMUNITY_STAFF'], ['community:caichang']);
}, 120_000);

afterAll(async () => {
  await running?.close();
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('Open311 GeoReport v2 on the cases service [starts: a cases service on MariaDB; needs: MariaDB, Kafka]', () => {
  let key: string;
  let filed: string;

  it('announces itself (discovery.json / .xml) with its own URL and both formats', async () => {
    const r = await get('discovery.json');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const body = r.json() as { endpoints: { url: string; formats: string[] }[] };
    expect(valid(discoverySchema, body)).toBe('valid');
    expect(body.endpoints[0]?.url).toBe(`${base.replace('127.0.0.1', '127.0.0.1')}${OPEN311_PATH}`);
    const xml = await get('discovery.xml');
    expect(xml.headers.get('content-type')).toMatch(/^text\/xml/);
    const root = parseXml(xml.text);
    expect(root.name).toBe('discovery');
    const formats = child(child(child(root, 'endpoints'), 'endpoint'), 'formats');
    expect(formats.children.map((f) => f.text)).toEqual(['application/json', 'text/xml']);
  });

  it('lists the 29 items of the taxonomy as services, the same in JSON and XML', async () => {
    const r = await get('services.json');
    expect(r.status).toBe(200);
    const services = r.json() as { service_code: string; group: string; metadata: boolean }[];
    expect(valid(servicesSchema, services)).toBe('valid');
    expect(services.map((s) => s.service_code).sort()).toEqual(ITEMS.map((i) => i.code).sort());
    expect(services.every((s) => s.metadata)).toBe(true);
    const root = parseXml((await get('services.xml')).text);
    expect(root.name).toBe('services');
    expect(root.children.every((c) => c.name === 'service')).toBe(true);
    expect(root.children.map((c) => child(c, 'service_code')?.text)).toEqual(
      services.map((s) => s.service_code),
    );
    expect(root.children.map((c) => child(c, 'metadata')?.text)).toEqual(services.map(() => 'true'));
  });

  it('defines each service: street and courtyard from the roster, the limits of the item, fire urgency', async () => {
    const r = await get('services/GARBAGE_COLLECTION_LATE.json');
    expect(r.status).toBe(200);
    const def = r.json() as {
      service_code: string;
      attributes: { code: string; required: boolean; values?: { key: string }[] }[];
    };
    expect(valid(serviceDefinitionSchema, def)).toBe('valid');
    const street = def.attributes.find((a) => a.code === 'street');
    expect(street?.required).toBe(true);
    expect(street?.values?.map((v) => v.key).sort()).toEqual([IDS.street, IDS.uncoveredStreet].sort());
    expect(
      def.attributes
        .find((a) => a.code === 'courtyard')
        ?.values?.map((v) => v.key)
        .sort(),
    ).toEqual([IDS.courtyard, IDS.otherCourtyard].sort());
    expect(def.attributes.map((a) => a.code)).toContain('time_limits');
    expect(def.attributes.map((a) => a.code)).not.toContain('urgent_advice');
    const fire = (await get('services/FIRE_EXIT_BLOCKED.json')).json() as { attributes: { code: string }[] };
    expect(valid(serviceDefinitionSchema, fire)).toBe('valid');
    expect(fire.attributes.map((a) => a.code)).toContain('urgent_advice');
    const xml = parseXml((await get('services/GARBAGE_COLLECTION_LATE.xml')).text);
    expect(xml.name).toBe('service_definition');
    const attrs = child(xml, 'attributes').children;
    expect(attrs.map((a) => child(a, 'code')?.text)).toEqual(def.attributes.map((a) => a.code));
    expect(child(attrs[0] as XmlElement, 'values').children.every((v) => v.name === 'value')).toBe(true);
    await refused(get('services/NO_SUCH_ITEM.json'), 404, 'service_code');
    await refused(get('services/not-a-code.json'), 404, 'service_code');
  });

  it('keys are managed by ADMIN only, through GraphQL, and stored as a hash', async () => {
    const anonymous = await gql(CREATE, { input: { name: 'x' } });
    expect(anonymous.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    const byStaff = await gql(CREATE, { input: { name: 'x' } }, staff);
    expect(byStaff.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const badInput = await gql(CREATE, { input: { name: '', ratePerMinute: 0 } }, admin);
    expect(badInput.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    const listByStaff = await gql('{ open311Clients { id } }', {}, staff);
    expect(listByStaff.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');

    const created = await newClient('FixMyStreet Dayi', 50);
    key = created.apiKey;
    expect(key).toMatch(/^o311_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(created.client.keyPrefix)).toBe(true);
    const row = await running.dataSource
      .getRepository(Open311Client)
      .findOneByOrFail({ id: created.client.id });
    expect(row.keyHash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(key);
    const list = await gql('{ open311Clients { id name keyPrefix ratePerMinute revokedAt } }', {}, admin);
    expect(list.data?.['open311Clients']).toEqual([
      {
        id: created.client.id,
        name: 'FixMyStreet Dayi',
        keyPrefix: created.client.keyPrefix,
        ratePerMinute: 50,
        revokedAt: null,
      },
    ]);
  });

  it('refuses a POST without a key (401), with a wrong one (403), in the error format, JSON and XML', async () => {
    await refused(post(report()), 401, 'api_key');
    await refused(post({ ...report(), api_key: 'o311_wrong' }), 403, 'api_key');
    const xml = await post({ ...report(), api_key: 'o311_wrong' }, 'xml');
    expect(xml.status).toBe(403);
    const root = parseXml(xml.text);
    expect(root.name).toBe('errors');
    expect(root.children.map((e) => [child(e, 'code')?.text, !!child(e, 'description')?.text])).toEqual([
      ['403', true],
    ]);
  });

  it('refuses every bad POST with 400 naming the parameter, and writes nothing', async () => {
    const before = await running.dataSource.getRepository(Open311Request).count();
    const withKey = (over: Record<string, string>) => post({ ...report(over), api_key: key });
    await refused(withKey({ service_code: '' }), 400, 'service_code');
    await refused(withKey({ service_code: 'NO_SUCH_ITEM' }), 400, 'service_code');
    await refused(withKey({ 'attribute[street]': '' }), 400, 'attribute[street]');
    await refused(withKey({ 'attribute[street]': IDS.courtyard }), 400, 'attribute[street]');
    await refused(withKey({ 'attribute[courtyard]': IDS.otherCourtyard }), 400, 'attribute[courtyard]');
    await refused(withKey({ description: '' }), 400, 'description');
    await refused(withKey({ description: '长'.repeat(2001) }), 400, 'description');
    await refused(withKey({ email: 'not-an-email' }), 400, 'email');
    await refused(withKey({ phone: 'call me' }), 400, 'phone');
    await refused(withKey({ lat: '95' }), 400, 'lat');
    await refused(withKey({ long: '' }), 400, 'lat and long');
    await refused(withKey({ jurisdiction_id: 'elsewhere' }), 404, 'jurisdiction_id');
    await refused(
      http(`${OPEN311_PATH}/requests.json`, { method: 'POST', type: 'text/plain', body: 'api_key=x' }),
      415,
      'body',
    );
    await refused(
      http(`${OPEN311_PATH}/services.json`, {
        method: 'POST',
        type: 'application/x-www-form-urlencoded',
        body: form({ api_key: key }),
      }),
      405,
      'services',
    );
    expect(await running.dataSource.getRepository(Open311Request).count()).toBe(before);
  });

  it('files a POSTed request as an OPEN311 case; the poster is stored encrypted as the reporter', async () => {
    const r = await post({ ...report(), api_key: key, jurisdiction_id: 'caichang' });
    expect(r.status).toBe(201);
    const body = r.json() as { service_request_id: string }[];
    expect(valid(postResponseSchema, body)).toBe('valid');
    filed = body[0]?.service_request_id ?? '';
    expect(filed).toMatch(/^[0-9a-f-]{36}$/);
    const asStaff = await gql(
      'query($id: ID!) { case(id: $id) { id channel state item { code } street { id } courtyard { id } description } }',
      { id: filed },
      staff,
    );
    expect(asStaff.data?.['case']).toEqual({
      id: filed,
      channel: 'OPEN311',
      state: 'REPORTED',
      item: { code: 'GARBAGE_COLLECTION_LATE' },
      street: { id: IDS.street },
      courtyard: { id: IDS.courtyard },
      description: '垃圾堆了三天没人清运',
    });
    const stored = await running.dataSource.getRepository(Open311Request).findOneByOrFail({ caseId: filed });
    const raw = JSON.stringify(stored);
    for (const v of Object.values(POSTER)) expect(raw).not.toContain(v);
    expect(stored.emailEnc).toMatch(/^v1\./);
    expect(await running.exposed.open311.contactOf(filed)).toEqual({
      email: POSTER.email,
      name: `${POSTER.last_name} ${POSTER.first_name}`,
      phone: POSTER.phone,
    });
    // The channel is the endpoint's own: reportCase refuses it, naming the field.
    const viaGraphql = await gql(
      'mutation($input: ReportCaseInput!) { reportCase(input: $input) { id } }',
      { input: { channel: 'OPEN311', streetId: IDS.street, spot: '门口', description: '试试' } },
      staff,
    );
    expect(viaGraphql.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.channel',
    });
    // JSON bodies are taken too, and the answer can be XML.
    const json = await http(`${OPEN311_PATH}/requests.xml`, {
      method: 'POST',
      type: 'application/json',
      body: JSON.stringify({
        api_key: key,
        service_code: 'ROAD_DAMAGED',
        attribute: { street: IDS.uncoveredStreet },
        description: '路面坑洼',
      }),
    });
    expect(json.status).toBe(201);
    const root = parseXml(json.text);
    expect(root.name).toBe('service_requests');
    expect(child(first(root), 'service_request_id')?.text).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('says the request and its public updates (notes) with the status mapping as staff work on it', async () => {
    const detail = async () => {
      const r = await get(`requests/${filed}.json`);
      expect(r.status).toBe(200);
      const body = r.json() as {
        status: string;
        extended_status: string;
        notes: { type: string; status: string; description: string }[];
      }[];
      expect(valid(requestsSchema, body)).toBe('valid');
      expect(body).toHaveLength(1);
      return body[0] as (typeof body)[number];
    };
    expect(await detail()).toMatchObject({
      status: 'open',
      extended_status: 'open',
      notes: [{ type: 'status', status: 'open' }],
    });
    const act = async (mutation: string, type: string, input: Record<string, unknown>) => {
      const r = await gql(
        `mutation($input: ${type}!) { ${mutation}(input: $input) { version } }`,
        { input },
        staff,
      );
      expect(r.errors).toBeUndefined();
      return r.data?.[mutation]?.version as number;
    };
    let version = await act('acceptCase', 'AcceptCaseInput', { id: filed, version: 1 });
    const note = await gql(
      'mutation($input: AddCaseNoteInput!) { addCaseNote(input: $input) { id } }',
      { input: { id: filed, visibility: 'PUBLIC', body: '已联系环卫，电话 13800001111' } },
      staff,
    );
    expect(note.errors).toBeUndefined();
    await gql(
      'mutation($input: AddCaseNoteInput!) { addCaseNote(input: $input) { id } }',
      { input: { id: filed, visibility: 'INTERNAL', body: '内部：催一下环卫所' } },
      staff,
    );
    const accepted = await detail();
    expect(accepted).toMatchObject({ status: 'open', extended_status: 'investigating' });
    expect(accepted.notes.map((n) => [n.type, n.status])).toEqual([
      ['status', 'open'],
      ['status', 'investigating'],
      ['note', 'investigating'],
    ]);
    expect(accepted.notes[2]?.description).toBe('已联系环卫，电话 138****1111');
    expect(JSON.stringify(accepted)).not.toContain('内部');
    version = await act('assignCase', 'AssignCaseInput', { id: filed, version });
    expect((await detail()).extended_status).toBe('action_scheduled');
    version = await act('startCase', 'CaseActionInput', { id: filed, version, reason: '开始清运' });
    expect((await detail()).extended_status).toBe('in_progress');
    await act('resolveCase', 'ResolveCaseInput', {
      id: filed,
      version,
      outcome: 'FIXED',
      resolution: '已清运完毕',
    });
    const resolved = await detail();
    expect(resolved).toMatchObject({
      status: 'closed',
      extended_status: 'fixed',
      status_notes: '已清运完毕',
      address: '正街 供销社院 供销社院门口',
      address_id: IDS.courtyard,
    });
    expect(resolved.notes.map((n) => n.status)).toEqual([
      'open',
      'investigating',
      'investigating',
      'action_scheduled',
      'in_progress',
      'fixed',
    ]);
    const xml = parseXml((await get(`requests/${filed}.xml`)).text);
    const request = first(xml);
    expect(child(request, 'status')?.text).toBe('closed');
    expect(child(request, 'notes').children.every((n) => n.name === 'note')).toBe(true);
    await refused(get('requests/00000000-0000-4000-8000-000000000000.json'), 404, 'service_request_id');
    await refused(get('requests/nope.json'), 404, 'service_request_id');
  });

  it('lists requests with every filter and paging, JSON and XML alike', async () => {
    const list = async (query: string) => {
      const r = await get(`requests.json${query}`);
      expect({ query, status: r.status }).toEqual({ query, status: 200 });
      const body = r.json() as { service_request_id: string; service_code: string; status: string }[];
      expect(valid(requestsSchema, body)).toBe('valid');
      return body;
    };
    const all = await list('');
    expect(all.map((r) => r.service_request_id)).toContain(filed);
    expect(all).toHaveLength(2);
    // Without address_string the address is the street alone (not said twice).
    expect(all.find((r) => r.service_code === 'ROAD_DAMAGED')).toMatchObject({
      address: '新街',
      address_id: IDS.uncoveredStreet,
    });
    expect((await list(`?service_request_id=${filed}`)).map((r) => r.service_request_id)).toEqual([filed]);
    expect((await list('?service_code=GARBAGE_COLLECTION_LATE')).map((r) => r.service_request_id)).toEqual([
      filed,
    ]);
    expect((await list('?service_code=ROAD_DAMAGED,GARBAGE_COLLECTION_LATE')).length).toBe(2);
    expect((await list('?status=closed')).map((r) => r.service_request_id)).toEqual([filed]);
    expect((await list('?status=open')).map((r) => r.service_code)).toEqual(['ROAD_DAMAGED']);
    expect((await list('?status=open,closed')).length).toBe(2);
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    expect((await list(`?start_date=${iso(now - 3_600_000)}&end_date=${iso(now + 60_000)}`)).length).toBe(2);
    expect(await list(`?start_date=${iso(now + 3_600_000)}`)).toEqual([]);
    expect(await list(`?end_date=${encodeURIComponent('2020-01-01T08:00:00+08:00')}`)).toEqual([]);
    expect((await list(`?updated_after=${iso(now - 3_600_000)}`)).length).toBe(2);
    expect(await list(`?updated_after=${iso(now + 3_600_000)}`)).toEqual([]);
    const page1 = await list('?page_size=1&page=1');
    const page2 = await list('?page_size=1&page=2');
    expect([...page1, ...page2].map((r) => r.service_request_id)).toEqual(
      all.map((r) => r.service_request_id),
    );
    expect(await list('?page_size=1&page=3')).toEqual([]);
    expect((await list('?page_size=500')).length).toBe(2);
    const xml = parseXml((await get('requests.xml')).text);
    expect(xml.name).toBe('service_requests');
    expect(xml.children.map((r) => child(r, 'service_request_id')?.text)).toEqual(
      all.map((r) => r.service_request_id),
    );
  });

  it('refuses bad list parameters with 400 naming them (JSON and XML)', async () => {
    await refused(get('requests.json?page_size=501'), 400, 'page_size');
    await refused(get('requests.json?page_size=0'), 400, 'page_size');
    await refused(get('requests.json?page=0'), 400, 'page');
    await refused(get('requests.json?page=x'), 400, 'page');
    await refused(get('requests.json?start_date=yesterday'), 400, 'start_date');
    await refused(get('requests.json?start_date=2026-12-01'), 400, 'start_date');
    await refused(get('requests.json?end_date=2026-13-45T99:00:00Z'), 400, 'end_date');
    await refused(
      get('requests.json?start_date=2026-12-02T00:00:00Z&end_date=2026-12-01T00:00:00Z'),
      400,
      'end_date',
    );
    await refused(get('requests.json?updated_after=soon'), 400, 'updated_after');
    await refused(get('requests.json?status=fixed'), 400, 'status');
    await refused(get('requests.json?service_request_id=1;drop'), 400, 'service_request_id');
    await refused(get('requests.json?service_code=bad code'), 400, 'service_code');
    await refused(get('requests.json?jurisdiction_id=elsewhere'), 404, 'jurisdiction_id');
    await refused(get('nothing.json'), 404, 'not an Open311 resource');
    await refused(get('services'), 404, 'not an Open311 resource');
    const xml = await get('requests.xml?page_size=501');
    expect(xml.status).toBe(400);
    expect(xml.headers.get('content-type')).toMatch(/^text\/xml/);
    const root = parseXml(xml.text);
    expect(child(first(root), 'code')?.text).toBe('400');
    expect(child(first(root), 'description')?.text).toContain('page_size');
  });

  it('rate limits each key: 429 with Retry-After past its figure, other keys unaffected', async () => {
    const slow = await newClient('city app', 3);
    const fields = { ...report({ description: '限流测试' }), api_key: slow.apiKey };
    for (let i = 0; i < 3; i++) expect((await post(fields)).status).toBe(201);
    const limited = await refused(post(fields), 429, 'rate limit');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Refused before the parameters are read: a bad request counts and is refused the same way.
    await refused(post({ api_key: slow.apiKey }), 429, 'rate limit');
    expect((await post({ ...report(), api_key: key })).status).toBe(201);
  });

  it('stops a rotated key and a revoked client at once', async () => {
    const c = await newClient('to rotate');
    expect((await post({ ...report(), api_key: c.apiKey })).status).toBe(201);
    const rotated = await gql(
      'mutation($id: ID!) { rotateOpen311ClientKey(id: $id) { apiKey client { keyPrefix } } }',
      { id: c.client.id },
      admin,
    );
    const fresh = rotated.data?.['rotateOpen311ClientKey']?.apiKey as string;
    expect(fresh).not.toBe(c.apiKey);
    await refused(post({ ...report(), api_key: c.apiKey }), 403, 'api_key');
    expect((await post({ ...report(), api_key: fresh })).status).toBe(201);
    const revoked = await gql(
      'mutation($id: ID!) { revokeOpen311Client(id: $id) { revokedAt } }',
      { id: c.client.id },
      admin,
    );
    expect(revoked.data?.['revokeOpen311Client']?.revokedAt).toEqual(expect.any(String));
    await refused(post({ ...report(), api_key: fresh }), 403, 'api_key');
    const again = await gql(
      'mutation($id: ID!) { rotateOpen311ClientKey(id: $id) { apiKey } }',
      { id: c.client.id },
      admin,
    );
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', currentState: 'REVOKED' });
  });

  it('never answered the poster’s name, email or phone in any body', async () => {
    expect(bodies.length).toBeGreaterThan(60);
    const found = bodies.filter((b) =>
      [
        POSTER.email,
        POSTER.phone,
        `${POSTER.last_name}${POSTER.first_name}`,
        POSTER.first_name,
        'wang.xiaohong',
      ].some((v) => b.includes(v)),
    );
    expect(found).toEqual([]);
    // A positive marker: the bodies do hold the requests the poster filed.
    expect(bodies.some((b) => b.includes(filed))).toBe(true);
  });
});
