/**
 * The county feed for specs: `apps/county-feed` run as a real child process on Kafka and MariaDB, so
 * that `kill()` is honest (SIGKILL: no offsets committed, no connection closed). A restart with the
 * same `databaseUrl` and `groupId` resumes where the killed one left off.
 */
import { databaseKind, ensureMysqlDatabase } from '@sc/db';
import { pause, ServiceProcess, TEST_LOG_LEVEL } from '@sc/testing';
import type { CountyFigures } from './figures';
import type { FeedStatus } from './feed';

export interface StartCountyFeedOptions {
  brokers: string[];
  topicPrefix: string;
  /** mariadb://… or mysql://… (created when missing); the same URL again resumes. */
  databaseUrl: string;
  /** Consumer group and inbox name; default `county-feed`. */
  groupId?: string;
  /** The feed's LOG_LEVEL (default `info`, the level the URL is read from; or TEST_LOG_LEVEL when debug/trace). */
  logLevel?: string;
}

export interface RunningCountyFeed {
  /** Base URL (`/api/v1/figures`, `/metrics`, `/readyz` below it). */
  url: string;
  figures(fromMonth: string, toMonth: string): Promise<CountyFigures>;
  /** Messages of the feed's topics its group has not committed yet, as the feed last asked the broker. */
  lag(): Promise<{ eventsBehind: number }>;
  /**
   * Resolves once the feed is caught up: no event behind, by a lag poll that started after this call
   * (the producers' relays may still hold events in their outboxes: wait for those first).
   */
  waitCaughtUp(timeoutMs?: number): Promise<void>;
  /** SIGTERM: the feed stops consuming, commits and closes. */
  stop(): Promise<void>;
  /** SIGKILL: nothing is committed or closed. */
  kill(): Promise<void>;
  /** What the process wrote (for failure messages). */
  tail(lines?: number): string;
}

class FeedProcess extends ServiceProcess {
  /** The base URL from the `county feed listening` line, once written. */
  get hasExited(): boolean {
    return this.exit !== null;
  }

  get url(): string | undefined {
    const url = this.logged('county feed listening')?.['url'];
    return typeof url === 'string' ? url : undefined;
  }
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function startCountyFeed(opts: StartCountyFeedOptions): Promise<RunningCountyFeed> {
  if (databaseKind(opts.databaseUrl) === 'mysql') await ensureMysqlDatabase(opts.databaseUrl);
  const child = new FeedProcess('county-feed', {
    KAFKA_BROKERS: opts.brokers.join(','),
    KAFKA_TOPIC_PREFIX: opts.topicPrefix,
    COUNTY_FEED_DATABASE_URL: opts.databaseUrl,
    COUNTY_FEED_GROUP_ID: opts.groupId ?? 'county-feed',
    COUNTY_FEED_PORT: '0',
    COUNTY_FEED_HOST: '127.0.0.1',
    // At least info: the URL comes from the `county feed listening` line (the output is kept, not printed).
    LOG_LEVEL: opts.logLevel ?? (['debug', 'trace'].includes(TEST_LOG_LEVEL) ? TEST_LOG_LEVEL : 'info'),
  });
  const deadline = Date.now() + 120_000;
  let url: string | undefined;
  for (;;) {
    const exit = await Promise.race([child.exited, pause(100).then(() => null)]);
    if (exit)
      throw new Error(`the county feed exited (${exit.code ?? exit.signal}) at start:\n${child.tail()}`);
    url = child.url;
    if (url) {
      const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
    }
    if (Date.now() > deadline) {
      await child.stop('SIGKILL');
      throw new Error(`the county feed did not start within 120 s:\n${child.tail()}`);
    }
  }
  const base = url;
  const status = () => getJson<FeedStatus>(`${base}/api/v1/status`);
  return {
    url: base,
    figures: (fromMonth, toMonth) =>
      getJson<CountyFigures>(
        `${base}/api/v1/figures?fromMonth=${encodeURIComponent(fromMonth)}&toMonth=${encodeURIComponent(toMonth)}`,
      ),
    lag: async () => ({ eventsBehind: (await status()).eventsBehind }),
    waitCaughtUp: async (timeoutMs = 120_000) => {
      const since = Date.now();
      const until = since + timeoutMs;
      let last: FeedStatus | null = null;
      while (Date.now() < until) {
        if (child.hasExited) throw new Error(`the county feed exited while catching up:\n${child.tail()}`);
        last = await status();
        if (last.eventsBehind === 0 && last.lagCheckedAt !== null && last.lagCheckedAt > since) return;
        await pause(250);
      }
      throw new Error(
        `the county feed was not caught up within ${timeoutMs} ms (${JSON.stringify(last)}):\n${child.tail()}`,
      );
    },
    stop: async () => {
      await child.stop('SIGTERM');
    },
    kill: async () => {
      await child.stop('SIGKILL');
    },
    tail: (lines) => child.tail(lines),
  };
}
