import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { type DataSource, type EntityManager, In } from 'typeorm';
import { hasRole, type Principal, requireAuthenticated } from '@sc/auth';
import type { Logger } from '@sc/config';
import { transaction } from '@sc/db';
import { BadUserInputError, ConflictError, NotFoundError, sendJson } from '@sc/graphql';
import type { CasesRequest } from '../context';
import { ImageRefused, stripImageMetadata } from '../domain/image-metadata';
import {
  CaseEvidence,
  CaseEvidenceChunk,
  CaseRecord,
  type EvidencePhase,
  type EvidenceStorage,
} from '../entities';
import type { CasesAccess } from './access';

/** Largest evidence photo accepted, in bytes (before stripping). */
export const MAX_EVIDENCE_BYTES = 5 * 1024 * 1024;
/** Bytes per `case_evidence_chunk` row (below a BLOB's 64 KiB). */
export const EVIDENCE_CHUNK_BYTES = 60_000;
/** The upload route and the prefix photos are served under (`GET /evidence/<id>`). */
export const EVIDENCE_PATH = '/evidence';

export type EvidenceStore = { kind: 'DATABASE' } | { kind: 'FILE'; dir: string };

const UPLOAD_ROLES = ['RESIDENT', 'STREET_CHIEF', 'COMMUNITY_STAFF', 'TOWN_OFFICER', 'ADMIN'] as const;

class TooLarge extends Error {}

/**
 * Evidence photos (before / after, ADR 0031). `POST /evidence` takes one image as the raw body
 * (JPEG, PNG or WebP by magic bytes, ≤ 5 MB), strips its metadata (GPS!) and stores it unattached,
 * owned by the uploader; a mutation then attaches it to a case by id (reportCase, resolveCase,
 * attachCaseEvidence). `GET /evidence/<id>` serves it to those who see the case whole, to anyone
 * when it is marked public, and (unattached) to its uploader; everyone else gets 404.
 */
export class EvidenceService {
  constructor(
    private readonly ds: DataSource,
    private readonly access: CasesAccess,
    private readonly store: EvidenceStore,
    private readonly clock: () => Date,
    private readonly authenticate: (req: IncomingMessage) => Promise<Principal | null>,
    private readonly logger?: Logger,
  ) {}

  /** The routes for the kit (`POST /evidence`, `GET /evidence/*`). */
  routes() {
    return {
      [`POST ${EVIDENCE_PATH}`]: (req: IncomingMessage, res: ServerResponse) =>
        this.handle(req, res, 'upload'),
      [`GET ${EVIDENCE_PATH}/*`]: (req: IncomingMessage, res: ServerResponse) =>
        this.handle(req, res, 'serve'),
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse, what: 'upload' | 'serve'): Promise<void> {
    let principal: Principal | null;
    try {
      principal = await this.authenticate(req);
    } catch (error) {
      req.resume();
      return refuse(res, 401, 'UNAUTHENTICATED', (error as Error).message);
    }
    if (what === 'upload') return this.upload(req, res, principal);
    const id = decodeURIComponent(
      new URL(req.url ?? '/', 'http://x').pathname.slice(EVIDENCE_PATH.length + 1),
    );
    return this.serve(res, principal, id);
  }

  private async upload(
    req: IncomingMessage,
    res: ServerResponse,
    principal: Principal | null,
  ): Promise<void> {
    if (!principal) {
      req.resume();
      return refuse(res, 401, 'UNAUTHENTICATED', 'uploading evidence needs a token');
    }
    if (!hasRole(principal, ...UPLOAD_ROLES) || this.access.scopeOf(principal).kind === 'none') {
      req.resume();
      return refuse(res, 403, 'FORBIDDEN', 'uploading evidence requires a resident, chief, staff or officer');
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > MAX_EVIDENCE_BYTES) {
      req.resume();
      return refuse(res, 413, 'PAYLOAD_TOO_LARGE', `a photo is at most ${MAX_EVIDENCE_BYTES} bytes`);
    }
    let raw: Buffer;
    try {
      raw = await readLimited(req, MAX_EVIDENCE_BYTES);
    } catch (error) {
      if (error instanceof TooLarge) {
        return refuse(res, 413, 'PAYLOAD_TOO_LARGE', `a photo is at most ${MAX_EVIDENCE_BYTES} bytes`);
      }
      throw error;
    }
    let image: ReturnType<typeof stripImageMetadata>;
    try {
      image = stripImageMetadata(raw);
    } catch (error) {
      if (error instanceof ImageRefused) {
        return error.reason === 'NOT_AN_IMAGE'
          ? refuse(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'not a JPEG, PNG or WebP image (by its bytes)')
          : refuse(res, 400, 'BAD_USER_INPUT', error.message);
      }
      throw error;
    }
    const id = randomUUID();
    const row: CaseEvidence = {
      id,
      caseId: null,
      phase: null,
      isPublic: false,
      contentType: image.type,
      size: image.bytes.length,
      sha256: createHash('sha256').update(image.bytes).digest('hex'),
      storage: this.store.kind as EvidenceStorage,
      uploadedBy: principal.subject,
      at: this.clock(),
    };
    if (this.store.kind === 'FILE') {
      fs.mkdirSync(this.store.dir, { recursive: true });
      const file = this.fileOf(id);
      fs.writeFileSync(`${file}.tmp`, image.bytes);
      fs.renameSync(`${file}.tmp`, file);
    }
    await transaction(this.ds, async (m) => {
      await m.insert(CaseEvidence, row);
      if (this.store.kind === 'DATABASE') {
        const chunks: CaseEvidenceChunk[] = [];
        for (let seq = 0, at = 0; at < image.bytes.length; seq++, at += EVIDENCE_CHUNK_BYTES) {
          chunks.push({ evidenceId: id, seq, data: image.bytes.subarray(at, at + EVIDENCE_CHUNK_BYTES) });
        }
        for (let i = 0; i < chunks.length; i += 20)
          await m.insert(CaseEvidenceChunk, chunks.slice(i, i + 20));
      }
    }).catch((error: unknown) => {
      if (this.store.kind === 'FILE') fs.rmSync(this.fileOf(id), { force: true });
      throw error;
    });
    this.logger?.info(
      { evidenceId: id, contentType: image.type, size: row.size, stripped: raw.length - row.size },
      'evidence stored',
    );
    sendJson(res, 201, { id, contentType: image.type, size: row.size, url: `${EVIDENCE_PATH}/${id}` });
  }

  private async serve(res: ServerResponse, principal: Principal | null, id: string): Promise<void> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return refuse(res, 404, 'NOT_FOUND', 'no such evidence');
    const e = await this.ds.getRepository(CaseEvidence).findOneBy({ id });
    if (!e || !(await this.maySee(principal, e))) return refuse(res, 404, 'NOT_FOUND', 'no such evidence');
    const bytes = await this.bytesOf(e);
    res.writeHead(200, {
      'content-type': e.contentType,
      'content-length': bytes.length,
      'x-content-type-options': 'nosniff',
      'content-disposition': 'inline',
      'cache-control': e.isPublic ? 'public, max-age=300' : 'private, no-store',
      etag: `"${e.sha256}"`,
    });
    res.end(bytes);
  }

  private async maySee(principal: Principal | null, e: CaseEvidence): Promise<boolean> {
    if (e.caseId === null) return principal !== null && principal.subject === e.uploadedBy;
    if (e.isPublic) return true;
    const c = await this.ds.getRepository(CaseRecord).findOneBy({ id: e.caseId });
    return c !== null && this.access.seesWhole(principal, c);
  }

  /** The stored (stripped) bytes. */
  async bytesOf(e: CaseEvidence): Promise<Buffer> {
    if (e.storage === 'FILE') {
      if (this.store.kind !== 'FILE')
        throw new Error(`evidence ${e.id} is in a file but this copy stores in the database`);
      return fs.promises.readFile(this.fileOf(e.id));
    }
    const chunks = await this.ds
      .getRepository(CaseEvidenceChunk)
      .find({ where: { evidenceId: e.id }, order: { seq: 'ASC' } });
    return Buffer.concat(chunks.map((c) => Buffer.from(c.data)));
  }

  private fileOf(id: string): string {
    if (this.store.kind !== 'FILE') throw new Error('not a file store');
    return path.join(this.store.dir, id);
  }

  /** Evidence of a case the caller may see: all for the full view, the public ones otherwise. */
  async ofCase(req: CasesRequest, c: CaseRecord): Promise<CaseEvidence[]> {
    const all = await req.loaders.evidenceOf(c.id);
    return this.access.seesWhole(req.principal, c) ? all : all.filter((e) => e.isPublic);
  }

  /** `attachCaseEvidence`: the uploader attaches own photos to a case they see whole. */
  async attach(
    req: CasesRequest,
    input: { caseId: string; evidenceIds: string[]; phase: EvidencePhase; public?: boolean },
  ): Promise<CaseRecord> {
    const p = requireAuthenticated(req.principal);
    const c = await transaction(this.ds, async (m) => {
      const row = await m.getRepository(CaseRecord).findOneBy({ id: input.caseId });
      if (!row || !this.access.seesWhole(p, row)) throw new NotFoundError('Case', input.caseId);
      await attachEvidenceIn(m, p.subject, row.id, input.evidenceIds, input.phase, input.public ?? false);
      return row;
    });
    req.loaders.evidence.clear(c.id);
    return c;
  }
}

/**
 * Attaches unattached photos of the uploader to a case in the caller's transaction (also used by
 * reportCase and resolveCase): BAD_USER_INPUT naming `evidenceIds` when one is unknown or someone
 * else's, CONFLICT when it is attached to another case already.
 */
export async function attachEvidenceIn(
  m: EntityManager,
  uploader: string,
  caseId: string,
  ids: readonly string[],
  phase: EvidencePhase,
  isPublic: boolean,
  field = 'input.evidenceIds',
): Promise<void> {
  if (ids.length === 0) return;
  const unique = [...new Set(ids)];
  const rows = await m.getRepository(CaseEvidence).findBy({ id: In(unique) });
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const id of unique) {
    const e = byId.get(id);
    if (!e || e.uploadedBy !== uploader) {
      throw new BadUserInputError(`${field}: ${id} is not a photo you uploaded`, [
        { field, message: `${id} is not a photo you uploaded` },
      ]);
    }
    if (e.caseId !== null && e.caseId !== caseId) {
      throw new ConflictError(`photo ${id} belongs to another case`, { field });
    }
  }
  await m.getRepository(CaseEvidence).update({ id: In(unique) }, { caseId, phase, isPublic });
}

function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(new TooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}
