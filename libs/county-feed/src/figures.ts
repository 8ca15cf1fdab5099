/**
 * The figures the county feed computes from the events alone, in the shape the owning services report
 * through the gateway, so a test can compare them field by field. Served by the county feed as JSON at
 * `GET /api/v1/figures?fromMonth=YYYY-MM&toMonth=YYYY-MM` (read-only, no personal data: ids, codes and
 * counts only). Every list is sorted by its key fields (ascending, string order) so two answers compare
 * with a deep equality.
 */
export interface CountyFigures {
  population: {
    /** Active residents and households; migrants = long-term + floating. */
    residents: number;
    households: number;
    migrants: number;
    /** People's `populationStats.byCategory` (category enum name → active residents), zero rows omitted. */
    byCategory: Array<{ category: string; residents: number }>;
    /** People's `populationStats.migrantsByOrigin` (户籍地 → active migrants), zero rows omitted. */
    migrantsByOrigin: Array<{ origin: string; migrants: number }>;
    /** People's `populationStats.byStreet` (street id → active residents), zero rows omitted. */
    byStreet: Array<{ streetId: string; residents: number }>;
  };
  chiefs: {
    /** Chiefs by current status (roster's ChiefStatus enum names), zero rows omitted. */
    byStatus: Array<{ status: string; chiefs: number }>;
    /** Streets of the community, and those whose grid has an APPOINTED chief today. */
    streets: number;
    streetsCovered: number;
  };
  /**
   * The case ledger by item × street × month (month of the report, YYYY-MM, Asia/Shanghai), as cases'
   * `caseLedger(scope: { kind: STREET, id }, groupBy: [ITEM, MONTH])` reports it; rows with every count 0
   * omitted. Opened counts under the month of the report, the other counts under the month of the latest
   * resolution (as the cases ledger files them). A case with no item yet has `itemCode` `-` (the
   * gateway's `itemCode: null`).
   */
  caseLedger: Array<{
    itemCode: string;
    streetId: string;
    month: string;
    opened: number;
    resolved: number;
    resolvedOnTime: number;
    ratings: number;
    satisfied: number;
  }>;
  /** Closed votes, as deliberation's `matter(id) { state tally { … } electorate size }` reports them. */
  votes: Array<{
    matterId: string;
    /** Final matter state after the close (ADOPTED / REJECTED / …, MatterState enum names). */
    state: string;
    electorateSize: number;
    participants: number;
    quorumMet: boolean;
    /** VoteOutcome enum name. */
    outcome: string;
    counts: Array<{ option: string; count: number }>;
  }>;
}
