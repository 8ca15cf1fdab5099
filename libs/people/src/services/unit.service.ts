import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { isUniqueViolation, transaction } from '@sc/db';
import type { Outbox } from '@sc/events';
import { ConflictError, ForbiddenError, NotFoundError } from '@sc/graphql';
import type { RequestInfo } from '../context';
import type { FieldCipher } from '../crypto';
import type { AddressParts } from '../domain/address';
import { maskPhone } from '../domain/masking';
import { RealUnit, UnitInspection, type House, type InspectionResult, type UnitKind } from '../entities';
import { PeopleEvents } from '@sc/people-contracts';
import type { CountedConnection, OrderedPage } from '@sc/db';
import type { UnitQuery } from '../repositories/unit.repository';
import { inScope, requireWriteScope, type PeopleAccess } from './access';
import type { Records } from './records';

export interface RegisterUnitInput {
  name: string;
  kind: UnitKind;
  licenceNumber: string | null;
  contactName: string | null;
  contactPhone: string | null;
  address: AddressParts;
}

export interface RecordInspectionInput {
  unitId: string;
  result: InspectionResult;
  hazards: number;
  notes: string;
  visitedAt: Date;
}

/**
 * Real units (实有单位) and the chiefs' safety-check visits. Units are not people, but their
 * contact phone is personal data: stored and shown like a resident's.
 */
export class UnitService {
  constructor(
    private readonly ds: DataSource,
    private readonly outbox: Outbox,
    private readonly cipher: FieldCipher,
    private readonly access: PeopleAccess,
    private readonly records: Records,
    private readonly committed: () => void = () => undefined,
  ) {}

  /** A unit the caller may see (staff, ADMIN, the grid's chief), else null. */
  async get(req: RequestInfo, id: string): Promise<RealUnit | null> {
    const scope = await req.scope();
    const unit = await req.loaders.unit.load(id);
    return unit && inScope(scope, unit) ? unit : null;
  }

  async list(
    req: RequestInfo,
    q: UnitQuery,
    page: OrderedPage<RealUnit>,
  ): Promise<CountedConnection<RealUnit>> {
    const scope = await this.access.listScope(req.principal);
    return req.loaders.unitPage(q, scope, page);
  }

  /** The house at an address, for callers who may list (its owner is resolved with its own check). */
  async house(req: RequestInfo, addressId: string): Promise<House | null> {
    await this.access.listScope(req.principal);
    return req.loaders.houseByAddress.load(addressId);
  }

  /** The whole contact phone, logged first; FORBIDDEN outside the caller's scope. */
  async reveal(req: RequestInfo, unit: RealUnit, purpose: string, operation: string) {
    const scope = await req.scope();
    if (scope.kind === 'self' || !inScope(scope, unit) || !req.accessLog) {
      throw new ForbiddenError('whole personal data is not available to your role or scope');
    }
    await req.accessLog.record({ residentId: null, unitId: unit.id, fields: ['PHONE'], purpose, operation });
    return { contactPhone: unit.contactPhoneEnc ? this.cipher.decrypt(unit.contactPhoneEnc) : null };
  }

  async register(req: RequestInfo, input: RegisterUnitInput): Promise<RealUnit> {
    const actor = (await requireWriteScope(req, input.address)).subject;
    try {
      const unit = await transaction(this.ds, async (m) => {
        const now = new Date();
        const address = await this.records.ensureAddress(m, input.address, now);
        const unit: RealUnit = {
          id: randomUUID(),
          name: input.name,
          kind: input.kind,
          licenceNumber: input.licenceNumber,
          contactName: input.contactName,
          contactPhoneEnc: input.contactPhone ? this.cipher.encrypt(input.contactPhone) : null,
          contactPhoneMasked: input.contactPhone ? maskPhone(input.contactPhone) : null,
          keyId: input.contactPhone ? this.cipher.currentKeyId : null,
          addressId: address.id,
          streetId: address.streetId,
          courtyardId: address.courtyardId,
          status: 'ACTIVE',
          isTestData: false,
          createdAt: now,
          updatedAt: now,
        };
        await m.insert(RealUnit, unit);
        await this.outbox.add(
          m,
          PeopleEvents.unitRegistered,
          unit.id,
          {
            id: unit.id,
            name: unit.name,
            kind: unit.kind,
            streetId: unit.streetId,
            courtyardId: unit.courtyardId,
            actor,
          },
          { time: now },
        );
        return unit;
      });
      this.committed();
      return unit;
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError('A unit with this licence number is already registered', {
          field: 'input.licenceNumber',
        });
      }
      throw error;
    }
  }

  async recordInspection(req: RequestInfo, input: RecordInspectionInput): Promise<UnitInspection> {
    const unit = await req.loaders.unit.load(input.unitId);
    if (!unit) throw new NotFoundError('Unit', input.unitId);
    const actor = (await requireWriteScope(req, unit)).subject;
    if (unit.status !== 'ACTIVE')
      throw new ConflictError('The unit is closed', { currentState: unit.status });
    const inspection = await transaction(this.ds, async (m) => {
      const row: UnitInspection = {
        id: randomUUID(),
        unitId: unit.id,
        inspector: actor.slice(0, 64),
        visitedAt: input.visitedAt,
        result: input.result,
        hazards: input.hazards,
        notes: input.notes,
      };
      await m.insert(UnitInspection, row);
      await this.outbox.add(m, PeopleEvents.unitInspected, unit.id, {
        id: unit.id,
        inspectionId: row.id,
        result: row.result,
        hazards: row.hazards,
        streetId: unit.streetId,
        actor,
      });
      return row;
    });
    this.committed();
    return inspection;
  }
}
