import { parse, type DocumentNode } from 'graphql';
import { readSchemaFile, subgraphSdl } from '@sc/graphql';

/** The roster's own SDL file (`schema/roster.graphql`; beside the bundle in a build). */
export function rosterSdl(): string {
  return readSchemaFile(__dirname, 'roster.graphql');
}

/** The whole subgraph schema as served (the roster's SDL plus the platform's). */
export function rosterTypeDefs(): DocumentNode {
  return parse(subgraphSdl(rosterSdl()));
}
