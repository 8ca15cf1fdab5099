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

/**
 * The public pages the gateway forwards, by GET route pattern: the service that serves each
 * (`{ '/signboards/*': 'roster' }`). Written beside the supergraph as `apps/gateway/pages.json` by
 * `npm run supergraph`, for the gateway app, which imports no service.
 */
export function gatewayPages(services: readonly Service[] = SERVICES): Record<string, string> {
  const pages: Record<string, string> = {};
  for (const s of services)
    for (const page of s.pages) {
      const owner = pages[page];
      if (owner) throw new Error(`page ${page} is served by both ${owner} and ${s.name}`);
      pages[page] = s.name;
    }
  return pages;
}

/** The gateway's page routes: beside a built bundle, or where `npm run supergraph` writes them. */
export function gatewayPagesFiles(): string[] {
  return [path.join(__dirname, 'pages.json'), path.resolve(__dirname, '../../../apps/gateway/pages.json')];
}

/** The composed supergraph: beside a built bundle, or where `npm run supergraph` writes it. */
export function supergraphFiles(): string[] {
  return [
    path.join(__dirname, 'supergraph.graphql'),
    path.resolve(__dirname, '../../../apps/gateway/supergraph.graphql'),
  ];
}
