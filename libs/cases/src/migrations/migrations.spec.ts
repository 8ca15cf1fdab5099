import { describeMigrations } from '@sc/testing';
import { cases } from '../cases.service';

describeMigrations({
  service: 'cases',
  entities: cases.entities,
  migrations: cases.migrations,
  tables: [
    'campaign',
    'campaign_action',
    'campaign_target',
    'case_category',
    'case_evidence',
    'case_evidence_chunk',
    'case_item',
    'case_item_version',
    'case_ledger',
    'case_note',
    'case_record',
    'case_support',
    'case_transition',
    'case_update_notice',
    'grid_chief',
    'grid_place',
    'inbox_event',
    'migrations',
    'outbox_event',
    'people_resident',
    'roster_place',
    'work_calendar_day',
  ],
});
