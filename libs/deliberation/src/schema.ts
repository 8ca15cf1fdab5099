import { parse, type DocumentNode } from 'graphql';
import { readSchemaFile, subgraphSdl } from '@sc/graphql';

/** The deliberation service's own SDL file (`schema/deliberation.graphql`; beside the bundle in a build). */
export function deliberationSdl(): string {
  return readSchemaFile(__dirname, 'deliberation.graphql');
}

/** The whole subgraph schema as served (the deliberation SDL plus the platform's). */
export function deliberationTypeDefs(): DocumentNode {
  return parse(subgraphSdl(deliberationSdl()));
}
