import type { Logger } from '@sc/config';
import type { SnapshotSummary } from '@sc/events';
import type { RunningService } from './service';

/** One read model that was behind its producer, and what the catch-up made of it. */
export interface CaughtUp {
  service: string;
  readModel: string;
  producer: string;
  /** Items held before the snapshot, the producer's count, and items held after it was applied. */
  before: number;
  expected: number;
  after: number;
  snapshotId: string;
}

/**
 * Embedded mode's read-model catch-up (ADR 0023): every read model that holds fewer items than its
 * producer's count gets the producer's snapshot, written to the producer's outbox and published through
 * the relay and the bus like any event, so it reaches the consumers' inboxes (each producer writes one
 * snapshot however many of its read models are behind). `settle` resolves once every published event was
 * handled (the in-process bus's `idle`). Logs one line per read model caught up.
 */
export async function catchUpReadModels(
  running: readonly RunningService[],
  settle: () => Promise<void>,
  logger: Logger,
  actor = 'embedded-catch-up',
): Promise<CaughtUp[]> {
  // What is already in an outbox (a previous run ended before its relay published) is delivered first,
  // so a read model is not counted behind for events that were only waiting.
  for (const s of running) await s.relay.flush();
  await settle();
  const counts = new Map<string, Record<string, number>>();
  const behind: { consumer: RunningService; readModel: string; producer: RunningService; before: number }[] =
    [];
  for (const consumer of running) {
    for (const c of consumer.consumes) {
      if (!c.catchUp) continue;
      const producer = running.find((p) => p.name === c.catchUp?.producer);
      if (!producer?.snapshot) continue;
      let producerCounts = counts.get(producer.name);
      if (!producerCounts) {
        producerCounts = await producer.snapshot.counts();
        counts.set(producer.name, producerCounts);
      }
      const before = await c.catchUp.held(consumer.dataSource.manager);
      if (before < (producerCounts[c.name] ?? 0))
        behind.push({ consumer, readModel: c.name, producer, before });
    }
  }
  const snapshots = new Map<string, SnapshotSummary>();
  for (const { producer } of behind) {
    if (snapshots.has(producer.name) || !producer.snapshot) continue;
    snapshots.set(producer.name, await producer.snapshot.publish(actor));
    await producer.relay.flush();
  }
  if (snapshots.size > 0) await settle();
  const done: CaughtUp[] = [];
  for (const { consumer, readModel, producer, before } of behind) {
    const consumption = consumer.consumes.find((c) => c.name === readModel);
    const after = (await consumption?.catchUp?.held(consumer.dataSource.manager)) ?? before;
    const line: CaughtUp = {
      service: consumer.name,
      readModel,
      producer: producer.name,
      before,
      expected: counts.get(producer.name)?.[readModel] ?? 0,
      after,
      snapshotId: snapshots.get(producer.name)?.snapshotId ?? '',
    };
    done.push(line);
    if (after < line.expected)
      logger.warn({ catchUp: line }, 'read model still behind its producer after the snapshot');
    else logger.info({ catchUp: line }, 'read model caught up from its producer’s snapshot');
  }
  return done;
}
