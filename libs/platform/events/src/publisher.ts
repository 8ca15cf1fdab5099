/** One message for the broker. */
export interface PublishRecord {
  topic: string;
  /** Partitioning key: the aggregate id, so one aggregate's events stay in order. */
  key: string;
  /** The CloudEvents JSON envelope (structured mode). */
  value: string;
  headers?: Record<string, string>;
}

/** Where the outbox relay sends events: Kafka in real mode, the in-process bus in embedded mode. */
export interface EventPublisher {
  /**
   * Publishes the records in order and resolves once all of them are durably accepted. A rejection
   * means none may be considered published (some may have been; consumers deduplicate).
   */
  publish(batch: PublishRecord[]): Promise<void>;
  close(): Promise<void>;
}
