import path from 'node:path';
import { cases } from '@sc/cases';
import { deliberation } from '@sc/deliberation';
import { people } from '@sc/people';
import { roster } from '@sc/roster';
import type { Service } from '@sc/service';

/**
 * The registry: every service of the platform, in start order (the token issuer first). The
 * gateway's supergraph, the embedded app, the e2e stack, the AsyncAPI document, the migration tools,
 * the build and the lint rules all read this list; adding a service is one folder and one line here
 * (docs/development.md, "Adding a service").
 */
export const SERVICES: readonly Service[] = [roster, people, cases, deliberation];

/** A registered service by name. */
export function service(name: string): Service {
  const found = SERVICES.find((s) => s.name === name);
  if (!found) throw new Error(`no service named ${name} (known: ${SERVICES.map((s) => s.name).join(', ')})`);
  return found;
}

/** The composed supergraph: beside a built bundle, or where `npm run supergraph` writes it. */
export function supergraphFiles(): string[] {
  return [
    path.join(__dirname, 'supergraph.graphql'),
    path.resolve(__dirname, '../../../apps/gateway/supergraph.graphql'),
  ];
}
