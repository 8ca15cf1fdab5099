import type { RequestInfo } from '@sc/service';
import type { CasesLoaders } from './loaders';
import type { CampaignService } from './services/campaign.service';
import type { CaseService } from './services/case.service';
import type { CsvExports } from './services/csv';
import type { EvidenceService } from './services/evidence.service';
import type { IntakeService } from './services/intake.service';
import type { Open311Service } from './open311/open311.service';
import type { LedgerService } from './services/ledger.service';
import type { TaxonomyAdminService } from './services/taxonomy-admin.service';
import type { TaxonomyService } from './services/taxonomy.service';

/** What a cases service method knows about the request it serves. */
export interface CasesRequest extends RequestInfo {
  loaders: CasesLoaders;
}

/** What every cases resolver receives: who asks, per-request loaders, and the services. */
export interface CasesContext extends CasesRequest {
  cases: CaseService;
  taxonomy: TaxonomyService;
  /** ADMIN's edits of the taxonomy and the calendar (ADR 0048). */
  taxonomyAdmin: TaxonomyAdminService;
  ledger: LedgerService;
  campaigns: CampaignService;
  /** Intake (h-cases-intake): me too, similar cases, corrections, updates. */
  intake: IntakeService;
  csv: CsvExports;
  evidence: EvidenceService;
  /** Open311 GeoReport v2 (ADR 0042): client keys managed by ADMIN. */
  open311: Open311Service;
}
