import { z } from 'zod';
import { backoffDelay, errorText } from './backoff';
import { type CloudEvent, InvalidEnvelopeError, parseEnvelope } from './cloud-event';
import { EventPayloadError, defineEvent } from './contract';

const StreetCreated = defineEvent({
  type: 'cn.caichang.roster.street.created.v1',
  description: 'A street was added to a resident group.',
  schema: z.object({ streetId: z.string(), name: z.string().min(1), lengthM: z.number().int().optional() }),
});

function envelope(data: unknown, type = StreetCreated.type): CloudEvent<unknown> {
  return {
    specversion: '1.0',
    id: '0b8a7c38-8d1e-4c8f-9f55-0a8c2c7e9d11',
    source: '/caichang/roster',
    type,
    subject: 'street-1',
    time: '2025-11-25T08:00:00.000Z',
    datacontenttype: 'application/json',
    data,
  };
}

describe('defineEvent', () => {
  it('builds outbox entries with a validated payload', () => {
    expect(StreetCreated.build('street-1', { streetId: 'street-1', name: '人民路' })).toEqual({
      type: 'cn.caichang.roster.street.created.v1',
      subject: 'street-1',
      data: { streetId: 'street-1', name: '人民路' },
    });
    expect(() => StreetCreated.build('street-1', { streetId: 'street-1', name: '' })).toThrow(
      EventPayloadError,
    );
  });

  it('parses a consumed event into its typed payload', () => {
    const event = StreetCreated.parse(envelope({ streetId: 'street-1', name: '人民路', lengthM: 420 }));
    const lengthM: number | undefined = event.data.lengthM;
    expect(lengthM).toBe(420);
    expect(StreetCreated.matches(event)).toBe(true);
  });

  it('rejects a bad payload with an error naming the event and field, not the values', () => {
    const bad = envelope({ streetId: 'street-1', name: 42, secret: '13800138000' });
    expect(() => StreetCreated.parse(bad)).toThrow(
      /^event 0b8a7c38-8d1e-4c8f-9f55-0a8c2c7e9d11 of type cn\.caichang\.roster\.street\.created\.v1 has an invalid payload \(name: .+\)$/,
    );
    expect(() => StreetCreated.parse(bad)).not.toThrow(/42|13800138000/);
    expect(() => StreetCreated.parse(envelope({}, 'cn.caichang.roster.street.renamed.v1'))).toThrow(
      'expected cn.caichang',
    );
  });

  it('exposes the payload as JSON Schema for the AsyncAPI document', () => {
    expect(StreetCreated.jsonSchema()).toMatchObject({
      type: 'object',
      properties: {
        streetId: { type: 'string' },
        name: { type: 'string', minLength: 1 },
        lengthM: { type: 'integer' },
      },
      required: ['streetId', 'name'],
    });
  });

  it('insists on versioned, dotted event types', () => {
    expect(() => defineEvent({ type: 'StreetCreated', description: '', schema: z.object({}) })).toThrow(
      'version',
    );
  });
});

describe('parseEnvelope', () => {
  it('reads a CloudEvents JSON envelope from a string or buffer', () => {
    const e = envelope({ a: 1 });
    expect(parseEnvelope(JSON.stringify(e))).toEqual(e);
    expect(parseEnvelope(Buffer.from(JSON.stringify(e)))).toEqual(e);
  });

  it('explains what is wrong without quoting the message', () => {
    expect(() => parseEnvelope('{"name":"张三"')).toThrow(
      new InvalidEnvelopeError('message value is not JSON'),
    );
    expect(() => parseEnvelope(null)).toThrow('no value');
    const noSpec = { ...envelope({}), specversion: '0.3', id: 'x'.repeat(37) };
    expect(() => parseEnvelope(JSON.stringify(noSpec))).toThrow(/bad: specversion, id/);
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap, with jitter between half and all of it', () => {
    const opts = { initialMs: 200, maxMs: 10_000 };
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, opts, () => 1))).toEqual([200, 400, 800, 1600]);
    expect(backoffDelay(1, opts, () => 0)).toBe(100);
    expect(backoffDelay(50, opts, () => 1)).toBe(10_000);
  });

  it('truncates error texts for the last_error column', () => {
    expect(errorText(new Error('x'.repeat(600)))).toHaveLength(500);
  });
});
