import { type DocumentNode, type EnumTypeDefinitionNode, Kind } from 'graphql';

/**
 * A stored string as a value of a GraphQL enum (issue 15 §4: closed sets are enums, not strings).
 * `allowed` is the enum's values; `toEnum` maps a stored spelling to its value (default: as stored).
 * A stored value outside the set is a fault of ours (the columns only receive these), never the
 * client's: it throws a plain Error, which the error formatter turns into INTERNAL_SERVER_ERROR.
 */
export function storedEnum<T extends string>(
  stored: string,
  allowed: readonly T[],
  toEnum: (stored: string) => string = (s) => s,
): T {
  const value = toEnum(stored);
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new Error(`unexpected stored value ${stored}`);
  return found;
}

/** `openDiscussion` → `OPEN_DISCUSSION`: a camelCase stored name as an enum value. */
export function upperSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The values of an enum of an SDL document (specs check a GraphQL enum against the stored set). */
export function sdlEnumValues(doc: DocumentNode, name: string): string[] {
  const found = doc.definitions.find(
    (d): d is EnumTypeDefinitionNode => d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === name,
  );
  if (!found) throw new Error(`enum ${name} is not in the document`);
  return (found.values ?? []).map((v) => v.name.value);
}
