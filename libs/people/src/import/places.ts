import { CAICHANG, stableId } from '@sc/demo';

/** A street of the roster with its courtyards, as the import matches them by name. */
export interface DirectoryStreet {
  id: string;
  name: string;
  courtyards: { id: string; name: string }[];
}

/**
 * Street and courtyard ids by name. The people service keeps no copy of the roster's places (only the
 * grid read model), and a spreadsheet names places, never ids, so the import resolves names here.
 */
export class PlaceDirectory {
  private readonly streets = new Map<string, { id: string; courtyards: Map<string, string> }>();

  constructor(streets: readonly DirectoryStreet[]) {
    for (const s of streets) {
      const courtyards = new Map<string, string>();
      for (const c of s.courtyards) courtyards.set(placeKey(c.name), c.id);
      this.streets.set(placeKey(s.name), { id: s.id, courtyards });
    }
  }

  /** Id of the street with this name (spaces ignored), or undefined. */
  streetId(name: string): string | undefined {
    return this.streets.get(placeKey(name))?.id;
  }

  /** Id of the courtyard with this name on the given street, or undefined. */
  courtyardId(streetName: string, courtyardName: string): string | undefined {
    return this.streets.get(placeKey(streetName))?.courtyards.get(placeKey(courtyardName));
  }

  /** Every street id with its courtyard ids (for generators and tests). */
  list(): { streetId: string; streetName: string; courtyards: { id: string; name: string }[] }[] {
    return [...this.streets.entries()].map(([streetName, s]) => ({
      streetId: s.id,
      streetName,
      courtyards: [...s.courtyards.entries()].map(([name, id]) => ({ id, name })),
    }));
  }
}

/**
 * The Caichang demo roster (21 streets, 72 courtyards) with the ids the roster seed gives them
 * (`stableId('street:<name>')`, `stableId('courtyard:<street>:<name>')`).
 */
export function caichangPlaceDirectory(): PlaceDirectory {
  return new PlaceDirectory(
    CAICHANG.groups.flatMap((g) =>
      g.streets.map(([street, courtyards]) => ({
        id: stableId(`street:${street}`),
        name: street,
        courtyards: courtyards.map((c) => ({ id: stableId(`courtyard:${street}:${c}`), name: c })),
      })),
    ),
  );
}

/** Spreadsheets carry stray spaces (including the full-width U+3000) inside names. */
function placeKey(name: string): string {
  return name.replace(/[\s\u3000]+/g, '');
}
