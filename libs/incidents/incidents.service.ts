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
} from '../notices/incident-words.js';
import { isoDateTime } from '../notices/notice-values.js';
import { TemplateEngine } from '../notices/template-engine.js';
import { IncidentsRepository, type IncidentRow, type IncidentUpdateRow } from './incidents.repository.js';
import {
  incidentTextInput,
  MAX_UPDATE_CHARS,
  type CreateIncidentInput,
  type IncidentTextInput,
  type IncidentUpdateInput,
} from './incident-input.js';

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
      incidents: rows.map((r) => ({
        incidentId: r.id,
        title: r.title,
        awareAt: r.awareAt?.toISOString() ?? null,
        createdAt: r.createdAt.toISOString(),
        campaigns: Number(r.campaigns ?? 0),
        locales: r.locales ?? [],
      })),
    };
  }

  /** The incident, the locales it has words in, its data sets (through its campaigns) and its campaigns with their status. */
  async show(id: string) {
    const incident = await this.get(id);
    const [campaigns, texts, updates] = await Promise.all([
      this.repo.campaigns(incident.id),
      this.repo.texts(incident.id),
      this.repo.updates(incident.id),
    ]);
    const datasets = new Map<string, { datasetId: string; name: string }>();
    for (const c of campaigns) datasets.set(c.datasetId, { datasetId: c.datasetId, name: c.datasetName });
    return {
      ...brief(incident),
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
