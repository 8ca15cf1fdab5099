import { z } from 'zod';
import { defineEvent } from '@sc/events';

/**
 * The one roster event the people service consumes, declared here (a domain library never imports
 * another): a grid's full current membership. Validated on consume; unknown extra fields are ignored.
 */
export const ROSTER_GRIDS_TOPIC = 'caichang.roster.grids.v1';

export const RosterGridChanged = defineEvent({
  type: 'cn.caichang.roster.grid.changed.v1',
  schema: z.object({
    id: z.string().min(1).max(36),
    name: z.string(),
    streetIds: z.array(z.string().min(1).max(36)),
    courtyardIds: z.array(z.string().min(1).max(36)),
    actor: z.string(),
  }),
  description: 'A grid was created or its streets/courtyards changed (full membership).',
});
