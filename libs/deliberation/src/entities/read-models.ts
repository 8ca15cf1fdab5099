import { VOTERS_ENTITIES } from '@sc/people-contracts';
import { RosterPlace } from '@sc/roster-contracts';

/** Read models of other services' events: roster's places, people's voters and houses. */
export const PLACES_READ_MODEL_ENTITIES = [RosterPlace, ...VOTERS_ENTITIES];
