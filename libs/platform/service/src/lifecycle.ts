import { randomUUID } from 'node:crypto';
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { hasRole, requireRole, type Principal, type Role } from '@sc/auth';
import { lockById } from '@sc/db';
import type { Outbox, PendingEvent } from '@sc/events';
import { ConflictError, NotFoundError } from '@sc/graphql';

/** A lifecycle as data: from each state, the actions allowed and where they lead, and who may take them. */
export interface LifecycleDefinition<S extends string, A extends string> {
  /** What the aggregate is called in messages, e.g. `chief`, `case`. */
  noun: string;
  /** Every state, in the order documentation lists them. */
  states: readonly S[];
  /** Every action. */
  actions: readonly A[];
  transitions: Record<S, Partial<Record<A, S>>>;
  /** Who may take each action; ADMIN may take all of them. */
  roles: Record<A, readonly Role[]>;
  /** The participle of each action for messages: `appointed` in "… cannot be appointed". */
  verbs: Record<A, string>;
}

/** The row shape {@link Lifecycle.transition} works on: an id, its state and an optimistic version. */
export interface LifecycleRow<S extends string> extends ObjectLiteral {
  id: string;
  status: S;
  version: number;
}

/** What one transition writes besides the state: changed columns and, usually, an event. */
export interface TransitionChange<T> {
  changes?: Partial<T>;
  event?: PendingEvent;
}

/** Inputs of {@link Lifecycle.transition}. */
export interface TransitionRequest<S extends string, A extends string, T extends LifecycleRow<S>> {
  entity: EntityTarget<T>;
  id: string;
  action: A;
  actor: string;
  reason: string;
  /** When given, the row must still have this version (optimistic concurrency): CONFLICT otherwise. */
  expectedVersion?: number;
  /** When the transition happens (default now). */
  at?: Date;
  /** Checks and computes what changes besides the state, from the locked row. Throw to refuse. */
  apply?: (m: EntityManager, row: T, next: S) => TransitionChange<T> | Promise<TransitionChange<T>>;
  /** The history row to insert (who, when, why: nothing is ever deleted). */
  history: (row: T, from: S, to: S, at: Date) => { entity: EntityTarget<ObjectLiteral>; row: ObjectLiteral };
  outbox: Outbox;
}

/** A lifecycle's rules, checked the same way by every service that has one. */
export interface Lifecycle<S extends string, A extends string> extends LifecycleDefinition<S, A> {
  /** The state after `action`, or CONFLICT naming the current state when the action is illegal there. */
  next(current: S, action: A): S;
  /** True when `action` is legal in `current` (no role check). */
  allows(current: S, action: A): boolean;
  /** UNAUTHENTICATED/FORBIDDEN unless the principal may take the action (ADMIN always may). */
  requireActor(principal: Principal | null, action: A): Principal;
  /** True when the principal holds a role that may take the action. */
  mayTake(principal: Principal | null, action: A): boolean;
  /** Every (state, action) pair with its outcome: the table a spec walks. */
  table(): { state: S; action: A; next: S | null }[];
  /**
   * Runs one transition inside the caller's transaction: locks the row, checks the optimistic
   * version and the state machine, applies the change, bumps the version, writes the history row
   * and the event (through the outbox, so it commits with the change). Returns the updated row.
   */
  transition<T extends LifecycleRow<S>>(m: EntityManager, request: TransitionRequest<S, A, T>): Promise<T>;
}

export function defineLifecycle<S extends string, A extends string>(
  definition: LifecycleDefinition<S, A>,
): Lifecycle<S, A> {
  const article = /^[aeiou]/i.test(definition.noun) ? 'An' : 'A';
  const next = (current: S, action: A): S => {
    const to = definition.transitions[current][action];
    if (!to) {
      throw new ConflictError(
        `${article} ${definition.noun} in state ${current} cannot be ${definition.verbs[action]}`,
        { currentState: current, action },
      );
    }
    return to;
  };
  return Object.freeze({
    ...definition,
    next,
    allows: (current: S, action: A) => definition.transitions[current][action] !== undefined,
    requireActor: (principal: Principal | null, action: A) =>
      requireRole(principal, ...definition.roles[action]),
    mayTake: (principal: Principal | null, action: A) => hasRole(principal, ...definition.roles[action]),
    table: () =>
      definition.states.flatMap((state) =>
        definition.actions.map((action) => ({
          state,
          action,
          next: definition.transitions[state][action] ?? null,
        })),
      ),
    async transition<T extends LifecycleRow<S>>(
      m: EntityManager,
      request: TransitionRequest<S, A, T>,
    ): Promise<T> {
      const row = await lockById(m, request.entity, request.id);
      if (!row) throw new NotFoundError(capitalise(definition.noun), request.id);
      if (request.expectedVersion !== undefined && request.expectedVersion !== row.version) {
        throw new ConflictError(
          `The ${definition.noun} was changed by someone else (version ${row.version}, you had ${request.expectedVersion}); reload and try again`,
          { currentState: row.status, currentVersion: row.version },
        );
      }
      const from = row.status;
      const to = next(from, request.action);
      const at = request.at ?? new Date();
      const change = (await request.apply?.(m, row, to)) ?? {};
      const updated = { ...row, ...change.changes, status: to, version: row.version + 1 } as T;
      await m
        .getRepository(request.entity)
        .update(
          { id: row.id } as never,
          { ...change.changes, status: to, version: updated.version } as never,
        );
      const history = request.history(updated, from, to, at);
      await m.getRepository(history.entity).insert(history.row);
      if (change.event) {
        await request.outbox.add(m, change.event.contract, row.id, change.event.data, { time: at });
      }
      return updated;
    },
  });
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** A fresh id for a history row. */
export const historyId = (): string => randomUUID();
