/** One scrape of a `/metrics` endpoint (Prometheus text format), for assertions. */
export interface Scrape {
  text: string;
  /** The value of the series with exactly these labels (the `service` label aside); undefined if absent. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Sum over every series of that name whose labels include these. */
  sum(name: string, labels?: Record<string, string>): number;
}

function parseLabels(raw: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!raw) return labels;
  for (const m of raw.matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
    labels[m[1] as string] = (m[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  return labels;
}

/** Parses the exposition text into series. */
export function parseMetrics(text: string): Scrape {
  const series: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    series.push({ name: m[1] as string, labels: parseLabels(m[2]), value: Number(m[3]) });
  }
  const matches = (have: Record<string, string>, want: Record<string, string>) =>
    Object.entries(want).every(([k, v]) => have[k] === v);
  return {
    text,
    value(name, labels = {}) {
      const found = series.find((s) => {
        if (s.name !== name) return false;
        const own = Object.keys(s.labels).filter((k) => k !== 'service');
        return own.length === Object.keys(labels).length && matches(s.labels, labels);
      });
      return found?.value;
    },
    sum(name, labels = {}) {
      return series
        .filter((s) => s.name === name && matches(s.labels, labels))
        .reduce((n, s) => n + s.value, 0);
    },
  };
}

/** GETs `<baseUrl>/metrics` and parses it; fails on anything but 200 with the Prometheus content type. */
export async function scrapeMetrics(baseUrl: string): Promise<Scrape> {
  const res = await fetch(new URL('/metrics', baseUrl));
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('text/plain')) throw new Error(`/metrics content type ${type}`);
  return parseMetrics(await res.text());
}
