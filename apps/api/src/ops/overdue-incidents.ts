import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { IncidentsService } from '../../../../libs/incidents/incidents.service.js';

/** How many overdue incidents the start names one by one; more are counted. */
const NAMED_AT_START = 20;

/**
 * Says once, when the API starts, which incidents are past the 72-hour deadline for notifying the
 * supervisory authority with nothing filed: the operators watching the API's log learn it even
 * when nobody looks at `incidents list`. A failed check never stops the start.
 */
@Injectable()
export class OverdueIncidentsLog implements OnApplicationBootstrap {
  private readonly logger = new Logger('incidents');

  constructor(private readonly incidents: IncidentsService) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const overdue = await this.incidents.overdue(NAMED_AT_START + 1);
      for (const i of overdue.slice(0, NAMED_AT_START))
        this.logger.warn(`incident ${i.incidentId} (${i.title.slice(0, 100)}): ${i.clock.warning}`);
      if (overdue.length > NAMED_AT_START)
        this.logger.warn(`more incidents are overdue for notifying the authority: see incidents list`);
    } catch (err) {
      this.logger.warn(`could not check the incidents' 72-hour clocks: ${(err as Error).message}`);
    }
  }
}
