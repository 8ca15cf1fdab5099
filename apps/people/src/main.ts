import { people } from '@sc/people';
import { runService } from '@sc/service';

runService(people);
