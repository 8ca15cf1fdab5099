import { z } from 'zod';

const stringList = z.array(z.string());

/**
 * A list of strings kept as JSON text in one column (grid membership snapshots, vetting opinions).
 * Written only by the roster itself; a value that is not such a list is a fault, not user input.
 */
export function parseStringList(json: string): string[] {
  return stringList.parse(JSON.parse(json));
}
