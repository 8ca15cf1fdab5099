import { Column, Entity, PrimaryColumn } from 'typeorm';
import { LEDGER_COUNTERS } from '../domain/ledger';

/**
 * One cell of the maintained ledger (台账): the sums of the cases' contributions for a scope
 * (community, street, grid or chief), a category, an item and a month (ADR 0018). Changed only by
 * adding deltas in the transaction of a case change; never computed by scanning cases.
 */
@Entity({ name: 'case_ledger' })
export class CaseLedgerCell {
  @PrimaryColumn({ name: 'scope_kind', type: 'varchar', length: 10 })
  scopeKind!: string;

  @PrimaryColumn({ name: 'scope_id', type: 'varchar', length: 36 })
  scopeId!: string;

  @PrimaryColumn({ name: 'category_code', type: 'varchar', length: 30 })
  categoryCode!: string;

  @PrimaryColumn({ name: 'item_code', type: 'varchar', length: 40 })
  itemCode!: string;

  /** YYYY-MM (China time). */
  @PrimaryColumn({ type: 'varchar', length: 7 })
  month!: string;

  /** The counters, by column name (see LEDGER_COUNTERS). */
  [counter: string]: unknown;
}

// One integer column per counter, declared from the list the contributions use (bigint for the
// seconds, which a county's years overflow in int).
for (const counter of LEDGER_COUNTERS) {
  Column({
    name: counter,
    type: counter === 'resolve_seconds' ? 'bigint' : 'int',
    default: 0,
  })(CaseLedgerCell.prototype, counter);
}
