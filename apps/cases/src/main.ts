import { cases } from '@sc/cases';
import { runService } from '@sc/service';

runService(cases);
