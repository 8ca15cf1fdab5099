import fs from 'node:fs';
import { Parser } from '@asyncapi/parser';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** What the validation of one message against the document says. */
export type Verdict = { ok: true } | { ok: false; reason: string };

/** One channel of the document: its Kafka topic and a validator per event type it carries. */
export interface Channel {
  topic: string;
  types: ReadonlyMap<string, ValidateFunction>;
}

/**
 * The AsyncAPI document as a county system reads it: every channel (a Kafka topic) with the
 * CloudEvents types it carries and the JSON Schema of each message's envelope and data. Parsed with
 * @asyncapi/parser (which resolves the references and checks the document), validated with ajv
 * (JSON Schema 2020-12, formats included).
 */
export class EventCatalogue {
  private constructor(readonly channels: readonly Channel[]) {}

  /** Reads and parses the document; throws with the parser's errors when it is not a valid one. */
  static async load(file: string): Promise<EventCatalogue> {
    return EventCatalogue.parse(fs.readFileSync(file, 'utf8'));
  }

  static async parse(text: string): Promise<EventCatalogue> {
    const { document, diagnostics } = await new Parser().parse(text);
    // Severity 0 is an error (spectral's DiagnosticSeverity.Error); warnings and hints do not stop us.
    const errors = diagnostics.filter((d) => d.severity === 0);
    if (!document || errors.length > 0)
      throw new Error(`not a valid AsyncAPI document: ${errors.map((d) => d.message).join('; ')}`);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const channels: Channel[] = [];
    for (const channel of document.channels().all()) {
      const topic = channel.address();
      if (!topic) continue;
      const types = new Map<string, ValidateFunction>();
      for (const message of channel.messages().all()) {
        const schema: unknown = message.payload()?.json();
        const type = messageType(schema) ?? message.name();
        if (!type || typeof schema !== 'object' || schema === null) continue;
        types.set(type, ajv.compile(schema));
      }
      channels.push({ topic, types });
    }
    return new EventCatalogue(channels);
  }

  /** Every topic of the document (what the feed subscribes to). */
  get topics(): string[] {
    return this.channels.map((c) => c.topic);
  }

  /** Checks one envelope (parsed JSON) received on `topic` against what the document states. */
  validate(topic: string, envelope: unknown): Verdict {
    const channel = this.channels.find((c) => c.topic === topic);
    if (!channel) return { ok: false, reason: `the document has no channel ${topic}` };
    const type =
      typeof envelope === 'object' && envelope !== null ? (envelope as { type?: unknown }).type : undefined;
    if (typeof type !== 'string') return { ok: false, reason: 'the envelope has no type' };
    const validate = channel.types.get(type);
    if (!validate) return { ok: false, reason: `the channel ${topic} carries no type ${type}` };
    if (validate(envelope)) return { ok: true };
    return { ok: false, reason: describeErrors(validate.errors ?? []) };
  }
}

/** The `type` constant of a message's envelope schema. */
function messageType(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const properties = (schema as { properties?: Record<string, { const?: unknown }> }).properties;
  const value = properties?.['type']?.const;
  return typeof value === 'string' ? value : undefined;
}

/** Paths and keywords only, never the offending values (a log line must not echo a payload). */
function describeErrors(errors: ErrorObject[]): string {
  const parts = errors.slice(0, 10).map((e) => {
    const at = e.instancePath || '(root)';
    const extra =
      e.keyword === 'required'
        ? ` ${String((e.params as { missingProperty?: unknown }).missingProperty)}`
        : e.keyword === 'additionalProperties'
          ? ` ${String((e.params as { additionalProperty?: unknown }).additionalProperty)}`
          : '';
    return `${at}: ${e.keyword}${extra}`;
  });
  const more = errors.length > 10 ? ` (+${errors.length - 10} more)` : '';
  return (parts.join('; ') + more).slice(0, 1000);
}
