import { Injectable } from '@nestjs/common';
import { ConflictError } from '../common/errors.js';
import { CampaignsRepository } from './campaigns.repository.js';

export class NoIdentifiedImpactError extends ConflictError {}

/**
 * The gate itself, on a decision the caller has just read (the jobs read it with the rest of their
 * context): the tenant's decision in this campaign must be `affected`.
 */
export function requireIdentifiedImpact(
  campaignId: string,
  tenantId: string,
  decision: string | null | undefined,
): void {
  if (decision !== 'affected') {
    throw new NoIdentifiedImpactError(
      `tenant ${tenantId} has no identified impact in campaign ${campaignId} (${decision ?? 'no decision'}): nothing may be sent`,
    );
  }
}

/**
 * The one gate every notice and every email passes (docs/design.md rule 3). The database enforces
 * the same for notices with a foreign key and a check.
 */
@Injectable()
export class IdentifiedImpactGate {
  constructor(private readonly repo: CampaignsRepository) {}

  async assertIdentifiedImpact(campaignId: string, tenantId: string): Promise<void> {
    const d = await this.repo.decision(campaignId, tenantId);
    requireIdentifiedImpact(campaignId, tenantId, d?.decision);
  }
}
