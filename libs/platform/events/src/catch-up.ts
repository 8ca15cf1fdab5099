import type { EntityManager } from 'typeorm';

/**
 * Read-model catch-up (ADR 0023). A producer can restate its current state as events its consumers
 * already apply (a snapshot written to its outbox, published like any other event); a read model says
 * which producer fills it and how many items it holds, so a start (embedded mode) or an operator (real
 * mode, `npm run readmodels:snapshot`) can tell it is behind and ask for a snapshot.
 */

/** What a snapshot wrote: its id and how many items of each kind (e.g. `places`, `residents`). */
export interface SnapshotSummary {
  snapshotId: string;
  items: Record<string, number>;
}

/** A producer's snapshot: what a caught-up read model holds, and a way to write the snapshot. */
export interface SnapshotSource {
  /**
   * How many items a caught-up read model holds, by read-model (consumption) name, e.g.
   * `{ 'roster-places': 212 }`. Cheap counts, compared with {@link ReadModelCatchUp.held}.
   */
  counts(): Promise<Record<string, number>>;
  /** Writes the snapshot to the outbox in one transaction (committed when this resolves). */
  publish(actor: string): Promise<SnapshotSummary>;
}

/** How a read model is caught up: the registry name of the service whose snapshot fills it. */
export interface ReadModelCatchUp {
  producer: string;
  /** How many items the read model holds (the count its producer's `counts()` gives under its name). */
  held(m: EntityManager): Promise<number>;
}
