import { deliberation } from '@sc/deliberation';
import { runService } from '@sc/service';

runService(deliberation);
