import http from 'node:http';
import { gqlRequest } from '@sc/testing';
import { startStack, type Stack } from './stack';

/** A GET as sent, path untouched (fetch would normalise `//host/...`). */
function get(
  url: string,
  pathName: string,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'GET', path: pathName }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the public signboard page through the gateway [starts: every service on MariaDB, gateway; needs: MariaDB, Kafka]', () => {
  let stack: Stack;

  beforeAll(async () => {
    // The gateway is the roster's trusted proxy (as in a deployment): its X-Forwarded-Host counts.
    stack = await startStack(
      'signboard_page',
      { roster: { ROSTER_TRUSTED_PROXIES: 'loopback' } },
      { readModels: false },
    );
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("serves the page at the signboard's publicPath on the gateway's URL, its QR code holding that URL", async () => {
    const res = await gqlRequest<{ signboard: { publicPath: string; content: { title: string } } }>(
      stack.gatewayUrl,
      '{ signboard(code: "CC-SB-05") { publicPath content { title } } }',
    );
    const { publicPath, content } = res.data!.signboard;
    expect(publicPath).toBe('/signboards/CC-SB-05');
    const page = await fetch(`${stack.gateway.url}${publicPath}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('cache-control')).toBe('public, max-age=60');
    const html = await page.text();
    expect(html).toContain(`<h1>${content.title}</h1>`);
    // The address a reader scans is the gateway's, not the roster's own.
    const gatewayUrl = `${stack.gateway.url.replace('localhost', '127.0.0.1')}${publicPath}`;
    expect(html).toContain(`<figcaption>${gatewayUrl}</figcaption>`);
    expect(html).not.toContain(new URL(stack.roster.url).port + '/signboards');
  });

  it('answers the 404 page for an unknown code, and never lets the request pick the host it calls', async () => {
    const unknown = await fetch(`${stack.gateway.url}/signboards/NO-SUCH`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('未找到公示牌');
    // A request target that looks like another host still goes to the roster, path only.
    const sneaky = await get(stack.gateway.url, '//127.0.0.2:1/signboards/CC-SB-01');
    expect(sneaky.status).toBe(200);
    expect(sneaky.body).toContain('公示牌 CC-SB-01');
  });
});
