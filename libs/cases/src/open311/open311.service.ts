import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type DataSource, In, IsNull, Not } from 'typeorm';
import { hasRole, type Principal, requireAuthenticated } from '@sc/auth';
import { CASE_STATES } from '@sc/cases-contracts';
import type { Logger } from '@sc/config';
import { type FieldCipher, isMysqlFamily, transaction } from '@sc/db';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '@sc/graphql';
import { RosterPlace } from '@sc/roster-contracts';
import { maskPublicText } from '../domain/public-text';
import {
  type CaseCategory,
  CaseItem,
  type CaseItemVersion,
  CaseNote,
  CaseRecord,
  CaseTransition,
  Open311Client,
  Open311Request,
  Open311Throttle,
} from '../entities';
import type { CaseService } from '../services/case.service';
import { type TaxonomyService, versionKey } from '../services/taxonomy.service';
import { type FixMyStreetStatus, open311State, type Open311Status, statesOf } from './status';

/** Largest `page_size` of `GET requests` (the issue's bound). */
export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 100;
/** Without a date filter, `GET requests` covers this many days back (the spec's default window). */
export const DEFAULT_WINDOW_DAYS = 90;
/** Length of a rate-limit window. */
export const RATE_WINDOW_MS = 60_000;
const KEY_PREFIX = 'o311_';

/**
 * A refusal in the spec's terms: the HTTP status (also the `code` of the error) and a description
 * that names the parameter; `headers` for 429's Retry-After.
 */
export class Open311Error extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

const bad = (parameter: string, message: string) => new Open311Error(400, `${parameter}: ${message}`);

/** A service (taxonomy item) as `GET services` lists it. */
export interface Open311ServiceEntry {
  service_code: string;
  service_name: string;
  description: string;
  metadata: boolean;
  type: 'realtime';
  keywords: string;
  group: string;
}

export interface Open311AttributeValue {
  key: string;
  name: string;
}

export interface Open311Attribute {
  variable: boolean;
  code: string;
  datatype: 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist';
  required: boolean;
  datatype_description: string;
  order: number;
  description: string;
  values?: Open311AttributeValue[];
}

export interface Open311Note {
  type: 'status' | 'note';
  status: FixMyStreetStatus;
  datetime: string;
  description: string;
}

/** A service request as `GET requests` answers it: the public view of a case, never its poster. */
export interface Open311RequestView {
  service_request_id: string;
  status: Open311Status;
  extended_status: FixMyStreetStatus;
  status_notes: string | null;
  service_name: string;
  service_code: string;
  agency_responsible: string;
  service_notice: string | null;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string | null;
  address: string;
  address_id: string;
  zipcode: null;
  lat: number | null;
  long: number | null;
  media_url: null;
  notes?: Open311Note[];
}

/** Parsed `GET requests` parameters. */
export interface RequestQuery {
  ids?: string[];
  serviceCodes?: string[];
  start?: Date;
  end?: Date;
  statuses?: Open311Status[];
  updatedAfter?: Date;
  page: number;
  pageSize: number;
}

/** Parsed `POST requests` parameters (after the key check). */
export interface PostRequest {
  serviceCode: string;
  streetId: string;
  courtyardId?: string;
  lat?: number;
  long?: number;
  addressString?: string;
  description: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
}

/** What an admin sees of a client (never the key, never its hash). */
export interface ClientKey {
  client: Open311Client;
  apiKey: string;
}

const URGENT_NOTICE = '紧急情况请立即拨打 119（火警）/ 110。';

function limitText(value: number, unit: string): string {
  return unit === 'HOURS' ? `${value} 小时` : `${value} 个工作日`;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Open311 GeoReport v2 on the cases service (ADR 0042): the taxonomy's current items as services,
 * the public view of cases as service requests, and POSTed requests from client systems with a key
 * each (ADMIN manages them through GraphQL) as OPEN311 cases. Nothing personal leaves: no reporter,
 * no description, no contact of the poster (kept encrypted in `open311_request`).
 */
export class Open311Service {
  constructor(
    private readonly ds: DataSource,
    private readonly cases: CaseService,
    private readonly taxonomy: TaxonomyService,
    private readonly cipher: FieldCipher,
    private readonly clock: () => Date,
    private readonly committed: () => void,
    private readonly opts: { communityCode: string; defaultRatePerMinute: number },
    private readonly logger?: Logger,
  ) {}

  get communityCode(): string {
    return this.opts.communityCode;
  }

  // ---- client systems (ADMIN, GraphQL) ----

  private requireAdmin(principal: Principal | null): Principal {
    const p = requireAuthenticated(principal);
    if (!hasRole(p, 'ADMIN')) throw new ForbiddenError('Open311 client keys are managed by ADMIN');
    return p;
  }

  async clients(principal: Principal | null): Promise<Open311Client[]> {
    this.requireAdmin(principal);
    return this.ds.getRepository(Open311Client).find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async createClient(
    principal: Principal | null,
    input: { name: string; ratePerMinute?: number | null },
  ): Promise<ClientKey> {
    const p = this.requireAdmin(principal);
    const { key, hash } = newKey();
    const now = this.clock();
    const client: Open311Client = {
      id: randomUUID(),
      name: input.name,
      keyHash: hash,
      keyPrefix: key.slice(0, KEY_PREFIX.length + 4),
      ratePerMinute: input.ratePerMinute ?? this.opts.defaultRatePerMinute,
      createdBy: p.subject,
      createdAt: now,
      keyIssuedAt: now,
      revokedAt: null,
    };
    await this.ds.getRepository(Open311Client).insert(client);
    this.logger?.info({ clientId: client.id, by: p.subject }, 'open311 client created');
    return { client, apiKey: key };
  }

  async rotateKey(principal: Principal | null, id: string): Promise<ClientKey> {
    const p = this.requireAdmin(principal);
    const repo = this.ds.getRepository(Open311Client);
    const client = await repo.findOneBy({ id });
    if (!client) throw new NotFoundError('Open311Client', id);
    if (client.revokedAt)
      throw new ConflictError('a revoked client gets no new key', { currentState: 'REVOKED' });
    const { key, hash } = newKey();
    const now = this.clock();
    await repo.update(
      { id },
      { keyHash: hash, keyPrefix: key.slice(0, KEY_PREFIX.length + 4), keyIssuedAt: now },
    );
    this.logger?.info({ clientId: id, by: p.subject }, 'open311 client key rotated');
    return {
      client: { ...client, keyHash: hash, keyPrefix: key.slice(0, KEY_PREFIX.length + 4), keyIssuedAt: now },
      apiKey: key,
    };
  }

  async revoke(principal: Principal | null, id: string): Promise<Open311Client> {
    const p = this.requireAdmin(principal);
    const repo = this.ds.getRepository(Open311Client);
    const client = await repo.findOneBy({ id });
    if (!client) throw new NotFoundError('Open311Client', id);
    if (!client.revokedAt) {
      client.revokedAt = this.clock();
      await repo.update({ id }, { revokedAt: client.revokedAt });
      this.logger?.info({ clientId: id, by: p.subject }, 'open311 client revoked');
    }
    return client;
  }

  /** The client of a key: 401 without one, 403 for an unknown or revoked one, 429 past its rate. */
  async clientOf(apiKey: string | undefined): Promise<Open311Client> {
    if (!apiKey) throw new Open311Error(401, 'api_key: is required to POST a service request');
    const client = await this.ds.getRepository(Open311Client).findOneBy({ keyHash: sha256(apiKey) });
    if (!client || client.revokedAt) throw new Open311Error(403, 'api_key: is not a valid key');
    await this.takeRequest(client);
    return client;
  }

  /** Counts one POST in the client's window (one atomic upsert, shared by every copy). */
  private async takeRequest(client: Open311Client): Promise<void> {
    const now = this.clock();
    const cutoff = new Date(now.getTime() - RATE_WINDOW_MS);
    await transaction(this.ds, async (m) => {
      if (isMysqlFamily(this.ds)) {
        await m.query(
          `INSERT INTO open311_throttle (client_id, count, window_started_at) VALUES (?, 1, ?)
           ON DUPLICATE KEY UPDATE
             count = IF(window_started_at <= ?, 1, count + 1),
             window_started_at = IF(window_started_at <= ?, VALUES(window_started_at), window_started_at)`,
          [client.id, now, cutoff, cutoff],
        );
      } else {
        const at = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');
        await m.query(
          `INSERT INTO open311_throttle (client_id, count, window_started_at) VALUES (?, 1, ?)
           ON CONFLICT (client_id) DO UPDATE SET
             count = CASE WHEN window_started_at <= ? THEN 1 ELSE count + 1 END,
             window_started_at = CASE WHEN window_started_at <= ? THEN excluded.window_started_at ELSE window_started_at END`,
          [client.id, at(now), at(cutoff), at(cutoff)],
        );
      }
    });
    const counted = await this.ds.getRepository(Open311Throttle).findOneByOrFail({ clientId: client.id });
    if (counted.count > client.ratePerMinute) {
      const retryAfter = Math.max(
        1,
        Math.ceil((counted.windowStartedAt.getTime() + RATE_WINDOW_MS - now.getTime()) / 1000),
      );
      this.logger?.warn({ clientId: client.id, count: counted.count }, 'open311 client over its rate');
      throw new Open311Error(
        429,
        `rate limit of ${client.ratePerMinute} requests per minute reached; retry in ${retryAfter} s`,
        { 'retry-after': String(retryAfter) },
      );
    }
  }

  // ---- services ----

  private async currentItems(): Promise<{ category: CaseCategory; item: CaseItemVersion }[]> {
    const categories = await this.taxonomy.categories();
    const items = await this.taxonomy.currentItems(categories.map((c) => c.code));
    return categories.flatMap((category) =>
      (items.get(category.code) ?? []).filter((item) => item.active).map((item) => ({ category, item })),
    );
  }

  private entry(category: CaseCategory, item: CaseItemVersion): Open311ServiceEntry {
    return {
      service_code: item.itemCode,
      service_name: item.name,
      description: `${category.name} · ${item.name}：${limitText(item.respondLimit, item.respondUnit)}内响应，${limitText(item.resolveLimit, item.resolveUnit)}内办结`,
      metadata: true,
      type: 'realtime',
      keywords: `${category.code},${item.itemCode}`,
      group: category.name,
    };
  }

  async services(): Promise<Open311ServiceEntry[]> {
    return (await this.currentItems()).map(({ category, item }) => this.entry(category, item));
  }

  /** The definition of a service: where (street, courtyard: the roster's places) and the item's limits. */
  async definition(code: string): Promise<{ service_code: string; attributes: Open311Attribute[] }> {
    const item = await this.taxonomy.current(this.ds.manager, code);
    if (!item?.active) throw new Open311Error(404, `service_code: ${code} is not a service of this endpoint`);
    const places = await this.ds.getRepository(RosterPlace).find({
      where: { kind: In(['STREET', 'COURTYARD']), status: 'ACTIVE' },
      order: { name: 'ASC', id: 'ASC' },
    });
    const streets = places.filter((p) => p.kind === 'STREET');
    const streetName = new Map(streets.map((s) => [s.id, s.name]));
    const courtyards = places.filter(
      (p) => p.kind === 'COURTYARD' && p.parentId && streetName.has(p.parentId),
    );
    const attributes: Open311Attribute[] = [
      {
        variable: true,
        code: 'street',
        datatype: 'singlevaluelist',
        required: true,
        datatype_description: 'one street of the community',
        order: 1,
        description: '街道 (street)',
        values: streets.map((s) => ({ key: s.id, name: s.name })),
      },
      {
        variable: true,
        code: 'courtyard',
        datatype: 'singlevaluelist',
        required: false,
        datatype_description: 'a courtyard on the chosen street, if the problem is in one',
        order: 2,
        description: '院落 (courtyard)',
        values: courtyards.map((c) => ({
          key: c.id,
          name: `${streetName.get(c.parentId ?? '') ?? ''} ${c.name}`,
        })),
      },
      {
        variable: false,
        code: 'time_limits',
        datatype: 'text',
        required: false,
        datatype_description: 'information, not asked',
        order: 3,
        description: `${limitText(item.respondLimit, item.respondUnit)}内响应，${limitText(item.resolveLimit, item.resolveUnit)}内办结（工作日按蔡场的工作日历）`,
      },
    ];
    if (item.urgent) {
      attributes.push({
        variable: false,
        code: 'urgent_advice',
        datatype: 'text',
        required: false,
        datatype_description: 'information, not asked',
        order: 4,
        description: URGENT_NOTICE,
      });
    }
    return { service_code: item.itemCode, attributes };
  }

  // ---- requests ----

  async requests(q: RequestQuery): Promise<Open311RequestView[]> {
    const qb = this.ds.getRepository(CaseRecord).createQueryBuilder('c').where('c.item_code IS NOT NULL');
    if (q.ids) {
      qb.andWhere('c.id IN (:...ids)', { ids: q.ids });
    } else {
      if (q.serviceCodes) qb.andWhere('c.item_code IN (:...codes)', { codes: q.serviceCodes });
      if (q.statuses) {
        const states = [...new Set(q.statuses.flatMap((s) => statesOf(s, CASE_STATES)))];
        qb.andWhere('c.status IN (:...states)', { states });
      }
      // sort_key is `<reportedAt ISO>~<id>`: a date range on it is a range on the index's last column.
      const start = q.start ?? (q.end || q.updatedAfter ? undefined : this.windowStart());
      if (start) qb.andWhere('c.sort_key >= :start', { start: start.toISOString() });
      if (q.end) qb.andWhere('c.sort_key < :end', { end: `${q.end.toISOString()}~~` });
      if (q.updatedAfter) qb.andWhere('c.updated_at > :updatedAfter', { updatedAfter: q.updatedAfter });
    }
    const rows = await qb
      .orderBy('c.sort_key', 'DESC')
      .skip((q.page - 1) * q.pageSize)
      .take(q.pageSize)
      .getMany();
    return this.views(rows);
  }

  private windowStart(): Date {
    return new Date(this.clock().getTime() - DEFAULT_WINDOW_DAYS * 86_400_000);
  }

  /** One request with its public updates (`notes`): 404 when there is none (or it has no service yet). */
  async request(id: string): Promise<Open311RequestView[]> {
    const c = await this.ds.getRepository(CaseRecord).findOneBy({ id, itemCode: Not(IsNull()) });
    if (!c) throw new Open311Error(404, `service_request_id: no request ${id}`);
    const [view] = await this.views([c]);
    if (!view) throw new Error(`case ${id} has no view`);
    const [transitions, notes] = await Promise.all([
      this.ds.getRepository(CaseTransition).find({ where: { caseId: id }, order: { at: 'ASC', id: 'ASC' } }),
      this.ds
        .getRepository(CaseNote)
        .find({ where: { caseId: id, visibility: 'PUBLIC' }, order: { at: 'ASC', id: 'ASC' } }),
    ]);
    const updates: (Open311Note & { at: number })[] = [
      ...transitions.map((t) => ({
        at: t.at.getTime(),
        type: 'status' as const,
        // The outcome is the latest resolution's: it names how a resolved or closed case ended.
        status: open311State(t.toStatus, c.outcome).extended,
        datetime: t.at.toISOString(),
        description: ACTION_TEXT[t.action] ?? t.action,
      })),
      ...notes.map((n) => ({
        at: n.at.getTime(),
        type: 'note' as const,
        status: view.extended_status,
        datetime: n.at.toISOString(),
        description: maskPublicText(n.body),
      })),
    ].sort((a, b) => a.at - b.at);
    // The state as of each note is that of the last transition before it.
    let current: FixMyStreetStatus = 'open';
    const out: Open311Note[] = updates.map((u) => {
      if (u.type === 'status') current = u.status;
      return {
        type: u.type,
        status: u.type === 'note' ? current : u.status,
        datetime: u.datetime,
        description: u.description,
      };
    });
    return [{ ...view, notes: out }];
  }

  /** The public view of some cases, their names from the taxonomy and the roster's places (3 statements). */
  private async views(rows: CaseRecord[]): Promise<Open311RequestView[]> {
    if (rows.length === 0) return [];
    const placeIds = [
      ...new Set(rows.flatMap((c) => [c.communityId, c.streetId, ...(c.courtyardId ? [c.courtyardId] : [])])),
    ];
    const [places, versions, categories] = await Promise.all([
      this.ds.getRepository(RosterPlace).findBy({ id: In(placeIds) }),
      this.taxonomy.versions(
        this.ds.manager,
        rows.map((c) => ({ code: c.itemCode ?? '', version: c.itemVersion ?? 0 })),
      ),
      this.itemsWithoutVersion(rows),
    ]);
    const name = new Map(places.map((p) => [p.id, p.name]));
    return rows.map((c) => {
      const item =
        versions.get(versionKey(c.itemCode ?? '', c.itemVersion ?? 0)) ?? categories.get(c.itemCode ?? '');
      const state = open311State(c.status, c.outcome);
      const names = [name.get(c.streetId), c.courtyardId ? name.get(c.courtyardId) : undefined].filter(
        (s): s is string => !!s,
      );
      // A POST without address_string has the street's name as its spot: not said twice.
      const spot = names.includes(c.spot) ? '' : maskPublicText(c.spot);
      return {
        service_request_id: c.id,
        status: state.status,
        extended_status: state.extended,
        status_notes: c.resolution === null ? null : maskPublicText(c.resolution),
        service_name: item?.name ?? c.itemCode ?? '',
        service_code: c.itemCode ?? '',
        agency_responsible: name.get(c.communityId) ?? this.opts.communityCode,
        service_notice: item?.urgent ? URGENT_NOTICE : null,
        requested_datetime: c.reportedAt.toISOString(),
        updated_datetime: c.updatedAt.toISOString(),
        expected_datetime: c.resolveDueAt?.toISOString() ?? null,
        address: [...names, spot].filter((p) => p !== '').join(' '),
        address_id: c.courtyardId ?? c.streetId,
        zipcode: null,
        lat: c.latitude,
        long: c.longitude,
        media_url: null,
      };
    });
  }

  /** Current versions of the items of reported cases not yet accepted (no item version fixed). */
  private async itemsWithoutVersion(rows: CaseRecord[]): Promise<Map<string, CaseItemVersion>> {
    const codes = [
      ...new Set(rows.flatMap((c) => (c.itemVersion === null && c.itemCode ? [c.itemCode] : []))),
    ];
    if (codes.length === 0) return new Map();
    const items = await this.ds.getRepository(CaseItem).findBy({ code: In(codes) });
    const versions = await this.taxonomy.versions(
      this.ds.manager,
      items.map((i) => ({ code: i.code, version: i.currentVersion })),
    );
    return new Map([...versions.values()].map((v) => [v.itemCode, v]));
  }

  /** A POSTed request: an OPEN311 case of the client, the poster's contact encrypted beside it. */
  async create(
    client: Open311Client,
    input: PostRequest,
  ): Promise<{ service_request_id: string; service_notice: string | null }> {
    const actor = `open311:${client.id}`;
    const at = this.clock();
    const enc = (v: string | undefined) => (v ? this.cipher.encrypt(v) : null);
    const name = [input.lastName, input.firstName].filter((s) => !!s).join(' ');
    let created: CaseRecord;
    try {
      created = await transaction(this.ds, async (m) => {
        const street = await m.getRepository(RosterPlace).findOneBy({ id: input.streetId });
        const c = await this.cases.reportIn(m, actor, {
          channel: 'OPEN311',
          itemCode: input.serviceCode,
          streetId: input.streetId,
          courtyardId: input.courtyardId,
          spot: (input.addressString ?? street?.name ?? '').slice(0, 200) || '—',
          location:
            input.lat !== undefined && input.long !== undefined
              ? { latitude: input.lat, longitude: input.long }
              : undefined,
          description: input.description,
          at,
        });
        await m.insert(Open311Request, {
          caseId: c.id,
          clientId: client.id,
          emailEnc: enc(input.email),
          nameEnc: enc(name || undefined),
          phoneEnc: enc(input.phone),
          at,
        });
        return c;
      });
    } catch (error) {
      if (error instanceof BadUserInputError) throw asOpen311Input(error);
      throw error;
    }
    this.committed();
    this.logger?.info(
      { clientId: client.id, caseId: created.id, item: input.serviceCode },
      'open311 request filed',
    );
    const item = await this.taxonomy.current(this.ds.manager, input.serviceCode);
    return { service_request_id: created.id, service_notice: item?.urgent ? URGENT_NOTICE : null };
  }

  /** The stored contact of an Open311 request, decrypted (for tests and a future staff view). */
  async contactOf(
    caseId: string,
  ): Promise<{ email: string | null; name: string | null; phone: string | null } | null> {
    const r = await this.ds.getRepository(Open311Request).findOneBy({ caseId });
    if (!r) return null;
    const dec = (v: string | null) => (v === null ? null : this.cipher.decrypt(v));
    return { email: dec(r.emailEnc), name: dec(r.nameEnc), phone: dec(r.phoneEnc) };
  }
}

/** The public words for a transition (no actor, no reason: those are internal). */
const ACTION_TEXT: Record<string, string> = {
  REPORT: '已登记 (reported)',
  ACCEPT: '已受理 (accepted)',
  ASSIGN: '已派单 (assigned)',
  START: '办理中 (in progress)',
  RESOLVE: '已办结 (resolved)',
  ESCALATE: '已上报督办 (escalated)',
  REJECT: '不予受理 (rejected)',
  MARK_DUPLICATE: '重复件 (duplicate)',
  RATE: '已回访 (rated)',
  CONFIRM: '已复核 (checked)',
  AUTO_CLOSE: '已结案 (closed)',
  REOPEN: '重新办理 (reopened)',
  CORRECT: '信息更正 (corrected)',
};

const FIELD_TO_PARAMETER: Record<string, string> = {
  'input.streetId': 'attribute[street]',
  'input.courtyardId': 'attribute[courtyard]',
  'input.itemCode': 'service_code',
  'input.spot': 'address_string',
  'input.description': 'description',
  'input.location': 'lat',
};

function asOpen311Input(error: BadUserInputError): Open311Error {
  const issues = (error.extensions['issues'] as { field: string; message: string }[] | undefined) ?? [];
  const first = issues[0];
  if (!first) return new Open311Error(400, error.message);
  return bad(FIELD_TO_PARAMETER[first.field] ?? first.field, first.message);
}

function newKey(): { key: string; hash: string } {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, hash: sha256(key) };
}
