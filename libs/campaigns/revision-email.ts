import type { RenderedEmail } from '../notices/notice-renderer.js';
import { renderUpdateEmail, renderWithdrawalEmail, type UpdateTexts } from '../notices/revision-texts.js';
import { PAUSED_RECHECK_MS, type StepOutcome } from './step-outcome.js';

/**
 * Whether an email announcing a later revision (an update, a withdrawal) may go now. It belongs to
 * no sending: the campaign is usually completed by then, so only a pause puts it off. Null: go on.
 */
export function laterEmailGate(status: string): StepOutcome | null {
  if (status === 'paused') return { kind: 'deferred', ms: PAUSED_RECHECK_MS };
  return null;
}

/** What an update or a withdrawal email says, in the recipient's locale (en-US when it is not shipped). */
export function renderRevisionEmail(
  kind: 'update' | 'withdrawal',
  e: { noticeId: string; locale: string; publicBaseUrl: string; texts: UpdateTexts | null },
): RenderedEmail {
  switch (kind) {
    case 'update':
      return renderUpdateEmail({ ...e, texts: e.texts ?? {} });
    case 'withdrawal':
      return renderWithdrawalEmail(e);
  }
}
