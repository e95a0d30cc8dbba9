import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, payload?: object): void;
  stop(): void;
}

/**
 * A progress bar on stderr when stderr is a terminal; silent otherwise, so piped --json output
 * and CI logs stay clean.
 */
export function byteProgress(total: number, quiet?: boolean): Progress {
  if (quiet || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: ' {bar} {percentage}% | {lines} lines, {accepted} accepted, {quarantined} quarantined | {eta_formatted}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { lines: 0, accepted: 0, quarantined: 0 });
  let stopped = false;
  return {
    update: (v, p) => bar.update(v, p),
    stop: () => {
      if (!stopped) bar.stop();
      stopped = true;
    },
  };
}

export interface CampaignBar {
  update(done: number, total: number, payload: { notices: number; sent: number; failed: number }): void;
  stop(): void;
}

/** The live progress of a sending campaign on stderr (a terminal only). */
export function campaignProgress(quiet?: boolean): CampaignBar {
  if (quiet || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: ' {bar} {percentage}% | {notices} notices, {sent} emails sent, {failed} failed',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1, 0, { notices: 0, sent: 0, failed: 0 });
  let stopped = false;
  return {
    update: (done, total, p) => {
      bar.setTotal(Math.max(total, 1));
      bar.update(done, p);
    },
    stop: () => {
      if (!stopped) bar.stop();
      stopped = true;
    },
  };
}
