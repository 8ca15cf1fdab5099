import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateDevSigningKey, StaticKeyResolver } from '@sc/auth';
import { createLogger } from '@sc/config';
import { InProcessBus } from '@sc/events';
import { gqlRequest } from '@sc/testing';
import { cases as casesService, type RunningCases } from './cases.service';

describe('cases subgraph in embedded mode [starts: cases subgraph on SQLite, in-process bus]', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-cases-'));
  const bus = new InProcessBus();
  let cases: RunningCases;
  let url: string;

  beforeAll(async () => {
    cases = await casesService.start({
      env: {
        NODE_ENV: 'test',
        DATA_DIR: dir,
        CASES_HOST: '127.0.0.1',
        CASES_PORT: '0',
        CASES_DATABASE_URL: `sqlite:${dir}/cases.sqlite`,
      },
      logger: createLogger({ service: 'test', level: 'silent' }),
      bus,
      keyResolver: new StaticKeyResolver([loadOrCreateDevSigningKey(dir)]),
    });
    url = `${cases.url}/graphql`;
  }, 60_000);
  afterAll(async () => {
    await cases?.close();
    await bus.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the seeded taxonomy to anyone: 9 categories, 29 items with their limits', async () => {
    const res = await gqlRequest<{
      taxonomy: {
        code: string;
        name: string;
        items: {
          code: string;
          version: number;
          respondLimit: { value: number; unit: string };
          urgent: boolean;
        }[];
      }[];
    }>(url, '{ taxonomy { code name items { code version urgent respondLimit { value unit } } } }');
    expect(res.errors).toBeUndefined();
    const categories = res.data!.taxonomy;
    expect(categories.map((c) => c.name)).toEqual([
      '消防安全',
      '社会治安',
      '环境卫生',
      '市容秩序',
      '交通停车',
      '违法建设',
      '公共设施',
      '绿化养护',
      '民生诉求',
    ]);
    expect(categories.flatMap((c) => c.items)).toHaveLength(29);
    expect(categories[0]?.items[1]).toEqual({
      code: 'FIRE_EXIT_BLOCKED',
      version: 1,
      urgent: true,
      respondLimit: { value: 2, unit: 'HOURS' },
    });
  });

  it("serves a year's calendar exceptions and refuses a year out of range", async () => {
    const res = await gqlRequest<{ workCalendar: { day: string; kind: string }[] }>(
      url,
      '{ workCalendar(year: 2026) { day kind name } }',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.workCalendar.filter((d) => d.kind === 'HOLIDAY')).toHaveLength(33);
    expect(res.data!.workCalendar.filter((d) => d.kind === 'WORKDAY').map((d) => d.day)).toEqual([
      '2026-01-04',
      '2026-02-14',
      '2026-02-28',
      '2026-05-09',
      '2026-09-20',
      '2026-10-10',
    ]);
    const bad = await gqlRequest(url, '{ workCalendar(year: 1800) { day } }');
    expect(bad.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('seeds the taxonomy once: a second start leaves one version 1 per item', async () => {
    await cases.exposed.taxonomy.ensureSeeded();
    const [{ n }] = (await cases.dataSource.query('SELECT COUNT(*) AS n FROM case_item_version')) as {
      n: number;
    }[];
    expect(Number(n)).toBe(29);
  });
});
