import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { BadInputError, ConflictError, ForbiddenError, NotFoundError } from '../common/errors.js';
import { auditActor, mayReadDataPrivacy, type TenantPrincipal } from '../auth/tenant-principal.js';
import { AuditService } from '../audit/audit.service.js';
import { TenantScope, type TenantTx } from '../inbox/tenant-scope.js';
import { WEBHOOK_EVENTS, newSigningSecret } from './events.js';
import { registrationProblem } from './outbound.js';
import { WebhooksRepository, type DeliveryRow, type EndpointRow } from './webhooks.repository.js';

/** The one answer for an endpoint that does not exist or is another tenant's. */
export const ENDPOINT_NOT_FOUND = 'webhook endpoint not found';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface NewEndpoint {
  url: string;
  events: string[];
  description?: string | undefined;
}

/**
 * A tenant's privileged admins register their own webhook endpoints (the same readers who may read
 * data-privacy notices: GlobalAdmin, PrivacyReader). Every call runs in one TenantScope transaction
 * under row-level security and is audited in it.
 */
@Injectable()
export class WebhookRegistrationService {
  constructor(
    private readonly scope: TenantScope,
    private readonly repo: WebhooksRepository,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Creates an endpoint and returns it with its signing secret: the only time the secret is shown. */
  async create(p: TenantPrincipal, input: NewEndpoint): Promise<EndpointRow & { secret: string }> {
    this.authorize(p);
    const events = [...new Set(input.events)];
    const unknown = events.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
    if (!events.length || unknown.length)
      throw new BadInputError(`events must be a non-empty subset of ${WEBHOOK_EVENTS.join(', ')}`);
    const problem = registrationProblem(input.url, this.config.WEBHOOK_ALLOWED_HOSTS);
    if (problem) throw new BadInputError(`url: ${problem}`);
    const secret = newSigningSecret();
    return this.scope.run(p.tenantId, async (tx) => {
      const row = await this.repo.insertEndpoint(
        tx,
        {
          tenantId: p.tenantId,
          url: new URL(input.url).href,
          events,
          description: input.description ?? null,
          secret,
          createdBy: p.email ?? p.userId,
        },
        this.config.WEBHOOK_MAX_ENDPOINTS,
      );
      if (!row)
        throw new ConflictError(`a tenant may register at most ${this.config.WEBHOOK_MAX_ENDPOINTS} webhook endpoints`);
      this.record(tx, p, 'webhook.endpoint.create', row.id, { url: row.url, events });
      return { ...row, secret };
    });
  }

  async list(p: TenantPrincipal): Promise<EndpointRow[]> {
    this.authorize(p);
    return this.scope.run(p.tenantId, (tx) => this.repo.listEndpoints(tx, p.tenantId));
  }

  async get(p: TenantPrincipal, id: string): Promise<EndpointRow> {
    this.authorize(p);
    if (!GUID.test(id)) throw new NotFoundError(ENDPOINT_NOT_FOUND);
    const row = await this.scope.run(p.tenantId, (tx) => this.repo.getEndpoint(tx, p.tenantId, id.toLowerCase()));
    if (!row) throw new NotFoundError(ENDPOINT_NOT_FOUND);
    return row;
  }

  async remove(p: TenantPrincipal, id: string): Promise<void> {
    this.authorize(p);
    if (!GUID.test(id)) throw new NotFoundError(ENDPOINT_NOT_FOUND);
    await this.scope.run(p.tenantId, async (tx) => {
      if (!(await this.repo.deleteEndpoint(tx, p.tenantId, id.toLowerCase())))
        throw new NotFoundError(ENDPOINT_NOT_FOUND);
      this.record(tx, p, 'webhook.endpoint.delete', id.toLowerCase());
    });
  }

  /** Turns an endpoint back on (after it was disabled for failing), with a clean failure record. */
  async enable(p: TenantPrincipal, id: string): Promise<EndpointRow> {
    this.authorize(p);
    if (!GUID.test(id)) throw new NotFoundError(ENDPOINT_NOT_FOUND);
    return this.scope.run(p.tenantId, async (tx) => {
      const row = await this.repo.enableEndpoint(tx, p.tenantId, id.toLowerCase());
      if (!row) throw new NotFoundError(ENDPOINT_NOT_FOUND);
      this.record(tx, p, 'webhook.endpoint.enable', row.id);
      return row;
    });
  }

  async deliveries(p: TenantPrincipal, id: string, skip: number, take: number): Promise<DeliveryRow[]> {
    this.authorize(p);
    if (!GUID.test(id)) throw new NotFoundError(ENDPOINT_NOT_FOUND);
    return this.scope.run(p.tenantId, async (tx) => {
      if (!(await this.repo.getEndpoint(tx, p.tenantId, id.toLowerCase()))) throw new NotFoundError(ENDPOINT_NOT_FOUND);
      return this.repo.listDeliveries(tx, p.tenantId, id.toLowerCase(), skip, take);
    });
  }

  /** Webhooks carry notice events, so only the readers of data-privacy notices may manage them. */
  private authorize(p: TenantPrincipal): void {
    // an app-only token reads its tenant's notices; changing where they are pushed is a person's act
    if (p.appId) throw new ForbiddenError('an application may read notices, not manage webhooks');
    if (!mayReadDataPrivacy(p.roles))
      throw new ForbiddenError('managing webhooks needs the GlobalAdmin or PrivacyReader role');
  }

  private record(tx: TenantTx, p: TenantPrincipal, action: string, endpointId: string, extra: object = {}): void {
    this.audit.recordMany(
      [
        {
          actor: auditActor(p),
          action,
          tenantId: p.tenantId,
          subject: endpointId,
          details: { userId: p.userId, roles: p.roles, issuer: p.issuer, ...extra },
        },
      ],
      tx,
    );
  }
}
