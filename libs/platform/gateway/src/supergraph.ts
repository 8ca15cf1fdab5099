import fs from 'node:fs';
import path from 'node:path';

/**
 * Finds the supergraph SDL: an explicit file, the copy next to a built bundle, or the committed
 * one in the workspace.
 */
export function readSupergraph(configured?: string): string {
  const candidates = configured
    ? [path.resolve(configured)]
    : [
        path.join(__dirname, 'supergraph.graphql'), // next to a built bundle
        path.resolve(__dirname, '../../../../apps/gateway/supergraph.graphql'), // from the sources
        path.resolve('apps/gateway/supergraph.graphql'),
      ];
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file)
    throw new Error(`supergraph not found (looked at ${candidates.join(', ')}); run npm run supergraph`);
  return fs.readFileSync(file, 'utf8');
}
