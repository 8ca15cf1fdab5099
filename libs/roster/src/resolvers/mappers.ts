/**
 * What roster resolvers really receive as parent (and return) for each GraphQL type, read by
 * `npm run codegen` (tools/codegen/subgraphs.ts): `export type <GraphQLType>Mapper`. A type without a
 * mapper is the generated TypeScript shape of the GraphQL type itself (e.g. SignboardContent, which
 * the Signboard.content resolver builds field by field, or PageInfo).
 */
import type { AccountView } from '../services/account.service';
import type { Account } from '../entities/account.entity';
import type { Patrol, Training } from '../entities/activity.entity';
import type { ChiefNomination, ChiefTransition, StreetChief } from '../entities/chief.entity';
import type { Grid, GridChange } from '../entities/grid.entity';
import type { Place } from '../entities/place.entity';
import type { Signboard } from '../entities/signboard.entity';
import type { CountedConnection } from '@sc/db';
import type { Principal } from '@sc/auth';

// One table holds every place kind (ADR 0004); the loaders check the kind, so a Street parent is a
// Place whose kind is STREET.
export type CommunityMapper = Place;
export type ResidentGroupMapper = Place;
export type StreetMapper = Place;
export type CourtyardMapper = Place;

export type AccountMapper = AccountView;
/** The verified token itself: every valid token has a viewer. */
export type ViewerMapper = Principal;
export type GridMapper = Grid;
export type GridChangeMapper = GridChange;
export type StreetChiefMapper = StreetChief;
export type ChiefNominationMapper = ChiefNomination;
export type ChiefTransitionMapper = ChiefTransition;
export type SignboardMapper = Signboard;
export type TrainingMapper = Training;
export type PatrolMapper = Patrol;

// Connections come from the loaders with `totalCount` as a function: the default resolver calls it,
// so the count query runs only when the field is selected.
export type CommunityConnectionMapper = CountedConnection<Place>;
export type ResidentGroupConnectionMapper = CountedConnection<Place>;
export type StreetConnectionMapper = CountedConnection<Place>;
export type CourtyardConnectionMapper = CountedConnection<Place>;
export type AccountConnectionMapper = CountedConnection<Account>;
export type GridConnectionMapper = CountedConnection<Grid>;
export type GridChangeConnectionMapper = CountedConnection<GridChange>;
export type StreetChiefConnectionMapper = CountedConnection<StreetChief>;
export type ChiefNominationConnectionMapper = CountedConnection<ChiefNomination>;
export type ChiefTransitionConnectionMapper = CountedConnection<ChiefTransition>;
export type SignboardConnectionMapper = CountedConnection<Signboard>;
export type TrainingConnectionMapper = CountedConnection<Training>;
export type PatrolConnectionMapper = CountedConnection<Patrol>;
