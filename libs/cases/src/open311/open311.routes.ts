import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@sc/config';
import type { RouteHandler } from '@sc/graphql';
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  Open311Error,
  type Open311Service,
  type PostRequest,
  type RequestQuery,
} from './open311.service';
import type { Open311Status } from './status';
import { toXml } from './xml';

/** Where Open311 is served on the cases service. */
export const OPEN311_PATH = '/open311/v2';
/** The version of this endpoint's behaviour that discovery announces. */
export const OPEN311_CHANGESET = '2026-12-03T00:00:00Z';
const MAX_POST_BYTES = 64 * 1024;
const W3C_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const ID = /^[0-9a-fA-F-]{36}$/;
const CODE = /^[A-Z][A-Z0-9_]{0,39}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{1,63}$/;
const PHONE = /^\+?[0-9 ()-]{3,30}$/;

type Format = 'json' | 'xml';
type Params = Map<string, string>;

const bad = (parameter: string, message: string) => new Open311Error(400, `${parameter}: ${message}`);

function send(
  res: ServerResponse,
  format: Format,
  status: number,
  root: string,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = format === 'xml' ? toXml(root, body) : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': format === 'xml' ? 'text/xml; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, format: Format, error: Open311Error): void {
  send(
    res,
    format,
    error.status,
    'errors',
    [{ code: error.status, description: error.description }],
    error.headers,
  );
}

function dateParam(params: Params, name: string): Date | undefined {
  const raw = params.get(name);
  if (raw === undefined || raw === '') return undefined;
  const d = new Date(raw);
  if (!W3C_DATETIME.test(raw) || Number.isNaN(d.getTime()))
    throw bad(name, 'expected a W3C date and time with its zone, e.g. 2026-12-01T08:00:00+08:00');
  return d;
}

function intParam(params: Params, name: string, min: number, max: number, fallback: number): number {
  const raw = params.get(name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw bad(name, `expected a whole number from ${min} to ${max}`);
  return Number(raw);
}

function listParam(params: Params, name: string, pattern: RegExp, what: string): string[] | undefined {
  const raw = params.get(name);
  if (raw === undefined || raw === '') return undefined;
  const items = [...new Set(raw.split(',').map((s) => s.trim()))];
  if (items.length > MAX_PAGE_SIZE) throw bad(name, `at most ${MAX_PAGE_SIZE} values`);
  for (const item of items)
    if (!pattern.test(item)) throw bad(name, `${JSON.stringify(item)} is not ${what}`);
  return items;
}

/** `GET requests` parameters (the spec's and the common extensions), every one checked. */
export function parseRequestQuery(params: Params): RequestQuery {
  const ids = listParam(params, 'service_request_id', ID, 'a service request id');
  const serviceCodes = listParam(params, 'service_code', CODE, 'a service code');
  const statuses = listParam(params, 'status', /^(open|closed)$/, 'open or closed') as
    Open311Status[] | undefined;
  const start = dateParam(params, 'start_date');
  const end = dateParam(params, 'end_date');
  if (start && end && end < start) throw bad('end_date', 'is before start_date');
  const updatedAfter = dateParam(params, 'updated_after');
  const page = intParam(params, 'page', 1, 1_000_000, 1);
  const pageSize = intParam(params, 'page_size', 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
  return { ids, serviceCodes, statuses, start, end, updatedAfter, page, pageSize };
}

function text(params: Params, name: string, max: number, required = false): string | undefined {
  const raw = params.get(name)?.trim();
  if (raw === undefined || raw === '') {
    if (required) throw bad(name, 'is required');
    return undefined;
  }
  if ([...raw].length > max) throw bad(name, `at most ${max} characters`);
  return raw;
}

function coordinate(params: Params, name: 'lat' | 'long'): number | undefined {
  const raw = params.get(name);
  if (raw === undefined || raw === '') return undefined;
  const limit = name === 'lat' ? 90 : 180;
  const n = Number(raw);
  if (!/^-?\d{1,3}(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(n) || Math.abs(n) > limit)
    throw bad(name, `expected decimal degrees (WGS-84) from -${limit} to ${limit}`);
  return n;
}

/** `POST requests` parameters, without the key (checked first, by the caller). */
export function parsePostRequest(params: Params): PostRequest {
  const serviceCode = text(params, 'service_code', 40, true) ?? '';
  if (!CODE.test(serviceCode)) throw bad('service_code', 'is not a service code (GET services.json)');
  const addressId = text(params, 'address_id', 36);
  const street = text(params, 'attribute[street]', 36);
  const streetId = street ?? addressId;
  if (!streetId) throw bad('attribute[street]', 'is required: a street key of the service definition');
  if (!ID.test(streetId)) throw bad(street ? 'attribute[street]' : 'address_id', 'is not a street id');
  const courtyardId = text(params, 'attribute[courtyard]', 36);
  if (courtyardId && !ID.test(courtyardId)) throw bad('attribute[courtyard]', 'is not a courtyard id');
  const lat = coordinate(params, 'lat');
  const long = coordinate(params, 'long');
  if ((lat === undefined) !== (long === undefined))
    throw bad(lat === undefined ? 'lat' : 'long', 'lat and long go together');
  const description = text(params, 'description', 2000, true) ?? '';
  const email = text(params, 'email', 254);
  if (email && !EMAIL.test(email)) throw bad('email', 'is not an email address');
  const phone = text(params, 'phone', 30);
  if (phone && !PHONE.test(phone)) throw bad('phone', 'is not a phone number');
  return {
    serviceCode,
    streetId,
    courtyardId,
    lat,
    long,
    addressString: text(params, 'address_string', 200),
    description,
    email,
    firstName: text(params, 'first_name', 60),
    lastName: text(params, 'last_name', 60),
    phone,
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_POST_BYTES) {
        req.pause();
        reject(new Open311Error(413, `the request body is over ${MAX_POST_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A POST body as parameters: form-encoded (the spec's, FixMyStreet's) or a flat JSON object. */
async function bodyParams(req: IncomingMessage, into: Params): Promise<void> {
  const raw = await readBody(req);
  if (raw.trim() === '') return;
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new Open311Error(400, 'body: is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Open311Error(400, 'body: expected a JSON object of parameters');
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      if (k === 'attribute' && typeof v === 'object' && v !== null) {
        for (const [ak, av] of Object.entries(v as Record<string, unknown>))
          into.set(`attribute[${ak}]`, String(av));
      } else if (v !== null && v !== undefined)
        into.set(k, typeof v === 'object' ? JSON.stringify(v) : String(v as string));
    }
    return;
  }
  if (type !== 'application/x-www-form-urlencoded')
    throw new Open311Error(415, 'body: send application/x-www-form-urlencoded (or application/json)');
  for (const [k, v] of new URLSearchParams(raw)) into.set(k, v);
}

/**
 * The Open311 routes for the service kit: `GET /open311/v2/*` and `POST /open311/v2/*`. Every refusal
 * answers the spec's error list `[{code, description}]` (XML: `<errors><error>…`) with the HTTP status
 * as its code; faults are logged and answered 500 without internals.
 */
export function open311Routes(open311: Open311Service, logger?: Logger): Record<string, RouteHandler> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const rest = url.pathname.slice(OPEN311_PATH.length + 1);
    const match = /^(.*)\.(json|xml)$/.exec(rest);
    const format: Format = match?.[2] === 'xml' ? 'xml' : 'json';
    try {
      if (!match)
        throw new Open311Error(
          404,
          `${url.pathname}: not an Open311 resource (…/services.json, …/requests.xml)`,
        );
      const resource = match[1] ?? '';
      const params: Params = new Map(url.searchParams);
      const method = req.method ?? 'GET';
      if (method === 'POST') await bodyParams(req, params);
      const jurisdiction = params.get('jurisdiction_id');
      if (jurisdiction && jurisdiction !== open311.communityCode)
        throw new Open311Error(404, `jurisdiction_id: this endpoint serves ${open311.communityCode} only`);
      if (method === 'POST') {
        if (resource !== 'requests') throw new Open311Error(405, `${resource}: only requests take a POST`);
        const client = await open311.clientOf(params.get('api_key'));
        const created = await open311.create(client, parsePostRequest(params));
        return send(res, format, 201, 'service_requests', [created]);
      }
      if (resource === 'discovery') {
        const base = `http://${req.headers.host ?? 'localhost'}${OPEN311_PATH}`;
        return send(res, format, 200, 'discovery', {
          changeset: OPEN311_CHANGESET,
          contact: 'The operators of this street-chief platform (docs/open311.md).',
          key_service: 'Keys for POST requests are issued by a platform ADMIN (GraphQL createOpen311Client).',
          endpoints: [
            {
              specification: 'http://wiki.open311.org/GeoReport_v2',
              url: base,
              changeset: OPEN311_CHANGESET,
              type: 'production',
              formats: ['application/json', 'text/xml'],
            },
          ],
        });
      }
      if (resource === 'services') return send(res, format, 200, 'services', await open311.services());
      if (resource.startsWith('services/')) {
        const code = decodeURIComponent(resource.slice('services/'.length));
        if (!CODE.test(code))
          throw new Open311Error(404, `service_code: ${code} is not a service of this endpoint`);
        return send(res, format, 200, 'service_definition', await open311.definition(code));
      }
      if (resource === 'requests') {
        return send(res, format, 200, 'service_requests', await open311.requests(parseRequestQuery(params)));
      }
      if (resource.startsWith('requests/')) {
        const id = decodeURIComponent(resource.slice('requests/'.length));
        if (!ID.test(id)) throw new Open311Error(404, `service_request_id: no request ${id}`);
        return send(res, format, 200, 'service_requests', await open311.request(id));
      }
      throw new Open311Error(404, `${url.pathname}: not an Open311 resource`);
    } catch (error) {
      if (error instanceof Open311Error) {
        if (error.status === 413) res.setHeader('connection', 'close');
        return sendError(res, format, error);
      }
      logger?.error({ err: error, path: url.pathname }, 'open311 request failed');
      return sendError(res, format, new Open311Error(500, 'internal error'));
    }
  };
  return { [`GET ${OPEN311_PATH}/*`]: handle, [`POST ${OPEN311_PATH}/*`]: handle };
}
