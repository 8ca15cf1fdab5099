export * from './catch-up';
export * from './cloud-event';
export * from './contract';
export * from './entities';
export * from './migrations';
export * from './outbox';
export * from './publisher';
export * from './in-process-bus';
export * from './kafka';
export * from './relay';
export {
  ConsumerStoppedError,
  type EventDelivery,
  type EventHandler,
  type InboxConsumerOptions,
  type InboxOutcome,
  type InboxSubscriptionOptions,
  type InvalidMessage,
  type InvalidMessageHandler,
  KafkaEventConsumer,
  type KafkaEventConsumerOptions,
  subscribeWithInbox,
} from './inbox';
export type { BackoffOptions } from './backoff';
export * from './probe';
export * from './subscriber';
