import { parse, type DocumentNode } from 'graphql';
import { readSchemaFile, subgraphSdl } from '@sc/graphql';

/** The people service's own SDL file (`schema/people.graphql`; beside the bundle in a build). */
export function peopleSdl(): string {
  return readSchemaFile(__dirname, 'people.graphql');
}

/** The whole subgraph schema as served (the people SDL plus the platform's). */
export function peopleTypeDefs(): DocumentNode {
  return parse(subgraphSdl(peopleSdl()));
}
