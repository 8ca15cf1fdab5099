// Container health probe (the image's HEALTHCHECK): GET /healthz of the app in this container and
// exit 0 on a 2xx answer, 1 otherwise. node:*-slim has no curl or wget, so it uses Node's fetch.
//
// The port follows the app's own convention, <APP>_PORT (ROSTER_PORT, GATEWAY_PORT, …), so a port
// changed at run time is still probed; otherwise APP_PORT, the port baked in at build time.
// HEALTHCHECK_URL overrides the whole URL (e.g. when the app binds to another interface).
// county-feed → COUNTY_FEED_PORT.
const app = (process.env.APP ?? '').toUpperCase().replace(/[^A-Z0-9]+/g, '_');
const port = process.env[`${app}_PORT`] || process.env.APP_PORT || '4000';
const url = process.env.HEALTHCHECK_URL || `http://127.0.0.1:${port}/healthz`;

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  if (!res.ok) console.error(`healthcheck: ${url} answered ${res.status}`);
  process.exit(res.ok ? 0 : 1);
} catch (error) {
  console.error(`healthcheck: ${url} failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
