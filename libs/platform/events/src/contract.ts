import { z } from 'zod';
import type { CloudEvent } from './cloud-event';

/**
 * A payload that does not match its contract. Not retriable: redelivering the same event cannot
 * fix it, so consumers log and skip it instead of blocking their partition.
 */
export class EventPayloadError extends Error {
  override readonly name = 'EventPayloadError';
  constructor(
    message: string,
    readonly eventType: string,
    readonly eventId?: string,
  ) {
    super(message);
  }
}

/** What a producer library declares about one event type. */
export interface EventContractDefinition<T> {
  /** CloudEvents `type`, versioned: `cn.caichang.<service>.<aggregate>.<verb>.v<N>`. */
  type: string;
  /** Schema of `data`. Keep it a plain JSON shape (no transforms) so it converts to JSON Schema. */
  schema: z.ZodType<T>;
  /** One or two sentences for the AsyncAPI document: when the event is emitted and what it means. */
  description: string;
}

/** A typed event contract, shared by the producer, its consumers and the AsyncAPI generator. */
export interface EventContract<T> extends Readonly<EventContractDefinition<T>> {
  /** The Kafka topic the event is published on; set when the contract is declared on a topic. */
  readonly topic: string;
  /** The `.vN` of the type: a change that breaks consumers is a new type with a new version. */
  readonly version: number;
  /**
   * Validates `data` and returns the fields `Outbox.add` needs besides the topic:
   * `outbox.add(manager, { topic, ...StreetCreated.build(street.id, { ... }) })`.
   * Throws {@link EventPayloadError} when the payload breaks the contract.
   */
  build(subject: string, data: T): { type: string; subject: string; data: T };
  /** True when the event is of this contract's type (the payload is not checked). */
  matches(event: CloudEvent<unknown>): boolean;
  /**
   * Checks the type and validates the payload of a consumed event. Throws {@link EventPayloadError}
   * naming the event and the invalid fields (zod messages do not echo input values).
   */
  parse(event: CloudEvent<unknown>): CloudEvent<T>;
  /** JSON Schema (draft 2020-12) of the payload, for the AsyncAPI document. */
  jsonSchema(): Record<string, unknown>;
}

const EVENT_TYPE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*\.v[0-9]+$/;

/**
 * Declares an event contract. Domain libraries keep one file per producer with their contracts;
 * the result is plain data plus a zod schema so tooling can read it without a running service.
 */
export function defineEvent<T>(
  definition: EventContractDefinition<T> & { topic?: string },
): EventContract<T> {
  const { type, schema, description } = definition;
  const topic = definition.topic ?? '';
  if (!EVENT_TYPE.test(type)) {
    throw new Error(`event type '${type}' must be lower-case dotted and end with a version (e.g. '.v1')`);
  }

  const check = (data: unknown, eventId?: string): T => {
    const result = schema.safeParse(data);
    if (result.success) return result.data;
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    const which = eventId ? `event ${eventId} of type ${type}` : `event of type ${type}`;
    throw new EventPayloadError(`${which} has an invalid payload (${issues})`, type, eventId);
  };

  return Object.freeze({
    type,
    topic,
    version: Number(/\.v([0-9]+)$/.exec(type)?.[1]),
    schema,
    description,
    build: (subject: string, data: T) => ({ type, subject, data: check(data) }),
    matches: (event: CloudEvent<unknown>) => event.type === type,
    parse: (event: CloudEvent<unknown>): CloudEvent<T> => {
      if (event.type !== type) {
        throw new EventPayloadError(
          `event ${event.id} has type ${event.type}, expected ${type}`,
          type,
          event.id,
        );
      }
      return { ...event, data: check(event.data, event.id) };
    },
    jsonSchema: () => z.toJSONSchema(schema) as Record<string, unknown>,
  });
}

/** What a producer declares about one topic. */
export interface TopicDefinition {
  /** `caichang.<service>.<family>.v<N>`. */
  name: string;
  /** For the AsyncAPI document: what the topic carries. */
  description: string;
  /** What the Kafka key (the CloudEvents subject) of every event on the topic is, e.g. `grid id`. */
  key: string;
}

/** A topic and the contracts published on it, in declaration order. */
export interface Topic extends Readonly<TopicDefinition> {
  readonly events: readonly EventContract<unknown>[];
  /** Declares an event published on this topic. */
  event<T>(definition: EventContractDefinition<T>): EventContract<T>;
}

const TOPIC_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*\.v[0-9]+$/;

/** Declares a topic; its events are declared with `topic.event(…)`. */
export function defineTopic(definition: TopicDefinition): Topic {
  if (!TOPIC_NAME.test(definition.name)) {
    throw new Error(
      `topic '${definition.name}' must be lower-case dotted and end with a version (e.g. '.v1')`,
    );
  }
  const events: EventContract<unknown>[] = [];
  return Object.freeze({
    ...definition,
    events,
    event<T>(event: EventContractDefinition<T>): EventContract<T> {
      const contract = defineEvent({ ...event, topic: definition.name });
      events.push(contract as EventContract<unknown>);
      return contract;
    },
  });
}

/**
 * Declares a group of events of one topic from a table `{ key: [type, schema, description] }`, keeping
 * the keys, so producers write `ChiefEvents.chiefAppointed` and consumers get its payload type.
 */
export function eventsOn<T extends Record<string, readonly [string, z.ZodType, string]>>(
  topic: Topic,
  defs: T,
): { [K in keyof T]: EventContract<z.infer<T[K][1]>> } {
  const out: Record<string, EventContract<unknown>> = {};
  for (const [key, [type, schema, description]] of Object.entries(defs)) {
    out[key] = topic.event({ type, schema, description });
  }
  return out as { [K in keyof T]: EventContract<z.infer<T[K][1]>> };
}

/** Everything one service publishes: its CloudEvents source and its topics. */
export interface Producer {
  /** The service's name in the registry, e.g. `roster`. */
  readonly service: string;
  /** CloudEvents `source` of every event, e.g. `/caichang/roster`. */
  readonly source: string;
  readonly topics: readonly Topic[];
}

export function defineProducer(producer: Producer): Producer {
  return Object.freeze({ ...producer, topics: [...producer.topics] });
}

/** An event to write with a change: a contract and its payload, paired so the payload type is checked. */
export interface PendingEvent {
  readonly contract: EventContract<unknown>;
  readonly data: unknown;
}

/** Pairs a contract with its payload (type-checked here; validated against the schema when written). */
export function pendingEvent<T>(contract: EventContract<T>, data: T): PendingEvent {
  return { contract: contract as EventContract<unknown>, data };
}
