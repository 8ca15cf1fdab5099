import fs from 'node:fs';
import path from 'node:path';

/**
 * The alert rules and the Grafana dashboard in docker/monitoring name metrics as strings: checked
 * here against the names the code registers, so a renamed metric cannot leave an alert that never
 * fires or a panel that stays empty.
 */
const ROOT = path.resolve(__dirname, '../..');
const MONITORING = path.join(ROOT, 'docker/monitoring');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory())
      return e.name === 'node_modules' || e.name === '__generated__' ? [] : sourceFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [full] : [];
  });
}

/** `'sc_…'` literals passed to `metrics.counter/histogram/gauge` anywhere in libs/. */
function registeredMetrics(): Map<string, 'histogram' | 'other'> {
  const names = new Map<string, 'histogram' | 'other'>();
  for (const file of sourceFiles(path.join(ROOT, 'libs'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\.(counter|histogram|gauge)(?:<[^>]*>)?\(\s*'(sc_[a-z0-9_]+)'/g))
      names.set(m[2] as string, m[1] === 'histogram' ? 'histogram' : 'other');
  }
  return names;
}

/** The series names an expression uses: `sc_…` names, histogram suffixes resolved to their metric. */
function usedMetrics(text: string): string[] {
  return [...new Set([...text.matchAll(/\b(sc_[a-z0-9_]+)/g)].map((m) => m[1] as string))];
}

function isKnown(name: string, registered: Map<string, 'histogram' | 'other'>): boolean {
  if (registered.has(name)) return true;
  const base = name.replace(/_(bucket|count|sum)$/, '');
  return base !== name && registered.get(base) === 'histogram';
}

describe('docker/monitoring', () => {
  const registered = registeredMetrics();

  it('finds the metrics the code registers', () => {
    expect(registered.get('sc_graphql_request_duration_seconds')).toBe('histogram');
    expect(registered.has('sc_outbox_oldest_unpublished_age_seconds')).toBe(true);
    expect(registered.size).toBeGreaterThanOrEqual(12);
  });

  it('alerts only on metrics that exist, and on the four the issue names', () => {
    const alerts = fs.readFileSync(path.join(MONITORING, 'alerts.yml'), 'utf8');
    const used = usedMetrics(alerts);
    expect(used.filter((n) => !isKnown(n, registered))).toEqual([]);
    for (const alert of [
      'OutboxEventsWaiting',
      'ConsumerLagGrowing',
      'GraphQLErrorRateHigh',
      'GraphQLLatencyHigh',
    ])
      expect(alerts).toContain(`alert: ${alert}`);
    expect(alerts).toMatch(/sc_outbox_oldest_unpublished_age_seconds\) > 60/);
    expect(alerts).toMatch(/> 0\.01/);
    expect(alerts).toMatch(/histogram_quantile\(0\.99, [^\n]*\) > 1/);
  });

  it('has a dashboard whose every panel queries metrics that exist', () => {
    const dashboard = JSON.parse(
      fs.readFileSync(path.join(MONITORING, 'grafana/dashboards/street-chief.json'), 'utf8'),
    ) as { uid: string; panels: { title: string; targets: { expr: string }[] }[] };
    expect(dashboard.uid).toBe('street-chief');
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    for (const panel of dashboard.panels) {
      expect(panel.targets.length).toBeGreaterThan(0);
      const unknown = panel.targets
        .flatMap((t) => usedMetrics(t.expr))
        .filter((n) => !isKnown(n, registered));
      expect({ panel: panel.title, unknown }).toEqual({ panel: panel.title, unknown: [] });
    }
  });

  it('scrapes every app the compose file runs', () => {
    const compose = fs.readFileSync(path.join(ROOT, 'docker/compose.yaml'), 'utf8');
    const prometheus = fs.readFileSync(path.join(MONITORING, 'prometheus.yml'), 'utf8');
    const apps = fs
      .readdirSync(path.join(ROOT, 'apps'))
      .filter((a) => a !== 'embedded' && fs.existsSync(path.join(ROOT, 'apps', a, 'src/main.ts')));
    expect(apps.length).toBeGreaterThanOrEqual(5);
    for (const app of apps) {
      expect({ app, inCompose: compose.includes(`\n  ${app}:\n`) }).toEqual({ app, inCompose: true });
      expect({ app, scraped: new RegExp(`'${app}:\\d+'`).test(prometheus) }).toEqual({ app, scraped: true });
    }
  });
});
