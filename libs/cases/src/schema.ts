import { parse, type DocumentNode } from 'graphql';
import { readSchemaFile, subgraphSdl } from '@sc/graphql';

/** The cases service's own SDL file (`schema/cases.graphql`; beside the bundle in a build). */
export function casesSdl(): string {
  return readSchemaFile(__dirname, 'cases.graphql');
}

/** The whole subgraph schema as served (the cases SDL plus the platform's). */
export function casesTypeDefs(): DocumentNode {
  return parse(subgraphSdl(casesSdl()));
}
