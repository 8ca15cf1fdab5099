import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { parseMysqlUrl } from '@sc/db';
import { DEMO_CHIEFS, stableId } from '@sc/demo';
import { AccessLogEntry, Resident, ResidentRepository } from '@sc/people';
import { errorCodes, gqlRequest } from '@sc/testing';
import { publishGrid, waitForGrid } from './people-helpers';
import { startStack, type Stack } from './stack';

const STREET = stableId('street:正街');
const VIEW = `query ViewResident($id: ID!) {
  resident(id: $id) { id name idNumberMasked phoneMasked address { doorMasked } sensitive(purpose: "入户核实") { idNumber phone door } }
}`;
const MASKED = `query($id: ID!) { resident(id: $id) { id idNumberMasked phoneMasked } }`;

interface Viewed {
  resident: {
    id: string;
    idNumberMasked: string;
    phoneMasked: string | null;
    sensitive: { idNumber: string; phone: string | null; door: string | null } | null;
  } | null;
}

describe('personal data through the gateway [starts: roster and people subgraphs on MariaDB with the demo population, gateway; needs: MariaDB, Kafka]', () => {
  let stack: Stack;
  let inGrid: Resident;
  let outside: Resident;
  const gridId = randomUUID();

  beforeAll(async () => {
    stack = await startStack('people_pd', { people: { PEOPLE_SEED_DEMO: 'true' } });
    const repo = stack.people.dataSource.getRepository(Resident);
    inGrid = await repo.findOneByOrFail({ streetId: STREET, status: 'ACTIVE' });
    outside = await repo
      .createQueryBuilder('r')
      .where('r.street_id <> :s AND r.phone_enc IS NOT NULL', { s: STREET })
      .orderBy('r.id')
      .getOneOrFail();
    await publishGrid(stack, gridId, [STREET]);
    await waitForGrid(stack, gridId);
  }, 120_000);
  afterAll(async () => stack?.stop());

  const staff = () =>
    stack.tokens.mint(['COMMUNITY_STAFF'], { scopes: ['community:caichang'], subject: 'staff-e2e' });
  const chief = () =>
    stack.tokens.mint(['STREET_CHIEF'], { scopes: [`grid:${gridId}`], subject: 'chief-e2e' });
  const logCount = (residentId: string) =>
    stack.people.dataSource.getRepository(AccessLogEntry).countBy({ residentId });

  it('lists 11,000 residents and 2,400 households for COMMUNITY_STAFF and ADMIN, with roster street names', async () => {
    for (const token of [staff(), stack.tokens.mint(['ADMIN'])]) {
      const res = await gqlRequest<{
        residents: { totalCount: number; nodes: { idNumberMasked: string; street: { name: string } }[] };
        households: { totalCount: number };
      }>(
        stack.gatewayUrl,
        '{ residents(first: 3) { totalCount nodes { idNumberMasked street { name } } } households(first: 1) { totalCount } }',
        {},
        token,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?.residents.totalCount).toBe(11_000);
      expect(res.data?.households.totalCount).toBe(2_400);
      for (const n of res.data!.residents.nodes) {
        expect(n.idNumberMasked).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
        expect(n.street.name).toMatch(/街|路|巷/);
      }
    }
  });

  it("resolves the roster's chiefs as people residents 101–110 in one batched lookup", async () => {
    const findByIds = jest.spyOn(ResidentRepository.prototype, 'findByIds');
    try {
      const res = await gqlRequest<{
        chiefs: { nodes: { name: string; resident: { id: string; name: string; idNumberMasked: string } }[] };
      }>(
        stack.gatewayUrl,
        '{ chiefs(first: 10) { nodes { name resident { id name idNumberMasked } } } }',
        {},
        staff(),
      );
      expect(res.errors).toBeUndefined();
      const nodes = res.data!.chiefs.nodes;
      expect(nodes).toHaveLength(10);
      for (const c of nodes) expect(c.resident.name).toBe(c.name);
      expect(new Set(nodes.map((c) => c.resident.id))).toEqual(new Set(DEMO_CHIEFS.map((c) => c.residentId)));
      // One people fetch for the ten references, one statement through the loader.
      expect(findByIds).toHaveBeenCalledTimes(1);
    } finally {
      findByIds.mockRestore();
    }
  });

  it('shows COMMUNITY_STAFF whole values and writes the view to the access log staff can query', async () => {
    const before = await logCount(outside.id);
    const res = await gqlRequest<Viewed>(stack.gatewayUrl, VIEW, { id: outside.id }, staff());
    expect(res.errors).toBeUndefined();
    const r = res.data!.resident!;
    expect(r.sensitive?.idNumber).toMatch(/^\d{17}[\dX]$/);
    expect(r.sensitive?.phone).toMatch(/^1\d{10}$/);
    expect(r.sensitive?.door).toBeTruthy();
    expect(r.idNumberMasked.slice(-4)).toBe(r.sensitive!.idNumber.slice(-4));
    expect(await logCount(outside.id)).toBe(before + 1);

    const log = await gqlRequest<{
      accessLog: {
        totalCount: number;
        nodes: { actor: string; fields: string[]; operation: string; purpose: string }[];
      };
    }>(
      stack.gatewayUrl,
      'query($id: ID) { accessLog(first: 5, residentId: $id) { totalCount nodes { actor fields operation purpose } } }',
      { id: outside.id },
      staff(),
    );
    expect(log.errors).toBeUndefined();
    expect(log.data?.accessLog.nodes[0]).toEqual({
      actor: 'staff-e2e',
      fields: ['DOOR', 'ID_NUMBER', 'PHONE'],
      operation: 'ViewResident',
      purpose: '入户核实',
    });
    expect(
      errorCodes(await gqlRequest(stack.gatewayUrl, '{ accessLog { totalCount } }', {}, chief())),
    ).toEqual(['FORBIDDEN']);
  });

  it("shows a chief whole values of the grid's residents only, from the grid published on Kafka", async () => {
    const list = await gqlRequest<{ residents: { totalCount: number } }>(
      stack.gatewayUrl,
      '{ residents(first: 1) { totalCount } }',
      {},
      chief(),
    );
    const onStreet = await stack.people.dataSource
      .getRepository(Resident)
      .countBy({ streetId: STREET, status: 'ACTIVE' });
    expect(list.data?.residents.totalCount).toBe(onStreet);

    const own = await gqlRequest<Viewed>(stack.gatewayUrl, VIEW, { id: inGrid.id }, chief());
    expect(own.errors).toBeUndefined();
    expect(own.data?.resident?.sensitive?.idNumber).toMatch(/^\d{17}[\dX]$/);

    const before = await logCount(outside.id);
    const other = await gqlRequest<Viewed>(stack.gatewayUrl, VIEW, { id: outside.id }, chief());
    expect(other.data?.resident ?? null).toBeNull();
    expect(await logCount(outside.id)).toBe(before);
  });

  it('gives a RESIDENT their own record only, and COUNTY_VIEWER aggregates but no person', async () => {
    const self = stack.tokens.mint(['RESIDENT'], {
      scopes: [`resident:${inGrid.id}`],
      subject: 'resident-e2e',
    });
    const own = await gqlRequest<Viewed>(stack.gatewayUrl, VIEW, { id: inGrid.id }, self);
    expect(own.data?.resident?.sensitive?.idNumber).toMatch(/^\d{17}[\dX]$/);
    const other = await gqlRequest<Viewed>(stack.gatewayUrl, MASKED, { id: outside.id }, self);
    expect(other.data?.resident ?? null).toBeNull();
    expect(errorCodes(await gqlRequest(stack.gatewayUrl, '{ residents { totalCount } }', {}, self))).toEqual([
      'FORBIDDEN',
    ]);

    const county = stack.tokens.mint(['COUNTY_VIEWER']);
    const before = await logCount(outside.id);
    const none = await gqlRequest<Viewed>(stack.gatewayUrl, VIEW, { id: outside.id }, county);
    expect(none.data?.resident ?? null).toBeNull();
    expect(await logCount(outside.id)).toBe(before);
    const stats = await gqlRequest<{
      populationStats: {
        residents: number;
        households: number;
        migrants: number;
        migrantsByOrigin: { origin: string; count: number }[];
        byStreet: { street: { name: string }; residents: number }[];
      };
    }>(
      stack.gatewayUrl,
      '{ populationStats { residents households migrants migrantsByOrigin { origin count } byStreet { street { name } residents } } }',
      {},
      county,
    );
    expect(stats.errors).toBeUndefined();
    const s = stats.data!.populationStats;
    expect(s).toMatchObject({ residents: 11_000, households: 2_400 });
    expect(s.migrants).toBeGreaterThan(3_000);
    expect(s.migrantsByOrigin.map((o) => o.origin)).toEqual(
      expect.arrayContaining(['汉源县', '仪陇县', '营山县', '达州市', '遂宁市', '巴中市']),
    );
    expect(s.byStreet).toHaveLength(21);
    expect(s.byStreet.reduce((sum, x) => sum + x.residents, 0)).toBe(11_000);
  });

  it('finds a resident by whole ID number and by phone through the blind indexes', async () => {
    const whole = await gqlRequest<Viewed>(stack.gatewayUrl, VIEW, { id: outside.id }, staff());
    const { idNumber, phone } = whole.data!.resident!.sensitive!;
    for (const filter of [{ idNumber }, { phone }, { idNumber: idNumber.toLowerCase() }]) {
      const res = await gqlRequest<{ residents: { nodes: { id: string }[] } }>(
        stack.gatewayUrl,
        'query($f: ResidentFilter) { residents(first: 10, filter: $f) { nodes { id } } }',
        { f: filter },
        staff(),
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?.residents.nodes.map((n) => n.id)).toContain(outside.id);
    }
  });

  it('keeps no ID number, phone or door in clear in a dump of the database', async () => {
    const whole = await gqlRequest<Viewed>(stack.gatewayUrl, VIEW, { id: outside.id }, staff());
    const { idNumber, phone } = whole.data!.resident!.sensitive!;
    const conn = parseMysqlUrl(stack.peopleDb.url);
    const dump = execFileSync(
      'mariadb-dump',
      [
        '-h',
        conn.host,
        '-P',
        String(conn.port),
        '-u',
        conn.username,
        '--skip-extended-insert',
        conn.database,
      ],
      { maxBuffer: 512 * 1024 * 1024, env: { ...process.env, MYSQL_PWD: conn.password } },
    ).toString();
    expect(dump).toContain('INSERT INTO `resident`');
    expect(dump.split('\n').filter((l) => l.startsWith('INSERT INTO `resident`'))).toHaveLength(11_000);
    expect(dump).not.toContain(idNumber);
    expect(dump).not.toContain(phone!);
    // No 18-character ID number and no 11-digit mobile number anywhere, only tokens and masks.
    expect(dump).not.toMatch(/'\d{17}[\dX]'/);
    expect(dump).not.toMatch(/'1\d{10}'/);
  });
});
