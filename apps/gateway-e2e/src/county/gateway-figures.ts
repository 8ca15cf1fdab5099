import type { CountyFigures } from '@sc/county-feed';
import { gqlRequest } from '@sc/testing';
import type { Stack } from '../stack';

/** Who asks: a COUNTY_VIEWER for the aggregates, COMMUNITY_STAFF for the chiefs that are not public. */
export interface FigureTokens {
  county: string;
  staff: string;
}

const CHIEF_STATUSES = ['NOMINATED', 'VETTED', 'FILED', 'APPOINTED', 'SUSPENDED', 'RETIRED', 'REJECTED'];
/** The states a matter can be in once its vote closed. */
const CLOSED_VOTE_STATES = ['ADOPTED', 'REJECTED', 'IMPLEMENTING', 'IMPLEMENTED'];
const COMMUNITY_CODE = 'caichang';

interface Page<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const byKeys =
  <T>(...keys: (keyof T)[]) =>
  (a: T, b: T): number => {
    for (const k of keys) {
      const x = String(a[k]);
      const y = String(b[k]);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };

/**
 * The figures of CountyFigures as the owning services report them through the gateway, from the
 * queries `libs/county-feed/src/figures.ts` names: people's `populationStats`, roster's `chiefs` by
 * status, the community's streets and `uncoveredStreets`, cases' `caseLedger` per street by item ×
 * month, deliberation's `matters` whose vote closed and each one's `matter(id)`. The same sorting and
 * zero-row rules as the contract, so the two compare with a deep equality.
 */
export async function gatewayFigures(
  stack: Pick<Stack, 'gatewayUrl'>,
  tokens: FigureTokens,
  fromMonth: string,
  toMonth: string,
): Promise<CountyFigures> {
  const gql = async <T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> => {
    const res = await gqlRequest<T>(stack.gatewayUrl, query, variables, token);
    if (res.errors || !res.data)
      throw new Error(
        `gateway figures: ${JSON.stringify(res.errors ?? 'no data')} for ${query.slice(0, 80)}`,
      );
    return res.data;
  };
  const all = async <T>(
    query: string,
    variables: Record<string, unknown>,
    token: string,
    page: (data: Record<string, unknown>) => Page<T>,
  ): Promise<T[]> => {
    const out: T[] = [];
    let after: string | null = null;
    for (;;) {
      const p = page(await gql<Record<string, unknown>>(query, { ...variables, after }, token));
      out.push(...p.nodes);
      if (!p.pageInfo.hasNextPage) return out;
      after = p.pageInfo.endCursor;
    }
  };

  const [population, chiefs, streets, votes] = await Promise.all([
    gql<{
      populationStats: {
        residents: number;
        households: number;
        migrants: number;
        byCategory: { category: string; count: number }[];
        migrantsByOrigin: { origin: string; count: number }[];
        byStreet: { street: { id: string }; residents: number }[];
      };
    }>(
      `query CountyPopulation { populationStats { residents households migrants byCategory { category count }
        migrantsByOrigin { origin count } byStreet { street { id } residents } } }`,
      {},
      tokens.county,
    ).then((d) => d.populationStats),
    gql<Record<string, { totalCount: number }>>(
      `query CountyChiefs { ${CHIEF_STATUSES.map((s) => `${s}: chiefs(status: ${s}, first: 0) { totalCount }`).join(' ')} }`,
      {},
      tokens.staff,
    ),
    all<{ id: string }>(
      'query CountyStreets($code: String!, $after: String) { community(code: $code) { streets(first: 100, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } } }',
      { code: COMMUNITY_CODE },
      tokens.county,
      (d) => (d['community'] as { streets: Page<{ id: string }> }).streets,
    ),
    Promise.all(
      CLOSED_VOTE_STATES.map((status) =>
        all<{ id: string }>(
          'query CountyMatters($status: MatterState!, $after: String) { matters(first: 100, after: $after, filter: { status: $status }) { nodes { id } pageInfo { hasNextPage endCursor } } }',
          { status },
          tokens.county,
          (d) => d['matters'] as Page<{ id: string }>,
        ),
      ),
    ).then((lists) => lists.flat()),
  ]);

  const { uncoveredStreets } = await gql<{ uncoveredStreets: { totalCount: number } }>(
    'query CountyUncovered { uncoveredStreets(first: 0) { totalCount } }',
    {},
    tokens.county,
  );

  // One request for every street's ledger (aliases), as a dashboard would ask.
  const ledger =
    streets.length === 0
      ? {}
      : await gql<Record<string, LedgerRow[]>>(
          `query CountyLedger($from: String!, $to: String!) { ${streets
            .map(
              (s, i) =>
                `s${i}: caseLedger(scope: { kind: STREET, id: "${s.id}" }, fromMonth: $from, toMonth: $to, groupBy: [ITEM, MONTH]) { itemCode month opened resolved resolvedOnTime ratings satisfied }`,
            )
            .join(' ')} }`,
          { from: fromMonth, to: toMonth },
          tokens.county,
        );

  const matters = await Promise.all(
    votes.map((v) =>
      gql<{
        matter: {
          id: string;
          status: string;
          electorate: { size: number } | null;
          tally: {
            participants: number;
            quorumMet: boolean;
            outcome: string;
            counts: { option: string; count: number }[];
          } | null;
        };
      }>(
        'query CountyVote($id: ID!) { matter(id: $id) { id status electorate { size } tally { participants quorumMet outcome counts { option count } } } }',
        { id: v.id },
        tokens.county,
      ).then((d) => d.matter),
    ),
  );

  return {
    population: {
      residents: population.residents,
      households: population.households,
      migrants: population.migrants,
      byCategory: population.byCategory
        .filter((r) => r.count > 0)
        .map((r) => ({ category: r.category, residents: r.count }))
        .sort(byKeys('category')),
      migrantsByOrigin: population.migrantsByOrigin
        .filter((r) => r.count > 0)
        .map((r) => ({ origin: r.origin, migrants: r.count }))
        .sort(byKeys('origin')),
      byStreet: population.byStreet
        .filter((r) => r.residents > 0)
        .map((r) => ({ streetId: r.street.id, residents: r.residents }))
        .sort(byKeys('streetId')),
    },
    chiefs: {
      byStatus: CHIEF_STATUSES.map((status) => ({ status, chiefs: chiefs[status]?.totalCount ?? 0 }))
        .filter((r) => r.chiefs > 0)
        .sort(byKeys('status')),
      streets: streets.length,
      streetsCovered: streets.length - uncoveredStreets.totalCount,
    },
    caseLedger: streets
      .flatMap((s, i) =>
        (ledger[`s${i}`] ?? []).map((r) => ({
          itemCode: String(r.itemCode),
          streetId: s.id,
          month: String(r.month),
          opened: r.opened,
          resolved: r.resolved,
          resolvedOnTime: r.resolvedOnTime,
          ratings: r.ratings,
          satisfied: r.satisfied,
        })),
      )
      .filter((r) => r.opened + r.resolved + r.resolvedOnTime + r.ratings + r.satisfied > 0)
      .sort(byKeys('itemCode', 'streetId', 'month')),
    votes: matters
      .map((m) => ({
        matterId: m.id,
        state: m.status,
        electorateSize: m.electorate?.size ?? 0,
        participants: m.tally?.participants ?? 0,
        quorumMet: m.tally?.quorumMet ?? false,
        outcome: m.tally?.outcome ?? '',
        counts: [...(m.tally?.counts ?? [])].sort(byKeys('option')),
      }))
      .sort(byKeys('matterId')),
  };
}

interface LedgerRow {
  itemCode: string | null;
  month: string | null;
  opened: number;
  resolved: number;
  resolvedOnTime: number;
  ratings: number;
  satisfied: number;
}
