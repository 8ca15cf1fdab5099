import fs from 'node:fs';
import path from 'node:path';
import { parse, Kind, type ConstValueNode } from 'graphql';

/** Reads the composed supergraph SDL from the first of `candidates` that exists. */
export function readSupergraph(...candidates: string[]): string {
  const files = candidates.map((f) => path.resolve(f));
  const file = files.find((f) => fs.existsSync(f));
  if (!file) throw new Error(`supergraph not found (looked at ${files.join(', ')}); run npm run supergraph`);
  return fs.readFileSync(file, 'utf8');
}

/** One subgraph as the supergraph names it: `join__Graph` values carry the name and default URL. */
export interface SupergraphSubgraph {
  name: string;
  url: string;
}

const stringArg = (value: ConstValueNode | undefined): string | undefined =>
  value?.kind === Kind.STRING ? value.value : undefined;

/** The subgraphs of a supergraph, from its `join__Graph` enum. */
export function supergraphSubgraphs(supergraphSdl: string): SupergraphSubgraph[] {
  const doc = parse(supergraphSdl, { noLocation: true });
  const out: SupergraphSubgraph[] = [];
  for (const def of doc.definitions) {
    if (def.kind !== Kind.ENUM_TYPE_DEFINITION || def.name.value !== 'join__Graph') continue;
    for (const value of def.values ?? []) {
      const directive = value.directives?.find((d) => d.name.value === 'join__graph');
      const arg = (n: string) => stringArg(directive?.arguments?.find((a) => a.name.value === n)?.value);
      const name = arg('name');
      const url = arg('url');
      if (name && url) out.push({ name, url });
    }
  }
  return out;
}
