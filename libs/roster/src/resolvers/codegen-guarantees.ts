/**
 * What the generated resolver types must keep catching, checked by `tsc` (npm run typecheck): every
 * `@ts-expect-error` below fails the typecheck as soon as the error it expects disappears, e.g. when
 * a config change brings back an index signature or loosens a mapper. Never executed.
 */
import type { SubgraphResolvers } from '@sc/graphql';
import type { Resolvers } from '../__generated__/resolvers-types';

export const guarantees: Resolvers[] = [
  // A misspelled field is an error (no `useIndexSignature`).
  // @ts-expect-error 'naem' does not exist in CommunityResolvers
  { Community: { naem: () => 'x' } },
  // Parents are the mapped entity: Street is a Place, which has no `title`.
  // @ts-expect-error Property 'title' does not exist on type 'Place'
  { Street: { name: (p) => p.title } },
  // Arguments are typed from the schema: `code` is a string, there is no `id`.
  // @ts-expect-error Property 'id' does not exist on type 'QueryCommunityArgs'
  { Query: { community: (_, args, ctx) => ctx.loaders.communityByCode(args.id) } },
  // A non-null field cannot be given a resolver that may return null (Street.community: Community!).
  // @ts-expect-error Type 'Promise<Place | null>' is not assignable
  { Street: { community: (p, _, ctx) => ctx.loaders.place(p.communityId, 'COMMUNITY') } },
  // A connection's parent is what the loaders return, with a lazily counted total.
  {
    Query: {
      // @ts-expect-error Type 'number' is not assignable to type '() => Promise<number>'
      grids: () => ({
        edges: [],
        nodes: [],
        pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
        totalCount: 1,
      }),
    },
  },
  // A union resolves only to its member types.
  // @ts-expect-error Type '"Grid"' is not assignable to type '"Community" | "Street" | …'
  { SignboardPlace: { __resolveType: () => 'Grid' } },
  // `resolvable: false` stubs are `{ id }` only; their typename is fixed.
  // @ts-expect-error Type '"Street"' is not assignable to type '"Resident"'
  { StreetChief: { resident: (c) => ({ __typename: 'Street', id: c.residentId }) } },
  // `__resolveReference` gets the `@key` fields of the reference.
  // @ts-expect-error Property 'code' does not exist on the reference
  { Community: { __resolveReference: (ref, ctx) => ctx.loaders.communityByCode(ref.code) } },
];

// The generated map is what the subgraph factory takes, with no cast.
export const accepted: SubgraphResolvers = {} as Resolvers;
