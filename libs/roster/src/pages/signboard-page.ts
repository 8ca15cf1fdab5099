import type { IncomingMessage, ServerResponse } from 'node:http';
import QRCode from 'qrcode';
import type { Logger } from '@sc/config';
import type { RouteHandler } from '@sc/graphql';
import type { RosterRequest } from '../context';
import type { Signboard } from '../entities/signboard.entity';
import type { SignboardService, SignboardView } from '../services/signboard.service';

/** The public page of a board (ADR 0046): `/signboards/<code>`, the signboard's `publicPath`. */
export const SIGNBOARD_PAGES = '/signboards/*';

const CODE = /^[A-Za-z0-9-]{1,20}$/;

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/**
 * The page answers a public, printable copy of the board and nothing else: no script, no outside
 * resource (the QR code is inline SVG, the styles inline), not framed by other sites.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const STYLE = `
  :root { color-scheme: light; font-family: "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
  body { margin: 0; background: #f3f1ec; color: #1d1d1d; }
  main { max-width: 210mm; margin: 0 auto; padding: 12mm; background: #fff; box-sizing: border-box; }
  header { border-bottom: 3px solid #b3261e; margin-bottom: 6mm; }
  h1 { color: #b3261e; font-size: 26pt; margin: 0 0 2mm; letter-spacing: 0.1em; text-align: center; }
  .location, .code { text-align: center; margin: 1mm 0; }
  .code { color: #555; font-size: 10pt; }
  .notice { border: 1px solid #b3261e; padding: 2mm 4mm; color: #b3261e; }
  table { width: 100%; border-collapse: collapse; font-size: 12pt; }
  th, td { border: 1px solid #999; padding: 2mm 3mm; vertical-align: top; text-align: left; }
  th { background: #f6e7e5; }
  ul { margin: 0; padding: 0; list-style: none; }
  .vacant { color: #777; }
  footer { display: flex; align-items: center; gap: 6mm; margin-top: 8mm; }
  figure { margin: 0; text-align: center; }
  figure svg { width: 32mm; height: 32mm; display: block; }
  figcaption { font-size: 8pt; color: #555; word-break: break-all; max-width: 60mm; }
  @page { size: A4 portrait; margin: 10mm; }
  @media print {
    body { background: none; }
    main { max-width: none; padding: 0; }
    th { background: none; }
    tr { break-inside: avoid; }
  }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const list = (names: string[], ids: string[], attribute: string) =>
  names.length === 0
    ? '—'
    : `<ul>${names.map((n, i) => `<li ${attribute}="${escapeHtml(ids[i] ?? '')}">${escapeHtml(n)}</li>`).join('')}</ul>`;

/**
 * The board as a page: what the printed board shows (title, location, per grid its streets,
 * courtyards and chief with badge and public phone, or 空缺 while vacant) and the QR code of `url`,
 * the page's own absolute address. Every text is escaped.
 */
export async function renderSignboardPage(
  board: Signboard,
  view: SignboardView,
  url: string,
): Promise<string> {
  const svg = (await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })).replace(
    '<svg ',
    `<svg role="img" aria-label="${escapeHtml(`二维码：${url}`)}" `,
  );
  const rows = view.entries
    .map(
      (e) => `<tr data-grid-id="${escapeHtml(e.gridId)}">
<td>${escapeHtml(e.gridName)}</td>
<td>${list(e.streets, e.streetIds, 'data-street-id')}</td>
<td>${list(e.courtyards, e.courtyardIds, 'data-courtyard-id')}</td>
${
  e.chiefName === null
    ? '<td class="vacant" colspan="3">空缺（待任命）</td>'
    : `<td>${escapeHtml(e.chiefName)}</td><td>${escapeHtml(e.chiefBadge ?? '')}</td><td>${escapeHtml(e.chiefPhone ?? '')}</td>`
}
</tr>`,
    )
    .join('\n');
  return page(
    `${view.title} ${board.code}`,
    `<header>
<h1>${escapeHtml(view.title)}</h1>
<p class="location">${escapeHtml(view.location)}</p>
<p class="code">公示牌 ${escapeHtml(board.code)} · 第 ${board.printedVersion} 版</p>
</header>
${
  board.outOfDate
    ? '<p class="notice">本页为最新公示内容；现场公示牌尚待重印，与本页不一致之处以本页为准。</p>\n'
    : ''
}<table>
<thead><tr><th>网格</th><th>街道</th><th>院落</th><th>街长</th><th>工作牌</th><th>联系电话</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<footer>
<figure>${svg}<figcaption>${escapeHtml(url)}</figcaption></figure>
<p>扫码查看本公示牌的最新内容。<br>有诉求请联系所在网格街长。</p>
</footer>`,
  );
}

/** The page for a code no board has (or that is not a code at all). */
export function signboardNotFoundPage(code: string): string {
  return page(
    '未找到公示牌',
    `<header><h1>未找到公示牌</h1></header>
<p>没有编号为 <strong>${escapeHtml(code)}</strong> 的街长公示牌。请核对公示牌上的编号。</p>`,
  );
}

function send(res: ServerResponse, status: number, html: string, cacheControl: string): void {
  res.writeHead(status, {
    ...PAGE_HEADERS,
    'cache-control': cacheControl,
    'content-length': Buffer.byteLength(html),
  });
  res.end(html);
}

/**
 * `GET /signboards/<code>`: the board's public page, 404 page for an unknown code. `origin` is the
 * origin the caller addressed (the gateway's public URL when set, else from the request), so the QR
 * code holds the absolute address of the page the reader sees.
 */
export function signboardPageRoute(deps: {
  signboards: SignboardService;
  request: () => RosterRequest;
  origin: (req: IncomingMessage) => string;
  logger: Logger;
}): RouteHandler {
  return async (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    let code = '';
    try {
      code = decodeURIComponent(pathname.slice('/signboards/'.length));
    } catch {
      code = pathname.slice('/signboards/'.length);
    }
    const request = deps.request();
    const board = CODE.test(code) ? await deps.signboards.byCode(request, code) : null;
    if (!board) return send(res, 404, signboardNotFoundPage(code.slice(0, 40)), 'no-store');
    const view = await deps.signboards.content(request, board);
    const url = `${deps.origin(req)}/signboards/${encodeURIComponent(board.code)}`;
    // A board follows the roster within a second (ADR 0026): a minute's caching is what a reader
    // (or a proxy) may keep.
    send(res, 200, await renderSignboardPage(board, view, url), 'public, max-age=60');
    deps.logger.debug({ code: board.code }, 'signboard page served');
  };
}
