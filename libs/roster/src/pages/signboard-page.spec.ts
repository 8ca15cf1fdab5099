import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import QRCode from 'qrcode';
import { createLogger } from '@sc/config';
import { InProcessBus } from '@sc/events';
import type { RunningService } from '@sc/service';
import { freshMysqlDatabase, gqlRequest, tokenMinter, type TestDatabase } from '@sc/testing';
import { StreetChief } from '../entities/chief.entity';
import { roster as rosterService } from '../roster.service';

const BOARD = `query($code: String!) { signboard(code: $code) { code publicPath printedVersion outOfDate
  content { title location entries { gridName streets streetIds courtyards chiefName chiefPhone chiefBadge } } } }`;

interface Board {
  code: string;
  publicPath: string;
  printedVersion: number;
  outOfDate: boolean;
  content: {
    title: string;
    location: string;
    entries: {
      gridName: string;
      streets: string[];
      streetIds: string[];
      courtyards: string[];
      chiefName: string | null;
      chiefPhone: string | null;
      chiefBadge: string | null;
    }[];
  };
}

const escaped = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

describe('the public signboard page [starts: roster subgraph on MariaDB with the demo roster; in-process bus]', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-signboard-page-'));
  let db: TestDatabase;
  let roster: RunningService;
  const start = (env: Record<string, string> = {}) =>
    rosterService.start({
      env: {
        NODE_ENV: 'test',
        DATA_DIR: dir,
        ROSTER_HOST: '127.0.0.1',
        ROSTER_PORT: '0',
        ROSTER_DATABASE_URL: db.url,
        ROSTER_SEED_DEMO: 'true',
        ...env,
      },
      logger: createLogger({ service: 'test', level: 'silent' }),
      bus: new InProcessBus(),
    });

  beforeAll(async () => {
    db = await freshMysqlDatabase('roster_signboard_page');
    roster = await start();
  });
  afterAll(async () => {
    await roster?.close();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const board = async (code: string) => {
    const res = await gqlRequest<{ signboard: Board }>(`${roster.url}/graphql`, BOARD, { code });
    expect(res.errors).toBeUndefined();
    return res.data!.signboard;
  };

  it('serves the board at its publicPath: what the board shows, printable, with the QR code of its absolute URL', async () => {
    const shown = await board('CC-SB-05');
    const res = await fetch(`${roster.url}${shown.publicPath}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`<h1>${escaped(shown.content.title)}</h1>`);
    expect(html).toContain(escaped(shown.content.location));
    expect(html).toContain(`公示牌 CC-SB-05 · 第 ${shown.printedVersion} 版`);
    expect(html).toContain('@media print');
    // Nothing loaded from elsewhere: no script, stylesheet, image or other URL than its own (and SVG's namespace).
    expect(html).not.toMatch(/<script|<link|<img|https?:\/\/(?!127\.0\.0\.1|www\.w3\.org\/2000\/svg")/i);
    expect(shown.content.entries.length).toBeGreaterThan(0);
    for (const e of shown.content.entries) {
      expect(html).toContain(`<td>${escaped(e.gridName)}</td>`);
      e.streets.forEach((name, i) =>
        expect(html).toContain(`<li data-street-id="${e.streetIds[i]}">${escaped(name)}</li>`),
      );
      if (e.chiefName === null) continue;
      expect(html).toContain(
        `<td>${escaped(e.chiefName)}</td><td>${escaped(e.chiefBadge ?? '')}</td><td>${escaped(e.chiefPhone ?? '')}</td>`,
      );
    }
    // The QR code is inline SVG of the page's absolute URL (the same modules the qrcode package draws).
    const url = `${roster.url.replace('localhost', '127.0.0.1')}/signboards/CC-SB-05`;
    const expected = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    const svg = /<svg[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    expect(svg.replace(/ role="img" aria-label="[^"]*"/, '')).toBe(expected.trim());
    expect(html).toContain(`<figcaption>${url}</figcaption>`);
  });

  it('shows a grid whose chief is suspended as vacant, and no more about chiefs than the public board (no ids)', async () => {
    const chiefs = await roster.dataSource.getRepository(StreetChief).find();
    const before = await board('CC-SB-01');
    const held = before.content.entries.find((e) => e.chiefName !== null)!;
    const chief = chiefs.find((c) => c.name === held.chiefName && c.status === 'APPOINTED')!;
    const suspended = await gqlRequest(
      `${roster.url}/graphql`,
      'mutation($input: ChiefTransitionInput!) { suspendChief(input: $input) { status } }',
      { input: { id: chief.id, reason: '病假' } },
      tokenMinter(dir).mint(['TOWN_OFFICER']),
    );
    expect(suspended.errors).toBeUndefined();
    const html = await (await fetch(`${roster.url}/signboards/CC-SB-01`)).text();
    expect(html).toMatch(
      new RegExp(
        `<td>${escaped(held.gridName)}</td>[\\s\\S]*?<td class="vacant" colspan="3">空缺（待任命）</td>`,
      ),
    );
    expect(html).not.toContain(escaped(held.chiefName!));
    for (const chief of chiefs) expect(html).not.toContain(chief.id);
    const shown = await board('CC-SB-01');
    const phones = [...html.matchAll(/<td>(1\d{10})<\/td>/g)].map((m) => m[1]);
    expect(phones.sort()).toEqual(
      shown.content.entries.flatMap((e) => (e.chiefPhone ? [e.chiefPhone] : [])).sort(),
    );
  });

  it('escapes what the roster holds: a street renamed to markup is shown as text', async () => {
    const shown = await board('CC-SB-05');
    const streetId = shown.content.entries[0]!.streetIds[0]!;
    const admin = tokenMinter(dir).mint(['ADMIN']);
    const name = `<b onclick="x">&'街`;
    const renamed = await gqlRequest(
      `${roster.url}/graphql`,
      'mutation($input: RenamePlaceInput!) { renameStreet(input: $input) { name } }',
      { input: { id: streetId, name } },
      admin,
    );
    expect(renamed.errors).toBeUndefined();
    const html = await (await fetch(`${roster.url}/signboards/CC-SB-05`)).text();
    expect(html).not.toContain('<b onclick');
    expect(html).toContain(`>&lt;b onclick=&quot;x&quot;&gt;&amp;&#39;街</li>`);
    // The renamed street made the board out of date: the page says so.
    expect((await board('CC-SB-05')).outOfDate).toBe(true);
    expect(html).toContain('现场公示牌尚待重印');
  });

  it.each([
    ['CC-SB-99', 'CC-SB-99'],
    ['%3Cscript%3E', '&lt;script&gt;'],
    ['a/b', 'a/b'],
  ])('answers an HTML 404 page for %s, naming the code escaped', async (code, shown) => {
    const res = await fetch(`${roster.url}/signboards/${code}`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('未找到公示牌');
    expect(html).toContain(`<strong>${shown}</strong>`);
    expect(html).not.toContain('<script>');
  });

  it('encodes ROSTER_PUBLIC_URL when set, and the forwarded origin only from a trusted proxy', async () => {
    const publicUrl = await start({ ROSTER_PUBLIC_URL: 'https://chief.example.org/' });
    try {
      const html = await (await fetch(`${publicUrl.url}/signboards/cc-sb-02`)).text();
      expect(html).toContain('<figcaption>https://chief.example.org/signboards/CC-SB-02</figcaption>');
    } finally {
      await publicUrl.close();
    }
    const forwarded = { 'x-forwarded-host': 'board.example.org', 'x-forwarded-proto': 'https' };
    // Not trusted (the default): the Host the request used.
    const untrusted = await (await fetch(`${roster.url}/signboards/CC-SB-02`, { headers: forwarded })).text();
    expect(untrusted).not.toContain('board.example.org');
    const behindGateway = await start({ ROSTER_TRUSTED_PROXIES: 'loopback' });
    try {
      const html = await (
        await fetch(`${behindGateway.url}/signboards/CC-SB-02`, { headers: forwarded })
      ).text();
      expect(html).toContain('<figcaption>https://board.example.org/signboards/CC-SB-02</figcaption>');
    } finally {
      await behindGateway.close();
    }
  });
});
