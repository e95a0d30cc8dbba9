import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { BadInputError, NotFoundError } from '../common/errors.js';
import { parseInput } from '../common/input.js';
import {
  IncidentWordsError,
  INCIDENT_SECTIONS,
  parseIncidentWords,
  prepareWords,
  type IncidentSections,
  type IncidentTexts,
  type IncidentWords,
  WORDS_FALLBACK_LOCALE,
} from '../notices/incident-words.js';
import { isoDateTime } from '../notices/notice-values.js';
import { TemplateEngine } from '../notices/template-engine.js';
import { createHash } from 'node:crypto';
import {
  IncidentsRepository,
  type IncidentRow,
  type IncidentReportRow,
  type IncidentUpdateRow,
} from './incidents.repository.js';
import {
  incidentTextInput,
  MAX_UPDATE_CHARS,
  type CreateIncidentInput,
  type FileIncidentInput,
  type IncidentTextInput,
  type IncidentUpdateInput,
  type ReportFormat,
} from './incident-input.js';
import { NOTIFICATION_WINDOW_HOURS, notificationClock, type NotificationClock } from './notification-clock.js';

/** A filing may be recorded a little ahead of this machine's clock, not more. */
const FILING_CLOCK_SKEW_MS = 5 * 60_000;

const reportBrief = (incidentId: string, r: IncidentReportRow) => ({
  incidentId,
  version: r.version,
  format: r.format,
  contentSha256: r.contentSha256,
  exportedBy: r.exportedBy,
  exportedAt: r.exportedAt.toISOString(),
});

const brief = (i: IncidentRow) => ({
  incidentId: i.id,
  title: i.title,
  awareAt: i.awareAt?.toISOString() ?? null,
  createdBy: i.createdBy,
  createdAt: i.createdAt.toISOString(),
  updatedAt: i.updatedAt.toISOString(),
});

/** Incidents and the operator's words about them; every change is audited. */
@Injectable()
export class IncidentsService {
  constructor(
    private readonly repo: IncidentsRepository,
    private readonly templates: TemplateEngine,
    private readonly audit: AuditService,
  ) {}

  /** The time it is now (a unit test moves it). */
  now: () => Date = () => new Date();

  async create(input: CreateIncidentInput, actor: string) {
    const awareAt = input.awareAt ? new Date(isoDateTime(input.awareAt)!) : null;
    const incident = await this.repo.create({ title: input.title.trim(), awareAt, createdBy: actor });
    await this.audit.record({
      actor,
      action: 'incident.create',
      subject: incident.id,
      details: { title: incident.title, awareAt: incident.awareAt?.toISOString() ?? null },
    });
    return brief(incident);
  }

  async get(id: string): Promise<IncidentRow> {
    const incident = await this.repo.find(id.toLowerCase());
    if (!incident) throw new NotFoundError(`incident ${id} not found`);
    return incident;
  }

  async list(skip: number, take: number) {
    const rows = await this.repo.list(skip, take);
    return {
      incidents: rows.map((r) => {
        const first = r.firstFiledAt ? [{ filedAt: r.firstFiledAt, reference: r.firstReference ?? '' }] : [];
        // the list shows the first filing only: `show` lists every phase
        const { filings: _, ...clock } = notificationClock(r.awareAt, first, this.now());
        return {
          incidentId: r.id,
          title: r.title,
          awareAt: r.awareAt?.toISOString() ?? null,
          createdAt: r.createdAt.toISOString(),
          campaigns: Number(r.campaigns ?? 0),
          locales: r.locales ?? [],
          clock,
          warning: clock.warning,
        };
      }),
    };
  }

  /** The incident, the locales it has words in, its data sets (through its campaigns) and its campaigns with their status. */
  async show(id: string) {
    const incident = await this.get(id);
    const [campaigns, texts, clock, updates] = await Promise.all([
      this.repo.campaigns(incident.id),
      this.repo.texts(incident.id),
      this.clock(incident),
      this.repo.updates(incident.id),
    ]);
    const datasets = new Map<string, { datasetId: string; name: string }>();
    for (const c of campaigns) datasets.set(c.datasetId, { datasetId: c.datasetId, name: c.datasetName });
    return {
      ...brief(incident),
      clock,
      warning: clock.warning,
      texts: texts.map((t) => ({ locale: t.locale, updatedBy: t.updatedBy, updatedAt: t.updatedAt.toISOString() })),
      datasets: [...datasets.values()],
      campaigns: campaigns.map((c) => ({
        campaignId: c.campaignId,
        title: c.title,
        status: c.status,
        datasetId: c.datasetId,
        createdAt: c.createdAt.toISOString(),
      })),
      updates: updates.map((u) => ({
        updateId: u.id,
        locales: Object.keys(u.texts).sort(),
        notify: u.notify,
        createdBy: u.createdBy,
        createdAt: u.createdAt.toISOString(),
      })),
    };
  }

  /** The incident's 72-hour clock now, with every notification filed. */
  async clock(incident: IncidentRow): Promise<NotificationClock> {
    const filings = await this.repo.filings(incident.id);
    return notificationClock(incident.awareAt, filings, this.now());
  }

  /** Incidents more than 72 hours past awareness with nothing filed, with their clocks (at most `limit`). */
  async overdue(limit = 100) {
    const now = this.now();
    const rows = await this.repo.overdueUnfiled(new Date(now.getTime() - NOTIFICATION_WINDOW_HOURS * 3_600_000), limit);
    return rows.map((i) => ({ incidentId: i.id, title: i.title, clock: notificationClock(i.awareAt, [], now) }));
  }

  /**
   * Records a notification filed with the supervisory authority (the first stops the clock, later
   * ones are further phases). Refused when it would be in the future or before the provider
   * became aware: neither can be true, and the clock would believe it.
   */
  async file(id: string, input: FileIncidentInput, actor: string) {
    const incident = await this.get(id);
    const filedAt = new Date(isoDateTime(input.at)!);
    if (filedAt.getTime() > this.now().getTime() + FILING_CLOCK_SKEW_MS)
      throw new BadInputError('at: must not be in the future');
    if (incident.awareAt && filedAt < incident.awareAt)
      throw new BadInputError(`at: must not be before the incident's awareAt (${incident.awareAt.toISOString()})`);
    const reference = input.reference.trim();
    await this.repo.addFiling(incident.id, { filedAt, reference, recordedBy: actor });
    const clock = await this.clock(incident);
    await this.audit.record({
      actor,
      action: 'incident.filed',
      subject: incident.id,
      details: { filedAt: filedAt.toISOString(), reference, state: clock.state },
    });
    return { incidentId: incident.id, clock, warning: clock.warning };
  }

  /**
   * What the draft notification is written from that this lib holds: the incident, its clock, its
   * campaigns (with their data sets) and its en-US words (null when it has none).
   */
  async reportBasis(id: string) {
    const incident = await this.get(id);
    const [clock, campaigns, texts] = await Promise.all([
      this.clock(incident),
      this.repo.campaigns(incident.id),
      this.repo.texts(incident.id),
    ]);
    const en = texts.find((t) => t.locale === WORDS_FALLBACK_LOCALE);
    const words = en
      ? (Object.fromEntries(INCIDENT_SECTIONS.map((s) => [s, en[s]])) as unknown as IncidentSections)
      : null;
    return { incident, clock, campaigns, words };
  }

  /** Stores a draft notification as the incident's next version, and audits the export. */
  async saveReport(incidentId: string, format: ReportFormat, content: string, actor: string) {
    const contentSha256 = createHash('sha256').update(content, 'utf8').digest('hex');
    const r = await this.repo.addReport(incidentId, { format, content, contentSha256, exportedBy: actor });
    await this.audit.record({
      actor,
      action: 'incident.report',
      subject: incidentId,
      details: { version: r.version, format, contentSha256, characters: content.length },
    });
    return { ...reportBrief(incidentId, r), content };
  }

  /** The incident's stored exports, newest first, without their content. */
  async reports(id: string) {
    const incident = await this.get(id);
    return {
      incidentId: incident.id,
      reports: (await this.repo.reports(incident.id)).map((r) => reportBrief(incident.id, r)),
    };
  }

  /** One stored export as it was written. */
  async report(id: string, version: number) {
    const incident = await this.get(id);
    const r = await this.repo.report(incident.id, version);
    if (!r) throw new NotFoundError(`incident ${incident.id} has no report version ${version}`);
    return { ...reportBrief(incident.id, r), content: r.content };
  }

  /** The incident's words in one locale, as stored. */
  async text(id: string, locale: string) {
    const incident = await this.get(id);
    const folder = this.shippedLocale(locale);
    const t = (await this.repo.texts(incident.id)).find((x) => x.locale === folder);
    if (!t) throw new NotFoundError(`incident ${incident.id} has no ${folder} text`);
    return { incidentId: incident.id, ...t, updatedAt: t.updatedAt.toISOString() };
  }

  /**
   * Writes the incident's words in a shipped locale (the five sections, Markdown), replacing
   * what that locale had. Rendering cannot fail on any Markdown: a tag, a script or a link to
   * anything but http(s) and mailto is shown as text (libs/notices/incident-words.ts).
   */
  async writeText(id: string, locale: string, input: IncidentTextInput, actor: string) {
    const incident = await this.get(id);
    const folder = this.shippedLocale(locale);
    const sections = Object.fromEntries(INCIDENT_SECTIONS.map((s) => [s, input[s]])) as unknown as IncidentSections;
    await this.repo.saveText(incident.id, folder, sections, actor);
    await this.audit.record({
      actor,
      action: 'incident.text',
      subject: incident.id,
      details: { locale: folder, characters: INCIDENT_SECTIONS.reduce((n, s) => n + sections[s].length, 0) },
    });
    return this.text(incident.id, folder);
  }

  /** `incidents text --file`: the file's five `## ` sections (refused, with the reason, when one is missing). */
  async writeTextFile(id: string, locale: string, source: string, actor: string) {
    let sections: IncidentSections;
    try {
      sections = parseIncidentWords(source);
    } catch (err) {
      if (err instanceof IncidentWordsError) throw new BadInputError(`--file: ${err.message}`);
      throw err;
    }
    return this.writeText(id, locale, parseInput(incidentTextInput, sections), actor);
  }

  /** The words of each campaign's incident, rendered once for all of them (a notice batch reads this once). */
  async wordsOfCampaigns(campaignIds: readonly string[]): Promise<Map<string, IncidentTexts>> {
    const rows = await this.repo.textsOfCampaigns([...new Set(campaignIds)]);
    const rendered = new Map<string, IncidentWords>();
    const out = new Map<string, Map<string, IncidentWords>>();
    for (const r of rows) {
      const key = `${r.incidentId}\n${r.locale}`;
      let words = rendered.get(key);
      if (!words) {
        words = prepareWords(r.locale, r);
        rendered.set(key, words);
      }
      let byLocale = out.get(r.campaignId);
      if (!byLocale) {
        byLocale = new Map<string, IncidentWords>();
        out.set(r.campaignId, byLocale);
      }
      byLocale.set(r.locale, words);
    }
    for (const id of campaignIds) if (!out.has(id)) out.set(id, new Map<string, IncidentWords>());
    return out;
  }

  /** The words of one campaign's incident (empty when it has none). */
  async wordsOfCampaign(campaignId: string): Promise<IncidentTexts> {
    return (await this.wordsOfCampaigns([campaignId])).get(campaignId)!;
  }

  /**
   * Writes an update of the incident (its Markdown by shipped locale, en-US always) and audits it;
   * posting it to the notices is the caller's (libs/campaigns, NoticeUpdates).
   */
  async createUpdate(id: string, input: IncidentUpdateInput, actor: string): Promise<IncidentUpdateRow> {
    const incident = await this.get(id);
    const texts: Record<string, string> = {};
    for (const [locale, markdown] of Object.entries(input.texts)) {
      const folder = this.shippedLocale(locale);
      if (texts[folder] !== undefined) throw new BadInputError(`texts: locale ${folder} is given twice`);
      texts[folder] = markdown;
    }
    const update = await this.repo.createUpdate({
      incidentId: incident.id,
      texts,
      notify: input.notify,
      createdBy: actor,
    });
    await this.audit.record({
      actor,
      action: 'incident.update',
      subject: incident.id,
      details: { updateId: update.id, locales: Object.keys(texts), notify: input.notify },
    });
    return update;
  }

  /** An update, or a 404. */
  async findUpdate(updateId: string): Promise<IncidentUpdateRow> {
    const u = await this.repo.findUpdate(updateId.toLowerCase());
    if (!u) throw new NotFoundError(`update ${updateId} not found`);
    return u;
  }

  /** The incident's updates, oldest first. */
  updates(incidentId: string): Promise<IncidentUpdateRow[]> {
    return this.repo.updates(incidentId);
  }

  /** The newest updates, each with the campaigns of its incident. */
  recentUpdatesWithCampaigns(limit: number) {
    return this.repo.recentUpdatesWithCampaigns(limit);
  }

  /** The ids of the incident's campaigns, oldest first. */
  async campaignIds(incidentId: string): Promise<string[]> {
    return (await this.repo.campaigns(incidentId)).map((c) => c.campaignId);
  }

  /** `incidents update --file`: an update file, read whole, as Markdown (refused when empty or too long). */
  static updateFileText(source: string, option = '--file'): string {
    const text = source.replace(/^\uFEFF/, '').trim();
    if (!text) throw new BadInputError(`${option}: the file is empty`);
    if (text.length > MAX_UPDATE_CHARS)
      throw new BadInputError(`${option}: the file is longer than ${MAX_UPDATE_CHARS} characters`);
    return text;
  }

  /** The shipped template folder a locale names exactly (any case), or a refusal listing them. */
  shippedLocale(locale: string): string {
    const folders = this.templates.availableLocales();
    const folder = folders.find((f) => f.toLowerCase() === locale.trim().toLowerCase());
    if (!folder) throw new BadInputError(`locale: must be one of ${folders.join(', ')}`);
    return folder;
  }
}
