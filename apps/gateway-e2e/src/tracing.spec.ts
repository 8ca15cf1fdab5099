import { randomBytes } from 'node:crypto';
import {
  inMemorySpanExporter,
  type ReadableSpan,
  SpanKind,
  startTracing,
  type RunningTracing,
} from '@sc/tracing';
import { stableId } from '@sc/roster';
import { startStack, type Stack } from './stack';

/**
 * One change, one trace: a mutation sent through the gateway with a browser's `traceparent` is
 * traced through the gateway, its call to roster, roster's request and SQL, the outbox write, the relay's
 * publish to Kafka and the handling of the event by people's consumer — all under the browser's
 * trace id, each span the child of the one before.
 */
describe('tracing through the graph and Kafka [starts: every service on MariaDB with Kafka, gateway; in-memory span exporter]', () => {
  let stack: Stack;
  let tracing: RunningTracing;
  const exporter = inMemorySpanExporter();

  beforeAll(async () => {
    tracing = startTracing({ service: 'e2e', exporter });
    stack = await startStack('tracing');
  });
  afterAll(async () => {
    await stack?.stop();
    await tracing?.shutdown();
  });

  const spansOf = (traceId: string) =>
    exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  it('continues the caller’s trace from the gateway to another service’s consumer', async () => {
    const traceId = randomBytes(16).toString('hex');
    const browserSpan = randomBytes(8).toString('hex');
    const token = stack.tokens.mint(['ADMIN'], { subject: 'admin-1' });
    const street = stableId('street:南街');
    const res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        traceparent: `00-${traceId}-${browserSpan}-01`,
      },
      body: JSON.stringify({
        query: 'mutation RenameForTrace($i: RenamePlaceInput!) { renameStreet(input: $i) { id name } }',
        variables: { i: { id: street, name: `追踪街${randomBytes(2).toString('hex')}` } },
      }),
    });
    const body = (await res.json()) as { errors?: unknown[] };
    expect(body.errors).toBeUndefined();

    // The consumer runs after the relay published: wait for people's handling of the event.
    const type = 'cn.caichang.roster.street.renamed.v1';
    const deadline = Date.now() + 30_000;
    const consumed = () =>
      spansOf(traceId).find(
        (s) => s.name === `consume ${type}` && String(s.attributes['sc.consumer']).startsWith('people.'),
      );
    while (!consumed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    const spans = spansOf(traceId);
    const byName = (name: string) => spans.find((s) => s.name === name);
    const gatewayServer = spans.find(
      (s) => s.name === 'mutation RenameForTrace' && s.attributes['sc.service'] === 'gateway',
    );
    const call = byName('subgraph roster');
    // The gateway names the operation it sends a subgraph after the client's (RenameForTrace__roster__0).
    const roster = spans.find(
      (s) =>
        s.kind === SpanKind.SERVER &&
        s.attributes['sc.service'] === 'roster' &&
        s.name.startsWith('mutation RenameForTrace'),
    );
    const outbox = byName(`outbox write ${type}`);
    const publish = spans.find(
      (s) => s.name.startsWith('publish ') && parentOf(s) === outbox?.spanContext().spanId,
    );
    const consume = consumed();

    expect(gatewayServer?.kind).toBe(SpanKind.SERVER);
    expect(parentOf(gatewayServer!)).toBe(browserSpan);
    expect(call?.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(call!)).toBe(gatewayServer?.spanContext().spanId);
    expect(roster?.kind).toBe(SpanKind.SERVER);
    expect(parentOf(roster!)).toBe(call?.spanContext().spanId);
    expect(outbox).toBeDefined();
    // The outbox write happens inside roster's request (its resolver's transaction).
    const ancestors = (span: ReadableSpan): string[] => {
      const parent = spans.find((s) => s.spanContext().spanId === parentOf(span));
      return parent ? [parent.spanContext().spanId, ...ancestors(parent)] : [];
    };
    expect(ancestors(outbox!)).toContain(roster?.spanContext().spanId);
    // Roster's SQL statements are spans of its request too (operation only, never the statement).
    const sql = spans.filter(
      (s) => s.name.startsWith('db ') && ancestors(s).includes(roster!.spanContext().spanId),
    );
    expect(sql.map((s) => s.name)).toEqual(expect.arrayContaining(['db UPDATE', 'db INSERT']));
    expect(sql.every((s) => s.kind === SpanKind.CLIENT && s.attributes['db.system.name'] === 'mysql')).toBe(
      true,
    );
    expect(publish?.kind).toBe(SpanKind.PRODUCER);
    expect(consume?.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(consume!)).toBe(outbox?.spanContext().spanId);
    // Spans name the operation and the event type, never the variables.
    for (const s of spans) expect(JSON.stringify(s.attributes)).not.toContain('追踪街');
  });
});
