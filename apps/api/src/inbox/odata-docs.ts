/** The inbox's OData query options, documented once for the OpenAPI document (docs/contracts.md §5). */
import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { MAX_FILTER_CLAUSES, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH } from '../../../../libs/inbox/odata-filter.js';
import { MAX_SKIP, ORDERABLE, SELECTABLE } from '../../../../libs/inbox/list-query.js';

const SELECT = ApiQuery({
  name: '$select',
  required: false,
  schema: { type: 'string' },
  description: `comma-separated properties of serviceUpdateMessage (${SELECTABLE.join(', ')}); \`id\` is always returned`,
  example: 'title,lastModifiedDateTime',
});

/** `$select` alone: what GET one message takes. */
export const ApiSelectQuery = () => applyDecorators(SELECT);

/** Every option the list takes. */
export const ApiListQueries = () =>
  applyDecorators(
    ApiQuery({ name: '$top', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }),
    ApiQuery({
      name: '$skip',
      required: false,
      schema: { type: 'integer', minimum: 0, maximum: MAX_SKIP, default: 0 },
    }),
    ApiQuery({
      name: '$filter',
      required: false,
      schema: { type: 'string', maxLength: MAX_FILTER_LENGTH },
      description:
        "`isRead`, `isArchived`, `isMajorChange`, `viewPoint/isRead|isArchived|isFavorited` (`eq`/`ne` true|false); `id`, `category`, `severity` (`eq`/`ne` 'text'); `lastModifiedDateTime`, `startDateTime`, `actionRequiredByDateTime` (`eq`, `ne`, `gt`, `ge`, `lt`, `le` an ISO date-time such as 2026-11-01T00:00:00Z); `tags/any(t:t eq '…')`, `services/any(s:s eq '…')`; joined with `and`, `or`, `not` and parentheses" +
        ` (at most ${MAX_FILTER_CLAUSES} comparisons, ${MAX_FILTER_DEPTH} levels deep)`,
      example: "lastModifiedDateTime ge 2026-11-01T00:00:00Z and (severity eq 'high' or isMajorChange eq true)",
    }),
    ApiQuery({
      name: '$orderby',
      required: false,
      schema: { type: 'string' },
      description: `comma-separated \`property [asc|desc]\` over ${ORDERABLE.join(', ')} (asc by default; without it: newest posted first)`,
      example: 'lastModifiedDateTime desc',
    }),
    ApiQuery({
      name: '$count',
      required: false,
      schema: { type: 'boolean' },
      description: '`true`: `@odata.count` holds how many messages match the filter, all pages together',
    }),
    SELECT,
  );
