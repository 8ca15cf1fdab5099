import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { SensitiveField } from '../services/access-log';

const FIELD_OF: Record<string, SensitiveField> = {
  idNumber: 'ID_NUMBER',
  phone: 'PHONE',
  door: 'DOOR',
  birthDate: 'BIRTH_DATE',
  bornOn: 'BIRTH_DATE',
};

/** Which whole values the query selects under `sensitive { … }` (fragments followed). */
export function selectedSensitiveFields(
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>,
): SensitiveField[] {
  const found = new Set<SensitiveField>();
  const walk = (set: SelectionSetNode | undefined) => {
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) {
        const f = FIELD_OF[sel.name.value];
        if (f) found.add(f);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet);
      else walk(info.fragments[sel.name.value]?.selectionSet);
    }
  };
  for (const node of info.fieldNodes) walk(node.selectionSet);
  return [...found].sort();
}

/**
 * The client's operation name. The gateway renames what it sends a subgraph to
 * `<name>__<subgraph>__<n>`; the log keeps the name the client chose.
 */
export const operationOf = (info: Pick<GraphQLResolveInfo, 'operation'>): string =>
  (info.operation.name?.value ?? 'anonymous').replace(/__[A-Za-z0-9_-]+__\d+$/, '') || 'anonymous';

/** A comma-joined column of enum values, as the schema's list (values outside `allowed` are a fault). */
export function enumList<T extends string>(joined: string | null, allowed: readonly T[]): T[] {
  if (!joined) return [];
  return joined.split(',').map((v) => {
    if (!(allowed as readonly string[]).includes(v)) throw new Error(`unexpected stored value ${v}`);
    return v as T;
  });
}
