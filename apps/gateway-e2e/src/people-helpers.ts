import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { GridPlace, GridsTopic } from '@sc/roster-contracts';
import { TEST_KAFKA_BROKERS } from '@sc/testing';
import type { Stack } from './stack';

/** Publishes a roster grid.changed CloudEvent to Kafka, as the roster's outbox relay would. */
export async function publishGrid(stack: Stack, gridId: string, streetIds: string[]): Promise<void> {
  const kafka = new Kafka({
    clientId: 'people-e2e',
    brokers: TEST_KAFKA_BROKERS,
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({
      topic: stack.topicPrefix + GridsTopic.name,
      messages: [
        {
          key: gridId,
          headers: { 'content-type': 'application/cloudevents+json' },
          value: JSON.stringify({
            specversion: '1.0',
            id: randomUUID(),
            source: '/caichang/roster',
            type: 'cn.caichang.roster.grid.changed.v1',
            subject: gridId,
            time: new Date().toISOString(),
            datacontenttype: 'application/json',
            data: { id: gridId, name: '测试网格', streetIds, courtyardIds: [], actor: 'e2e' },
          }),
        },
      ],
    });
  } finally {
    await producer.disconnect();
  }
}

/** Waits until the people service has consumed the grid into its read model. */
export async function waitForGrid(stack: Stack, gridId: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await stack.people.dataSource.getRepository(GridPlace).countBy({ gridId })) > 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`grid ${gridId} did not reach the people read model within ${timeoutMs} ms`);
}
