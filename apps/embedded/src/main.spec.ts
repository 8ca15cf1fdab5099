import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CountyFigures } from '@sc/county-feed';
import { demoGridId, stableId } from '@sc/demo';
import { DEMO_PASSWORD } from '@sc/roster';
import { SERVICES } from '@sc/services';
import { ephemeralServicePorts } from '@sc/services/testing';

const root = path.resolve(__dirname, '../../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

/**
 * The run command's promise, checked for real: the embedded app (every service + gateway, SQLite,
 * in-process bus) seeds Caichang, serves the public query with no token, and accepts a token from
 * `npm run -s token` minted against the same data folder.
 */
describe('embedded mode [starts: the embedded app as a child process, on SQLite]', () => {
  let child: ChildProcess;
  let gatewayUrl: string;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-embedded-'));
  let output = '';
  // `npm run -s token` output per role, run before any request: execFileSync blocks this process for
  // seconds, and a keep-alive connection the server closes meanwhile would fail the next request.
  const printed: Record<string, string> = {};
  const printToken = (...args: string[]) =>
    execFileSync('npm', ['run', '-s', 'token', '--', ...args], {
      cwd: root,
      env: { ...process.env, DATA_DIR: dataDir },
    }).toString();

  beforeAll(async () => {
    child = spawn(process.execPath, [tsx, 'apps/embedded/src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        // The URL form of the sql.js versions, still accepted (the people file takes the default).
        ROSTER_DATABASE_URL: `sqljs:${dataDir}/roster.sqlite`,
        GATEWAY_PORT: '0',
        ...ephemeralServicePorts(),
        LOG_PRETTY: 'false',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    gatewayUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`embedded app did not start:\n${output}`)), 60_000);
      child.stdout?.on('data', (d: Buffer) => {
        output += d.toString();
        const m = /gateway: (http:\/\/\S+\/graphql)/.exec(output);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once('exit', (code) => reject(new Error(`embedded app exited with ${code}:\n${output}`)));
    });
    printed['ADMIN'] = printToken('--role', 'ADMIN');
    printed['STREET_CHIEF'] = printToken('--role', 'STREET_CHIEF', '--scope', `grid:${demoGridId(1)}`);
    printed['COUNTY_VIEWER'] = printToken('--role', 'COUNTY_VIEWER');
    printed['COMMUNITY_STAFF'] = printToken('--role', 'COMMUNITY_STAFF', '--scope', 'community:caichang');
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (query: string, token?: string) => {
    const res = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query }),
    });
    return res.json() as Promise<{
      data?: Record<string, unknown>;
      errors?: { extensions: { code: string } }[];
    }>;
  };

  it('answers the public community query with 21 streets and no token', async () => {
    const body = await post('{ community(code: "caichang") { name streets(first: 50) { totalCount } } }');
    expect(body).toEqual({ data: { community: { name: '蔡场社区', streets: { totalCount: 21 } } } });
  });

  it("serves the public signboard page at the gateway's URL, the QR code holding that URL", async () => {
    const base = gatewayUrl.replace(/\/graphql$/, '');
    const page = await fetch(`${base}/signboards/CC-SB-05`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<h1>正街街长公示牌</h1>');
    expect(html).toContain(`<figcaption>${base}/signboards/CC-SB-05</figcaption>`);
    expect((await fetch(`${base}/signboards/CC-SB-99`)).status).toBe(404);
  });

  it('signs in with the cookie session and queries with its CSRF token', async () => {
    const base = gatewayUrl.replace(/\/graphql$/, '');
    const signIn = await fetch(`${base}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'staff', password: DEMO_PASSWORD }),
    });
    expect(signIn.status).toBe(200);
    const { session } = (await signIn.json()) as { session: { csrfToken: string } };
    const cookie = signIn.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const res = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': session.csrfToken },
      body: JSON.stringify({ query: '{ viewer { account { username } } }' }),
    });
    expect(await res.json()).toEqual({ data: { viewer: { account: { username: 'staff' } } } });
  });

  it('accepts an ADMIN token printed by `npm run -s token`, alone on stdout', async () => {
    const stdout = printed['ADMIN'] ?? '';
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const body = await post('{ accounts(first: 10) { totalCount } }', stdout.trim());
    expect(body.errors).toBeUndefined();
    // 4 staff accounts and one per demo chief.
    expect(body.data).toEqual({ accounts: { totalCount: 14 } });
  });

  it('serves the seeded demo population: 11,000 residents and 2,400 households, masked', async () => {
    const token = printed['ADMIN']?.trim();
    const body = await post(
      '{ residents(first: 1) { totalCount nodes { idNumberMasked } } households(first: 1) { totalCount } }',
      token,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      residents: { totalCount: 11_000, nodes: [{ idNumberMasked: expect.stringMatching(/^\d{4}\*{10}/) }] },
      households: { totalCount: 2_400 },
    });
  });

  it("limits a chief to the grid the roster's seed published on the in-process bus", async () => {
    const token = printed['STREET_CHIEF']?.trim();
    // The grid event reaches people asynchronously after start; give it a moment.
    let total = 0;
    for (let i = 0; i < 50 && total === 0; i++) {
      const body = await post('{ residents(first: 1) { totalCount } }', token);
      total = (body.data?.['residents'] as { totalCount: number } | undefined)?.totalCount ?? 0;
      if (total === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(11_000);
  });

  it('prints the banner once the gateway listens, naming subgraphs that listen on the loopback only', async () => {
    // The URL was taken from the banner and used at once by the first case; here, the services line.
    const services = /Services: (.*) \(loopback only\)/.exec(output)?.[1] ?? '';
    const urls = [...services.matchAll(/(\w+) (http:\/\/\S+?)(?:,|$)/g)].map((m) => new URL(m[2] ?? ''));
    // Every registered subgraph, each on the loopback.
    expect(urls.map((u) => u.hostname)).toEqual(SERVICES.map(() => '127.0.0.1'));
    for (const u of urls) expect((await fetch(`${u.origin}/healthz`)).status).toBe(200);
    // Another address of this machine does not reach a subgraph (when the machine has one).
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (external) {
      for (const u of urls) {
        await expect(fetch(`http://${external}:${u.port}/healthz`)).rejects.toThrow();
      }
    }
  });

  it('prints the Open311 URL; on SQLite it lists the demo, files a POST with an ADMIN-issued key, rate limits', async () => {
    const open311 = /Open311 GeoReport v2: (http:\/\/\S+)\/discovery\.json/.exec(output)?.[1] ?? '';
    expect(new URL(open311).pathname).toBe('/open311/v2');
    expect((await fetch(`${open311}/discovery.json`)).status).toBe(200);
    const requests = (await (await fetch(`${open311}/requests.json?status=open`)).json()) as unknown[];
    expect(requests.length).toBeGreaterThan(0);
    const definition = (await (await fetch(`${open311}/services/LITTERING.json`)).json()) as {
      attributes: { code: string; values?: { key: string }[] }[];
    };
    const street = definition.attributes.find((a) => a.code === 'street')?.values?.[0]?.key ?? '';
    const created = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${printed['ADMIN']?.trim()}` },
      body: JSON.stringify({
        query: 'mutation { createOpen311Client(input: { name: "embedded", ratePerMinute: 1 }) { apiKey } }',
      }),
    });
    const apiKey = ((await created.json()) as { data?: { createOpen311Client?: { apiKey: string } } }).data
      ?.createOpen311Client?.apiKey;
    expect(apiKey).toMatch(/^o311_/);
    const post = () =>
      fetch(`${open311}/requests.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          api_key: apiKey ?? '',
          service_code: 'LITTERING',
          'attribute[street]': street,
          description: 'embedded Open311',
        }).toString(),
      });
    const first = await post();
    expect(first.status).toBe(201);
    const [filed] = (await first.json()) as { service_request_id: string }[];
    const detail = await fetch(`${open311}/requests/${filed?.service_request_id}.json`);
    expect(((await detail.json()) as { status: string }[])[0]?.status).toBe('open');
    const second = await post();
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it("knows the roster's places and people's residents as soon as it prints its URL: ids of both services are checked across", async () => {
    const token = printed['COMMUNITY_STAFF']?.trim();
    const send = async (query: string, variables: Record<string, unknown>) => {
      const res = await fetch(gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as {
        data?: unknown;
        errors?: { extensions: { code: string; field?: string } }[];
      };
    };
    const NOMINATE = 'mutation($i: NominateChiefInput!) { nominateChief(input: $i) { status } }';
    const nominated = await send(NOMINATE, {
      i: {
        residentId: stableId('resident:150'),
        name: '测试',
        nominatorResidentId: stableId('resident:151'),
        reason: '热心',
      },
    });
    expect(nominated.errors).toBeUndefined();
    const unknown = await send(NOMINATE, {
      i: {
        residentId: '00000000-0000-0000-0000-000000000000',
        name: '测试',
        nominatorResidentId: stableId('resident:151'),
        reason: '热心',
      },
    });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.residentId' });
    const HOUSEHOLD = 'mutation($i: CreateHouseholdInput!) { createHousehold(input: $i) { id } }';
    const address = (streetId: string) => ({ streetId, building: '5', door: '501' });
    const elsewhere = await send(HOUSEHOLD, {
      i: {
        address: address('00000000-0000-0000-0000-000000000000'),
        headResidentId: stableId('resident:152'),
        housing: 'OWNED',
      },
    });
    expect(elsewhere.errors?.[0]?.extensions).toMatchObject({
      code: 'NOT_FOUND',
      field: 'input.address.streetId',
    });
    const created = await send(HOUSEHOLD, {
      i: {
        address: address(stableId('street:正街')),
        headResidentId: stableId('resident:152'),
        housing: 'OWNED',
      },
    });
    expect(created.errors).toBeUndefined();
  });

  it('runs the county feed on the in-process bus and prints its URL: the seeded population, from events alone', async () => {
    const url = /County feed \(.*\): (http:\/\/\S+)/.exec(output)?.[1] ?? '';
    expect(new URL(url).hostname).toBe('127.0.0.1');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const figures = (await res.json()) as CountyFigures;
    expect(figures.population).toMatchObject({ residents: 11_000, migrants: 4_058 });
    expect(figures.chiefs).toMatchObject({ streets: 21, streetsCovered: 21 });
    expect((await fetch(new URL('/readyz', url))).status).toBe(200);
  });

  it('refuses a COUNTY_VIEWER token where ADMIN is needed', async () => {
    const token = printed['COUNTY_VIEWER']?.trim();
    const body = await post('{ accounts(first: 10) { totalCount } }', token);
    expect(body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
  });
});
