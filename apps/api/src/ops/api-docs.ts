/**
 * OpenAPI decorators shared by the controllers: the security each group needs, the error
 * responses (every one is `{error:{code, message}}`) and the shapes of the main responses.
 * Request schemas need nothing here: @nestjs/swagger reads the zod schemas of @Body/@Query/@Param.
 */
import { applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { CAMPAIGN_STATUSES } from '../../../../libs/campaigns/campaign-lifecycle.js';
import { RequireRole as enforceRole, type OperatorRole, type RoleRule } from '../../../../libs/auth/operator-roles.js';

type Schema = Record<string, unknown>;

const ERROR_TEXT: Record<number, string> = {
  400: 'the request is malformed: a bad id, query parameter or body, NUL or bytes that are not UTF-8, a corrupt or truncated gzip (the message names it)',
  401: 'no valid credentials',
  403: 'not allowed (an app-only token setting a view point: they are kept per user)',
  404: 'no such resource (for a tenant: also one that is not theirs)',
  409: "the resource's state does not allow it (the message says why)",
  413: 'the upload is larger than INGEST_MAX_UPLOAD_BYTES, or its gzip expands past INGEST_MAX_EXPANDED_BYTES or INGEST_MAX_COMPRESSION_RATIO',
  415: 'the body is not sent as one of the accepted types',
  429: 'too many requests (or, for operators, failed authentications) from this user or address; try again after Retry-After seconds',
};

/** Error responses, each with the shared `Error` schema. */
export function ApiErrors(...statuses: (keyof typeof ERROR_TEXT)[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: ERROR_TEXT[status], schema: { $ref: getSchemaPath('Error') } }),
    ),
  );
}

/** A group of operator endpoints: tag, operator bearer token, 401, and 429 after repeated failed authentication. */
export function ApiOperator(tag: string) {
  return applyDecorators(ApiTags(tag), ApiBearerAuth('operator'), ApiErrors(401, 429));
}

/**
 * The role an operator route needs (OperatorAuthGuard enforces it: libs/auth/operator-roles.ts),
 * with its 403 documented. Every operator route has one; one without is refused to everyone.
 */
export function RequireRole(role: OperatorRole, elevated?: RoleRule['elevated']) {
  // every operator is a viewer: a viewer's route answers 403 only for what needs more
  const stronger = elevated ? `with \`${asked(elevated)}\`: role ${elevated.role}` : '';
  const needed = role === 'viewer' ? stronger : [`role ${role}`, stronger].filter(Boolean).join('; ');
  if (!needed) return enforceRole(role, elevated);
  return applyDecorators(
    enforceRole(role, elevated),
    ApiResponse({
      status: 403,
      description: `the operator lacks ${needed} (OPERATOR_ROLES): \`{error:{code:"forbidden", message:"operator bob lacks role ${elevated?.role ?? role}"}}\``,
      schema: { $ref: getSchemaPath('Error') },
    }),
  );
}

const asked = (e: NonNullable<RoleRule['elevated']>) => `${e.query}${e.value ? `=${e.value}` : ''}`;

/** What an endpoint does, and its success response. */
export function ApiDoc(
  summary: string,
  ok: { status?: number; description: string; schema?: Schema; content?: Record<string, { schema: Schema }> },
) {
  const { status = 200, description, schema, content } = ok;
  return applyDecorators(
    ApiOperation({ summary }),
    ApiResponse({ status, description, ...(content ? { content } : { schema: schema ?? { type: 'object' } }) }),
  );
}

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const obj = (properties: Record<string, Schema>, required = Object.keys(properties), extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  required,
  ...extra,
});
const arr = (items: Schema): Schema => ({ type: 'array', items });

export const CAMPAIGN_BRIEF = obj({
  campaignId: { type: 'string', format: 'uuid' },
  status: {
    type: 'string',
    enum: CAMPAIGN_STATUSES,
  },
});

export const SERVICE_UPDATE_MESSAGE = obj(
  {
    id: { type: 'string', pattern: '^MC\\d+$', example: 'MC1000042' },
    title: str,
    category: { type: 'string', enum: ['preventOrFixIssue', 'planForChange', 'stayInformed'] },
    severity: { type: 'string', enum: ['normal', 'high', 'critical'] },
    tags: arr(str),
    isMajorChange: { type: 'boolean' },
    actionRequiredByDateTime: { type: 'string', format: 'date-time', nullable: true },
    services: arr(str),
    startDateTime: { type: 'string', format: 'date-time' },
    lastModifiedDateTime: { type: 'string', format: 'date-time' },
    body: obj({ contentType: { type: 'string', enum: ['html'] }, content: str }),
    details: arr(obj({ name: str, value: str })),
    viewPoint: obj({
      isRead: { type: 'boolean' },
      isArchived: { type: 'boolean' },
      isFavorited: { type: 'boolean' },
      isAcknowledged: { type: 'boolean' },
      acknowledgedDateTime: { type: 'string', format: 'date-time', nullable: true },
    }),
    hasAttachments: { type: 'boolean', description: 'the exposure view is there as attachments' },
    '@odata.context': { type: 'string', description: 'on GET one message' },
  },
  ['id'],
);

export const ACKNOWLEDGEMENT = obj({
  id: { type: 'string', example: 'MC1000042' },
  isAcknowledged: { type: 'boolean', enum: [true] },
  acknowledgedDateTime: { type: 'string', format: 'date-time' },
});

export const MESSAGE_LIST = obj(
  {
    '@odata.context': str,
    '@odata.count': { type: 'integer', description: 'with `$count=true`: the messages matching the filter, all pages' },
    value: {
      ...arr(SERVICE_UPDATE_MESSAGE),
      description: 'every property, or with `$select` the selected ones and `id`',
    },
    '@odata.nextLink': {
      type: 'string',
      description: 'the next page, with every option of this one, when there is one',
    },
  },
  ['@odata.context', 'value'],
);

export const ATTACHMENT = obj({
  id: { type: 'string', format: 'uuid' },
  name: { type: 'string', example: 'MC1000042-exposure.csv' },
  contentType: { type: 'string', example: 'text/csv; charset=utf-8' },
  size: { type: 'integer', description: 'bytes' },
  isInline: { type: 'boolean', enum: [false] },
  lastModifiedDateTime: { type: 'string', format: 'date-time' },
});

export const ATTACHMENT_LIST = obj({ '@odata.context': str, value: arr(ATTACHMENT) });

export const VALUE_TRUE = obj({ value: { type: 'boolean', enum: [true] } });

export const EXPOSURE_VIEW = obj(
  {
    dataCategories: arr(str),
    records: arr({ type: 'object', description: "one exposed record, only this tenant's own elements" }),
    people: arr({ type: 'object' }),
    files: arr({ type: 'object', description: 'named only when the file is attributed to this tenant alone' }),
  },
  undefined,
  { description: "this tenant's own exposed data for the notice, minimized (docs/contracts.md §4)" },
);

export const IMPORT_RESULT = obj({
  imported: int,
  updated: int,
  rejected: arr(obj({ line: int, reason: str })),
  warnings: arr(
    obj({
      line: int,
      field: {
        type: 'string',
        description: 'the path as written in the input (`phones[2]`, `contacts[1].email`) or the CSV column',
      },
      reason: str,
    }),
  ),
  conflicts: arr(
    obj({
      line: int,
      domain: str,
      tenantIds: {
        ...arr({ type: 'string', format: 'uuid' }),
        description: 'every tenant claiming the domain, the first to verify it first',
      },
    }),
  ),
});

export const DOMAIN_CONFLICTS = obj({
  conflicts: arr(
    obj({
      domain: str,
      since: { type: 'string', format: 'date-time' },
      claimants: arr(obj({ tenantId: { type: 'string', format: 'uuid' }, name: str })),
    }),
  ),
});

const WARNING = obj({
  upload: { type: 'integer', description: 'the upload of the line, as in the quarantine' },
  line: int,
  field: { type: 'string', description: '`to[1]`, `people[0].email`, `from`' },
  reason: str,
});

export const INGEST_RESULT = obj(
  {
    datasetId: { type: 'string', format: 'uuid' },
    name: str,
    lines: int,
    accepted: int,
    quarantined: arr(
      obj({
        line: int,
        reason: str,
        upload: {
          type: 'integer',
          description: '0: the file that made the data set; 1, 2, …: files added to it (each numbers its lines from 1)',
        },
      }),
    ),
    quarantinedTotal: int,
    warnings: {
      ...arr(WARNING),
      description:
        'values dropped from accepted lines (the first 1,000 by upload and line; all: GET /v1/datasets/{id}/warnings)',
    },
    warningsTotal: int,
    warningCounts: {
      type: 'object',
      additionalProperties: int,
      description: 'every warning, counted by field path with `[]` for indices',
    },
    nullValues: {
      type: 'object',
      additionalProperties: int,
      description: 'optional values that were null (treated as absent), by field path with `[]` for indices',
    },
    duplicates: int,
    alreadyIngested: { type: 'boolean', description: 'the same file was ingested before: nothing was added' },
    scope: {
      type: 'object',
      description:
        'lines, records, quarantined, unique items, addresses, people, phone numbers (phoneNumbersNotValid of them not valid), files, projects, duplicationFactor',
    },
    added: obj(
      {
        upload: int,
        name: str,
        lines: int,
        accepted: int,
        quarantined: int,
        duplicates: {
          type: 'integer',
          description: 'accepted lines whose content the data set already held: copies of an item, not new items',
        },
        resolved: {
          type: 'integer',
          description: 'quarantined lines of earlier uploads that left the quarantine: their recordId is now accepted',
        },
        keptWithoutRecordId: {
          type: 'integer',
          description: 'quarantined lines of earlier uploads with no recordId: they stay quarantined',
        },
        campaignsToReanalyze: arr(obj({ campaignId: { type: 'string', format: 'uuid' }, was: str })),
        warnings: { ...arr(WARNING), description: "this upload's own warnings (the first 1,000 by line)" },
        warningsTotal: {
          type: 'integer',
          description:
            "this upload's own warnings (the data set's warningCounts and nullValues are the sum over its uploads)",
        },
        warningCounts: {
          type: 'object',
          additionalProperties: int,
          description: "this upload's warnings by field path",
        },
        nullValues: {
          type: 'object',
          additionalProperties: int,
          description: "this upload's null values by field path",
        },
      },
      undefined,
      { description: 'only for lines added to an existing data set: what this upload did' },
    ),
  },
  [
    'datasetId',
    'name',
    'lines',
    'accepted',
    'quarantined',
    'quarantinedTotal',
    'warnings',
    'warningsTotal',
    'warningCounts',
    'nullValues',
    'duplicates',
    'alreadyIngested',
    'scope',
  ],
);

export const REMINDER = obj({
  campaignId: { type: 'string', format: 'uuid' },
  status: { type: 'string', enum: CAMPAIGN_STATUSES },
  remindBefore: { type: 'string', nullable: true, example: '3d', description: 'null: no reminders' },
  remindBeforeSeconds: { type: 'integer', nullable: true },
  respondBy: { type: 'string', format: 'date-time', nullable: true },
});

export const STATUS = obj({
  campaignId: { type: 'string', format: 'uuid' },
  status: str,
  counts: obj({
    tenants: obj({ affected: int, notAffected: int, needsReview: int }),
    notices: obj({ posted: int, expected: int }),
    emails: obj({ queued: int, sent: int, failed: int, retrying: int, total: int }),
    reads: obj({
      tenantsRead: { ...int, description: 'tenants where at least one privileged reader has read the notice' },
      tenantsUnread: { ...int, description: 'tenants with a notice nobody has read yet' },
    }),
    reminders: obj({ written: int, queued: int, sent: int, failed: int, retrying: int }),
    updateEmails: obj({ queued: int, sent: int, failed: int, retrying: int }),
    withdrawalEmails: obj({ queued: int, sent: int, failed: int, retrying: int }),
  }),
  remindBefore: { type: 'string', nullable: true, example: '3d', description: 'null: no reminders' },
  progress: obj({ done: int, total: int, percent: { type: 'number' } }),
  startedAt: { type: 'string', format: 'date-time', nullable: true },
  finishedAt: { type: 'string', format: 'date-time', nullable: true },
  approvedBy: { type: 'string', nullable: true },
  lastError: { type: 'string', nullable: true },
});

/** An upload streamed as the request body, in one of these content types. */
export function ApiUpload(types: string[], description: string) {
  return applyDecorators(
    ApiConsumes(...types),
    ApiBody({ required: true, description, schema: { type: 'string', format: 'binary' } }),
  );
}

const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: 'string', format: 'date-time', nullable: true } as const;
const WEBHOOK_EVENT = { type: 'string', enum: ['notice.posted', 'notice.updated', 'notice.withdrawn', 'reminder'] };

export const WEBHOOK_ENDPOINT = obj({
  id: { type: 'string', format: 'uuid' },
  url: { type: 'string', format: 'uri' },
  events: arr(WEBHOOK_EVENT),
  description: { type: 'string', nullable: true },
  enabled: { type: 'boolean' },
  failingSince: {
    ...nullableDateTime,
    description: 'first failure of the current run of failures; null after a success',
  },
  disabledAt: { ...nullableDateTime, description: 'when it was disabled for failing continuously' },
  disabledReason: { type: 'string', nullable: true },
  createdBy: str,
  createdAt: dateTime,
});

export const WEBHOOK_ENDPOINT_CREATED = {
  ...WEBHOOK_ENDPOINT,
  properties: {
    ...(WEBHOOK_ENDPOINT.properties as Record<string, Schema>),
    secret: {
      type: 'string',
      pattern: '^whsec_',
      description: 'the signing secret (Standard Webhooks): shown this once, never again',
    },
  },
  required: [...(WEBHOOK_ENDPOINT.required as string[]), 'secret'],
};

export const WEBHOOK_ENDPOINT_LIST = obj({ value: arr(WEBHOOK_ENDPOINT) });

export const WEBHOOK_DELIVERY_LIST = obj({
  value: arr(
    obj({
      id: str,
      eventId: { type: 'string', description: 'the webhook-id header: the same on every attempt' },
      eventType: WEBHOOK_EVENT,
      noticeId: { type: 'string', nullable: true },
      state: { type: 'string', enum: ['queued', 'sending', 'succeeded', 'retrying', 'failed'] },
      attempts: int,
      lastStatus: { type: 'integer', nullable: true, description: 'HTTP status of the last attempt' },
      lastError: { type: 'string', nullable: true },
      createdAt: dateTime,
      updatedAt: dateTime,
      deliveredAt: nullableDateTime,
    }),
  ),
});

export const NOTIFICATION_RECIPIENT = obj({
  id: { type: 'string', format: 'uuid' },
  address: { type: 'string', format: 'email' },
  locale: { type: 'string', example: 'en-US' },
  state: { type: 'string', enum: ['pending', 'confirmed'] },
  addedBy: str,
  createdDateTime: { type: 'string', format: 'date-time' },
  confirmedDateTime: { type: 'string', format: 'date-time', nullable: true },
});

export const NOTIFICATION_RECIPIENT_LIST = obj({ value: arr(NOTIFICATION_RECIPIENT) });

const INCIDENT_FIELDS = {
  incidentId: { type: 'string', format: 'uuid' },
  title: { type: 'string' },
  awareAt: { type: 'string', format: 'date-time', nullable: true, description: 'when the provider became aware' },
  createdBy: { type: 'string' },
  createdAt: { type: 'string', format: 'date-time' },
  updatedAt: { type: 'string', format: 'date-time' },
};

export const INCIDENT = obj(INCIDENT_FIELDS);

/** The 72-hour clock of GDPR Art. 33(1) (libs/incidents/notification-clock.ts). */
const CLOCK = obj(
  {
    state: {
      type: 'string',
      enum: ['unknown', 'running', 'overdue', 'filed', 'filedLate'],
      description: '`unknown`: no awareAt, the clock cannot run',
    },
    awareAt: { type: 'string', format: 'date-time', nullable: true },
    deadline: { type: 'string', format: 'date-time', nullable: true, description: 'awareAt + 72 h' },
    minutesLeft: { type: 'integer', nullable: true },
    minutesOverdue: { type: 'integer', nullable: true },
    filedAt: { type: 'string', format: 'date-time', nullable: true, description: 'the first notification filed' },
    reference: { type: 'string', nullable: true },
    filings: {
      ...arr(obj({ filedAt: { type: 'string', format: 'date-time' }, reference: str })),
      description: 'every filing, first first (not in the list of incidents)',
    },
    summary: str,
    warning: { type: 'string', nullable: true, description: 'overdue with nothing filed, or filed late' },
  },
  ['state', 'awareAt', 'deadline', 'summary', 'warning'],
);

const CLOCK_WARNING = { type: 'string', nullable: true, description: "the clock's warning, when there is one" };

export const INCIDENT_FILING = obj({
  incidentId: { type: 'string', format: 'uuid' },
  clock: CLOCK,
  warning: CLOCK_WARNING,
});

const REPORT_FIELDS = {
  incidentId: { type: 'string', format: 'uuid' },
  version: int,
  format: { type: 'string', enum: ['md', 'html'] },
  contentSha256: { type: 'string', description: 'hex SHA-256 of the content as UTF-8' },
  exportedBy: str,
  exportedAt: { type: 'string', format: 'date-time' },
};

export const INCIDENT_REPORT = obj({ ...REPORT_FIELDS, content: str });

export const INCIDENT_REPORT_LIST = obj({
  incidentId: { type: 'string', format: 'uuid' },
  reports: arr(obj(REPORT_FIELDS)),
});

export const INCIDENT_DETAIL = obj({
  ...INCIDENT_FIELDS,
  clock: CLOCK,
  warning: CLOCK_WARNING,
  texts: arr(obj({ locale: { type: 'string' }, updatedBy: { type: 'string' }, updatedAt: { type: 'string' } })),
  datasets: arr(obj({ datasetId: { type: 'string', format: 'uuid' }, name: { type: 'string' } })),
  campaigns: arr(
    obj({
      campaignId: { type: 'string', format: 'uuid' },
      title: { type: 'string' },
      status: { type: 'string', enum: CAMPAIGN_STATUSES },
      datasetId: { type: 'string', format: 'uuid' },
      createdAt: { type: 'string', format: 'date-time' },
    }),
  ),
  updates: arr(
    obj({
      updateId: { type: 'string', format: 'uuid' },
      locales: arr({ type: 'string' }),
      notify: { type: 'boolean' },
      createdBy: { type: 'string' },
      createdAt: { type: 'string', format: 'date-time' },
    }),
  ),
});

export const INCIDENT_UPDATE = obj({
  updateId: { type: 'string', format: 'uuid' },
  incidentId: { type: 'string', format: 'uuid' },
  locales: arr({ type: 'string' }),
  notify: { type: 'boolean' },
  createdBy: { type: 'string' },
  createdAt: { type: 'string', format: 'date-time' },
  campaigns: arr({ type: 'string', format: 'uuid' }),
});

export const UPDATE_PROGRESS = obj({
  updateId: { type: 'string', format: 'uuid' },
  incidentId: { type: 'string', format: 'uuid' },
  revised: { type: 'integer', description: 'notices that have the update' },
  pending: { type: 'integer', description: 'notices still to revise (withdrawn notices are skipped)' },
  emailsPending: { type: 'integer', description: "the update's emails not sent nor failed yet" },
});

export const NOTICE_WITHDRAWAL = obj({
  noticeId: { type: 'string', example: 'MC1000042' },
  tenantId: { type: 'string', format: 'uuid' },
  campaignId: { type: 'string', format: 'uuid' },
  reason: { type: 'string' },
  requestedBy: { type: 'string' },
  requestedAt: { type: 'string', format: 'date-time' },
  approvedBy: { type: 'string', nullable: true },
  approvedAt: { type: 'string', format: 'date-time', nullable: true },
  revision: { type: 'integer', nullable: true, description: 'the revision the withdrawal made' },
  status: { type: 'string', enum: ['requested', 'withdrawn'] },
});

export const MESSAGE_REVISIONS = obj({
  '@odata.context': str,
  value: arr(
    obj({
      revision: { type: 'integer' },
      cause: { type: 'string', enum: ['posted', 'update', 'withdrawal'], description: 'what made this revision' },
      title: str,
      body: obj({ contentType: { type: 'string', enum: ['html'] }, content: str }),
      tags: arr(str),
      lastModifiedDateTime: { type: 'string', format: 'date-time' },
    }),
  ),
});

export const INCIDENT_LIST = obj({
  incidents: arr(
    obj({
      incidentId: { type: 'string', format: 'uuid' },
      title: { type: 'string' },
      awareAt: { type: 'string', format: 'date-time', nullable: true },
      createdAt: { type: 'string', format: 'date-time' },
      campaigns: { type: 'integer' },
      locales: arr({ type: 'string' }),
      clock: CLOCK,
      warning: CLOCK_WARNING,
    }),
  ),
});

const SECTION_FIELDS = {
  summary: { type: 'string', description: 'Markdown: what happened and when' },
  consequences: { type: 'string', description: 'Markdown: the likely consequences' },
  measures: { type: 'string', description: 'Markdown: the measures taken' },
  actions: { type: 'string', description: 'Markdown: what the customer should do' },
  contact: { type: 'string', description: 'Markdown: support channels and a data-protection contact' },
};

export const INCIDENT_TEXT = obj({
  incidentId: { type: 'string', format: 'uuid' },
  locale: { type: 'string' },
  ...SECTION_FIELDS,
  updatedBy: { type: 'string' },
  updatedAt: { type: 'string', format: 'date-time' },
});
