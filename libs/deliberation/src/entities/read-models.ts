import { VOTERS_ENTITIES } from '@sc/people-contracts';
import { GridPlace, RosterPlace } from '@sc/roster-contracts';

/**
 * Read models of other services' events: roster's places and grid membership (a chief's grid,
 * ADR 0047), people's voters and houses.
 */
export const PLACES_READ_MODEL_ENTITIES = [RosterPlace, GridPlace, ...VOTERS_ENTITIES];
