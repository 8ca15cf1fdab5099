import { z } from 'zod';

/**
 * A CloudEvents 1.0 event in the JSON format, as written to the outbox and sent to Kafka
 * (structured mode: the whole envelope is the message value).
 */
export interface CloudEvent<T> {
  specversion: '1.0';
  /** Unique per event (a UUID); consumers deduplicate on it. */
  id: string;
  /** The producing service and aggregate family, e.g. `/caichang/roster`. */
  source: string;
  /** Reverse-DNS name with a version suffix, e.g. `cn.caichang.roster.street.created.v1`. */
  type: string;
  /** The aggregate id; also the Kafka key, so one aggregate's events stay in order. */
  subject: string;
  /** When the change happened (ISO 8601, UTC). */
  time: string;
  datacontenttype: 'application/json';
  data: T;
  /**
   * CloudEvents distributed-tracing extension: the W3C trace context of the change that wrote the
   * event (its outbox write), so a consumer continues the same trace. Absent when nothing was traced.
   */
  traceparent?: string;
  tracestate?: string;
}

/** Media type of a structured-mode CloudEvents message (Kafka protocol binding, `content-type` header). */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

/** Longest event id the inbox can record (`inbox_event.event_id` is varchar(36)). */
export const MAX_EVENT_ID_LENGTH = 36;

/** Longest subject the outbox can store (`outbox_event.aggregate_id` is varchar(64)). */
export const MAX_SUBJECT_LENGTH = 64;

const envelopeSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(MAX_EVENT_ID_LENGTH),
  source: z.string().min(1),
  type: z.string().min(1),
  subject: z.string().min(1).max(MAX_SUBJECT_LENGTH),
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.literal('application/json'),
  data: z.unknown(),
  traceparent: z
    .string()
    .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)
    .optional(),
  tracestate: z.string().max(512).optional(),
});

/** Why a message could not be read as one of our CloudEvents. Carries no message content. */
export class InvalidEnvelopeError extends Error {
  override readonly name = 'InvalidEnvelopeError';
  constructor(
    message: string,
    /** Paths of the offending envelope attributes (never their values). */
    readonly paths: string[] = [],
  ) {
    super(message);
  }
}

/**
 * Reads a message value as a CloudEvents JSON envelope. Throws {@link InvalidEnvelopeError}
 * whose message names the broken attributes but never echoes the content, so it can be logged.
 */
export function parseEnvelope(value: string | Buffer | null | undefined): CloudEvent<unknown> {
  if (value === null || value === undefined || value.length === 0) {
    throw new InvalidEnvelopeError('message has no value');
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    // The JSON.parse message quotes the input, which may hold personal data.
    throw new InvalidEnvelopeError('message value is not JSON');
  }
  const result = envelopeSchema.safeParse(json);
  if (!result.success) {
    const paths = result.error.issues.map((i) => i.path.join('.') || '(root)');
    throw new InvalidEnvelopeError(`not a CloudEvents 1.0 JSON envelope (bad: ${paths.join(', ')})`, paths);
  }
  const { data, ...attributes } = result.data;
  return { ...attributes, data };
}
