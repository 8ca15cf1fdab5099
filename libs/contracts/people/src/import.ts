import { z } from 'zod';

/** The non-personal state of one resident after an import changed it. */
export const importedResidentSchema = z.object({
  id: z.string().describe('Resident id'),
  change: z.enum(['CREATED', 'UPDATED']),
  version: z
    .number()
    .int()
    .describe(
      'Resident version after the change: apply only if newer than what you hold (ordering across topics)',
    ),
  category: z.enum(['REGISTERED', 'MIGRANT_LONG_TERM', 'FLOATING']),
  origin: z.string().describe('户籍地: county or city of registration, e.g. 汉源县'),
  streetId: z.string(),
  courtyardId: z.string().nullable(),
  addressId: z.string().nullable().describe('Standard address id; null when the row had no door number'),
  movedInAt: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .nullable()
    .describe('Move-in date (YYYY-MM-DD) when known'),
  birthYear: z
    .number()
    .int()
    .optional()
    .describe('Year of birth (electorates: 18+); absent on events written before it was added'),
});
export type ImportedResident = z.infer<typeof importedResidentSchema>;

/**
 * The event without its items: the importer checks each item on its own (`importedResidentSchema`) when
 * it renders it, and the rest of the payload with this.
 */
export const eventHeaderSchema = z.object({
  importId: z.string().describe('Id of the import run (one per file import); also the subject'),
  batch: z.number().int().min(1).describe('Transaction number within the import'),
  part: z.number().int().min(1).describe('Event number within the transaction'),
  actor: z.string().describe('Account id of who ran the import'),
});

/**
 * Payload of `residents.imported` (declared in ./events), emitted by a bulk import (CSV) for the
 * residents it created or updated (none for unchanged rows), in the same transaction as the rows. One
 * event lists up to a few hundred residents (each envelope stays under the outbox's 64 KB): a million
 * per-resident outbox rows cost the database ~20 s more (measured, see docs/people-import.md). Subject
 * and Kafka key: the import id, so one import's events stay in order. No name, ID number, phone or door.
 */
export const importedResidentsSchema = eventHeaderSchema.extend({
  residents: z.array(importedResidentSchema).min(1),
});
