import { roster } from '@sc/roster';
import { runService } from '@sc/service';

runService(roster);
