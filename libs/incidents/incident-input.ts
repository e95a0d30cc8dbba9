import { z } from 'zod';
import { MAX_SECTION_CHARS } from '../notices/incident-words.js';
import { isoDateTime } from '../notices/notice-values.js';
import { listPageInput } from '../common/input.js';

/** `incidents create` / `POST /v1/incidents`. */
export const createIncidentInput = z.strictObject({
  title: z.string().trim().min(1, 'must not be empty').max(300),
  /** when the provider became aware: an ISO date or date-time (UTC when it names no offset) */
  awareAt: z
    .string()
    .refine((v) => isoDateTime(v) !== null, 'must be an ISO date or date-time (2026-11-01 or 2026-11-01T08:00:00Z)')
    .describe('when the provider became aware of the incident: an ISO date or date-time (UTC without an offset)')
    .optional(),
});
export type CreateIncidentInput = z.infer<typeof createIncidentInput>;

const section = z
  .string('must be Markdown text')
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_SECTION_CHARS, `must be at most ${MAX_SECTION_CHARS} characters`);

/** `incidents text` / `PUT /v1/incidents/{id}/texts/{locale}`: the five Markdown sections. */
export const incidentTextInput = z.strictObject({
  summary: section,
  consequences: section,
  measures: section,
  actions: section,
  contact: section,
});
export type IncidentTextInput = z.infer<typeof incidentTextInput>;

/** A shipped template locale as written in a path or option; the service checks it is one. */
export const incidentLocale = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a locale such as en-US');

/** `incidents list` / `GET /v1/incidents`: a page, newest first, like the other lists. */
export const listIncidentsInput = listPageInput;

/** `incidents filed` / `POST /v1/incidents/{id}/filings`: a notification filed with the supervisory authority. */
export const fileIncidentInput = z.strictObject({
  at: z
    .string('must be an ISO date-time')
    .refine((v) => isoDateTime(v) !== null, 'must be an ISO date or date-time (2026-11-03T16:00:00Z)')
    .describe('when the notification was filed with the authority: an ISO date-time (UTC without an offset)'),
  reference: z
    .string('must be text')
    .trim()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    // a control character would reach a terminal or a report verbatim
    .refine((v) => !/[\u0000-\u001f\u007f-\u009f]/.test(v), 'must not hold control characters')
    .describe("the authority's case number or the operator's own reference"),
});
export type FileIncidentInput = z.infer<typeof fileIncidentInput>;

export const REPORT_FORMATS = ['md', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** `incidents report` / `GET /v1/incidents/{id}/report`: the draft notification's format. */
export const incidentReportInput = z.strictObject({
  format: z.enum(REPORT_FORMATS, 'must be md or html').default('md'),
});

/** A stored export's number, as a path parameter or CLI argument. */
export const reportVersion = z.coerce
  .number('must be a whole number')
  .int('must be a whole number')
  .min(1, 'must be 1 or more')
  .max(2_147_483_647, 'must be at most 2147483647');
/** The longest update, per locale (an update is a few paragraphs, not a second notice). */
export const MAX_UPDATE_CHARS = 20_000;

const updateMarkdown = z
  .string('must be Markdown text')
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_UPDATE_CHARS, `must be at most ${MAX_UPDATE_CHARS} characters`);

/**
 * `incidents update` / `POST /v1/incidents/{id}/updates`: the update's Markdown by shipped locale
 * (en-US required, the others fall back to it) and whether the readers get an email.
 */
export const incidentUpdateInput = z.strictObject({
  texts: z
    .record(incidentLocale, updateMarkdown)
    .refine((t) => Object.keys(t).some((l) => l.toLowerCase() === 'en-us'), 'must include en-US')
    .refine((t) => Object.keys(t).length <= 20, 'at most 20 locales'),
  notify: z.boolean().default(false),
});
export type IncidentUpdateInput = z.infer<typeof incidentUpdateInput>;
