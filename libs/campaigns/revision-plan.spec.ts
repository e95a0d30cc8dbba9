import { deterministicOperationId } from '../mail/mail-transport.js';
import type { RevisableNotice } from '../notices/notices.repository.js';
import { planUpdateRevision, planWithdrawalRevision } from './revision-plan.js';

const notice = (over: Partial<RevisableNotice> = {}): RevisableNotice => ({
  id: 'MC1000042',
  tenantId: '00000000-0000-4000-8000-000000000001',
  campaignId: '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
  revision: 1,
  locale: 'de-DE',
  title: 'Datenschutz',
  bodyHtml: '<div lang="de-DE">Mitteilung</div>',
  translations: { 'en-US': { title: 'Data privacy', bodyHtml: '<div lang="en-US">Notice</div>' } },
  tags: ['Data privacy'],
  recipients: [
    { address: 'ana@fabrikam.example', role: 'GlobalAdmin', locale: 'de-DE' },
    { address: 'bo@fabrikam.example', role: 'PrivacyReader', locale: 'en-US' },
    { address: 'ana@fabrikam.example', role: 'PrivacyReader', locale: 'de-DE' },
  ],
  ...over,
});
const UPDATE = {
  id: '5d0c8a52-5a0e-4d5b-9a43-8d1f1e0b7c11',
  texts: { 'en-US': 'More records', 'de-DE': 'Mehr Datensätze' },
};
const AT = new Date('2026-12-02T09:30:00Z');

describe('revision plans', () => {
  it('an update puts the dated section on top in the notice’s locale and in each translation’s', () => {
    const w = planUpdateRevision(notice(), { ...UPDATE, notify: false }, AT);
    expect(w).toMatchObject({ noticeId: 'MC1000042', baseRevision: 1, cause: 'update', updateId: UPDATE.id });
    expect(w.bodyHtml).toMatch(
      /^<section class="notice-update"[^>]*lang="de-DE"[\s\S]*Mehr Datensätze[\s\S]*Mitteilung<\/div>$/,
    );
    expect(w.translations!['en-US']!.bodyHtml).toMatch(
      /Update of December 2, 2026[\s\S]*More records[\s\S]*Notice<\/div>$/,
    );
    expect(w.translations!['en-US']!.title).toBe('Data privacy');
    expect(w.tags).toEqual(['Data privacy', 'Updated message']);
    // no notify: no email
    expect(w.deliveries).toEqual([]);
  });

  it('with notify, one email per address, its operation id naming the notice, the new revision and the address', () => {
    const w = planUpdateRevision(notice(), { ...UPDATE, notify: true }, AT);
    expect(w.deliveries).toEqual([
      {
        address: 'ana@fabrikam.example',
        role: 'GlobalAdmin',
        locale: 'de-DE',
        operationId: deterministicOperationId('notice-update', 'MC1000042', '2', 'ana@fabrikam.example'),
      },
      {
        address: 'bo@fabrikam.example',
        role: 'PrivacyReader',
        locale: 'en-US',
        operationId: deterministicOperationId('notice-update', 'MC1000042', '2', 'bo@fabrikam.example'),
      },
    ]);
    // the next revision's emails are other operations
    const next = planUpdateRevision(notice({ revision: 2 }), { ...UPDATE, notify: true }, AT);
    expect(next.deliveries[0]!.operationId).not.toBe(w.deliveries[0]!.operationId);
  });

  it('a withdrawal replaces title and body in every language, keeps the tags and adds Withdrawn, and always emails', () => {
    const w = planWithdrawalRevision(notice({ tags: ['Data privacy', 'Updated message'] }));
    expect(w).toMatchObject({ cause: 'withdrawal', updateId: null, baseRevision: 1 });
    expect(w.title).toContain('Zurückgezogen');
    expect(w.bodyHtml).not.toContain('Mitteilung</div>');
    expect(w.bodyHtml).toContain('MC1000042');
    expect(w.translations!['en-US']!.bodyHtml).toContain('sent to your organization in error');
    expect(w.tags).toEqual(['Data privacy', 'Updated message', 'Withdrawn']);
    expect(w.deliveries.map((d) => d.operationId)).toEqual([
      deterministicOperationId('notice-withdrawal', 'MC1000042', '2', 'ana@fabrikam.example'),
      deterministicOperationId('notice-withdrawal', 'MC1000042', '2', 'bo@fabrikam.example'),
    ]);
    expect(planWithdrawalRevision(notice({ translations: null })).translations).toBeNull();
  });
});
