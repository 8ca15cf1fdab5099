import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BoundedLabel, Metrics } from './metrics';

describe('Metrics', () => {
  it('serves the Prometheus text format with the service label on every series', async () => {
    const metrics = new Metrics({ service: 'roster', processMetrics: false });
    metrics.counter('sc_things_total', 'Things.', ['kind']).inc({ kind: 'a' }, 2);
    metrics.histogram('sc_took_seconds', 'Took.').observe(0.003);
    const server = http.createServer((req, res) => void metrics.route()(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(text).toContain('sc_things_total{kind="a",service="roster"} 2');
      expect(text).toContain('sc_took_seconds_bucket{le="0.005",service="roster"} 1');
      expect(text).toContain('# HELP sc_things_total Things.');
    } finally {
      server.close();
    }
  });

  it('gives the same counter to a second caller, and refuses a gauge registered twice', () => {
    const metrics = new Metrics({ service: 's', processMetrics: false });
    expect(metrics.counter('sc_a_total', 'A.')).toBe(metrics.counter('sc_a_total', 'A.'));
    metrics.gauge('sc_g', 'G.', [], (g) => g.set(1));
    expect(() => metrics.gauge('sc_g', 'G.', [], (g) => g.set(2))).toThrow(/twice/);
  });

  it('reads gauges at scrape time; a failing read reports NaN or nothing, and never fails the scrape', async () => {
    const metrics = new Metrics({ service: 's', processMetrics: false });
    let depth = 3;
    let broken = false;
    metrics.gauge('sc_depth', 'Depth.', [], (g) => {
      if (broken) throw new Error('database away');
      g.set(depth);
    });
    expect(await metrics.text()).toMatch(/^sc_depth\{service="s"\} 3$/m);
    depth = 5;
    expect(await metrics.text()).toMatch(/^sc_depth\{service="s"\} 5$/m);
    metrics.gauge('sc_pool', 'Pool.', ['state'], (g) => {
      if (broken) throw new Error('database away');
      g.set({ state: 'idle' }, 2);
    });
    expect(await metrics.text()).toMatch(/^sc_pool\{state="idle",service="s"\} 2$/m);
    broken = true;
    const text = await metrics.text();
    // prom-client writes `Nan`, which Prometheus reads as NaN (case-insensitive).
    expect(text).toMatch(/^sc_depth\{service="s"\} nan$/im);
    expect(text).not.toMatch(/^sc_pool\{/m);
  });

  it('adds Node process metrics by default', async () => {
    const text = await new Metrics({ service: 's' }).text();
    expect(text).toMatch(/^process_resident_memory_bytes\{service="s"\} \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds\{service="s"\}/m);
  });
});

describe('BoundedLabel', () => {
  it('keeps the first names, then counts the rest as other; no name is anonymous, a malformed one invalid', () => {
    const label = new BoundedLabel(2);
    expect(label.value('ResidentList')).toBe('ResidentList');
    expect(label.value('GridPage')).toBe('GridPage');
    expect(label.value('Third')).toBe('other');
    expect(label.value('ResidentList')).toBe('ResidentList');
    expect(label.value(undefined)).toBe('anonymous');
    expect(label.value('')).toBe('anonymous');
    expect(label.value('x" } evil{')).toBe('invalid');
    expect(label.value('a'.repeat(65))).toBe('invalid');
  });
});
