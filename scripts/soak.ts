/**
 * Soak: one campaign of 20,000 tenants sent through the real pipeline — worker child
 * processes, a Redis of its own, a throw-away PostgreSQL database, the real ACS EmailClient
 * against the ACS emulator — while faults are injected on a random schedule:
 *
 *   worker-kill     SIGKILL a worker, start it again
 *   worker-term     SIGTERM a worker (it finishes what it runs), start it again
 *   redis-restart   kill Redis (no persistence), start it empty; then nothing (the workers notice
 *                   their marker is gone and reconcile), an operator's pause + resume, or the
 *                   workers restarted
 *   redis-flush     FLUSHALL mid-campaign, no reconnect, nothing else: the workers must notice
 *   pg-terminate    pg_terminate_backend on every connection to the database, three times
 *   acs-429         the next sends answered 429 with Retry-After
 *   acs-5xx         the next sends answered 500/503, or their status polls 502
 *   acs-drop        connections dropped without an answer
 *   acs-failed      some recipients not yet sent to end in a Failed operation
 *
 * Bounded in time (--minutes): faults stop at 60 % of it, then the campaign must complete. It
 * ends with the exactly-once check (one notice per affected tenant, one message per privileged
 * contact of one, nothing else), the rate check (no 60 s with more sends accepted than
 * MAIL_RATE_PER_MINUTE) and a summary of the faults survived. Exit code 0 only if all hold.
 *
 *   npm run soak -- [--tenants 20000] [--minutes 15] [--workers 2] [--fault-every 10] [--seed 1]
 *                   [--rate 4000] [--faults redis-flush,worker-kill,...] [--json]
 *
 * --rate is MAIL_RATE_PER_MINUTE: the default stretches the sending over a few minutes, so the
 * faults land while it runs, and the limiter is exercised under them.
 *
 * A stall (no progress for --stall-seconds while no fault is fresh) is reported with the queue
 * and delivery counts, then reconciled the way an operator would (pause + resume); the summary
 * counts these interventions: any is a finding.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { INestApplicationContext } from '@nestjs/common';
import { AcsEmulator } from '../test/support/acs-emulator.js';
import { CampaignLauncher } from '../libs/campaigns/campaign-launcher.js';
import { CampaignStatusView } from '../libs/campaigns/campaign-status.js';
import {
  createScenarioDatabase,
  deliveryStates,
  ensureWorkerBuilt,
  exactlyOnce,
  mulberry32,
  operatorContext,
  queuePrefix,
  seedCampaign,
  sleep,
  startRedis,
  startWorker,
  workerEnv,
  type ServiceEnv,
  type WorkerProcess,
} from '../test/faults/harness.js';

const { values: args } = parseArgs({
  options: {
    tenants: { type: 'string', default: '20000' },
    minutes: { type: 'string', default: '15' },
    workers: { type: 'string', default: '2' },
    'fault-every': { type: 'string', default: '10' },
    'stall-seconds': { type: 'string', default: '150' },
    seed: { type: 'string', default: '1' },
    rate: { type: 'string', default: '4000' },
    /** only these faults (comma-separated names below); default: all */
    faults: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const TENANTS = Number(args.tenants);
const MINUTES = Number(args.minutes);
const WORKERS = Number(args.workers);
const FAULT_EVERY_MS = Number(args['fault-every']) * 1000;
const STALL_MS = Number(args['stall-seconds']) * 1000;
const rnd = mulberry32(Number(args.seed));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s`;
const log = (s: string) => process.stderr.write(`[soak ${elapsed()}] ${s}\n`);

const FAULTS = [
  'worker-kill',
  'worker-term',
  'redis-restart',
  'redis-flush',
  'pg-terminate',
  'acs-429',
  'acs-5xx',
  'acs-drop',
  'acs-failed',
] as const;
type Fault = (typeof FAULTS)[number];
const chosen = args.faults?.split(',').map((f) => f.trim()) ?? [...FAULTS];
const unknown = chosen.filter((f) => !(FAULTS as readonly string[]).includes(f));
if (unknown.length) throw new Error(`--faults: unknown ${unknown.join(', ')} (known: ${FAULTS.join(', ')})`);
const ENABLED = chosen as Fault[];

async function main(): Promise<void> {
  await ensureWorkerBuilt();
  log(
    `setting up: ${TENANTS} tenants, ${WORKERS} workers, a fault every ~${FAULT_EVERY_MS / 1000} s, ${MINUTES} minutes at most`,
  );
  const db = await createScenarioDatabase('soak');
  const redis = await startRedis();
  const acs = await AcsEmulator.start({ runningPolls: 1, latencyMs: 5, keepBodies: false });
  const env: ServiceEnv = {
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: queuePrefix('soak'),
    ACS_CONNECTION_STRING: acs.connectionString,
    MAIL_RATE_PER_MINUTE: String(args.rate),
  };
  const workers = Array.from({ length: WORKERS }, (): WorkerProcess | undefined => undefined);
  let app: INestApplicationContext | undefined;
  const queues = ['notices', 'emails'].map(
    (name) =>
      new Queue(name, {
        connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null },
        prefix: env.QUEUE_PREFIX,
      }),
  );
  for (const q of queues) q.on('error', () => undefined);
  const survived = new Map<Fault, number>();
  const timeline: string[] = [];
  let interventions = 0;
  let exitCode: number;

  const startWorkerAt = async (i: number) => {
    workers[i] = await startWorker(workerEnv({ ...env, DATABASE_POOL_SIZE: '8' }), `w${i}`);
  };
  const note = (f: Fault, detail: string) => {
    survived.set(f, (survived.get(f) ?? 0) + 1);
    timeline.push(`${elapsed()} ${f}: ${detail}`);
    log(`fault ${f}: ${detail}`);
  };

  try {
    const seedStart = Date.now();
    const seeded = await seedCampaign(db.pool, { tenants: TENANTS, seed: Number(args.seed), affectedShare: 0.6 });
    log(
      `seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)} s: ${seeded.affectedTenants.length} affected tenants, ${seeded.expectedRecipients.size} emails expected, ${seeded.strangers.size} contacts who must get nothing`,
    );
    app = await operatorContext(env);
    const launcher = app.get(CampaignLauncher);
    const statusView = app.get(CampaignStatusView);
    const expected = seeded.expectedRecipients.size;
    const failedOnPurpose = new Set<string>();

    const launchedAt = Date.now();
    await launcher.launch(seeded.campaignId, 'soak-operator');
    for (let i = 0; i < WORKERS; i++) await startWorkerAt(i);
    log('launched');

    const reconcileAsOperator = async () => {
      await launcher.pause(seeded.campaignId, 'soak-operator');
      await launcher.resume(seeded.campaignId, 'soak-operator');
    };

    const inject = async (f: Fault) => {
      log(`fault ${f}: injecting`);
      switch (f) {
        case 'worker-kill':
        case 'worker-term': {
          const i = Math.floor(rnd() * WORKERS);
          const w = workers[i]!;
          const signal = f === 'worker-kill' ? 'SIGKILL' : 'SIGTERM';
          const started = Date.now();
          const ended = await w.stop(signal, 60_000);
          await sleep(500 + rnd() * 2000);
          await startWorkerAt(i);
          note(
            f,
            `worker ${i} (pid ${w.pid}) ${signal}, ended ${JSON.stringify(ended)} after ${Date.now() - started} ms, restarted`,
          );
          break;
        }
        case 'redis-restart': {
          await redis.kill();
          await sleep(500 + rnd() * 2000);
          await redis.restart();
          const roll = rnd();
          const how =
            roll < 0.5 ? 'the workers on their own' : roll < 0.75 ? 'operator pause + resume' : 'workers restarted';
          if (how === 'the workers on their own') {
            // nothing to do: the stall check below counts it as an intervention if they do not
          } else if (how === 'workers restarted') {
            for (let i = 0; i < WORKERS; i++) {
              await workers[i]!.stop('SIGTERM', 60_000);
              await startWorkerAt(i);
            }
          } else {
            // the operator context's connections come back by themselves; retry until they have
            for (let k = 0; ; k++) {
              try {
                await reconcileAsOperator();
                break;
              } catch (e) {
                if (k > 20) throw e;
                await sleep(500);
              }
            }
          }
          note(f, `Redis lost everything; reconciled by ${how}`);
          break;
        }
        case 'redis-flush': {
          const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
          try {
            await client.flushall();
          } finally {
            client.disconnect();
          }
          note(f, 'FLUSHALL: every job, lock and the send-rate log gone; left to the workers to notice');
          break;
        }
        case 'pg-terminate': {
          let n = 0;
          for (let k = 0; k < 3; k++) {
            n += await db.terminateOthers();
            await sleep(200);
          }
          note(f, `${n} connections terminated in 3 rounds`);
          break;
        }
        case 'acs-429': {
          const n = 2 + Math.floor(rnd() * 10);
          const s = 1 + Math.floor(rnd() * 3);
          acs.failNext(n, { status: 429, retryAfterSeconds: s });
          note(f, `next ${n} sends answered 429, Retry-After ${s} s`);
          break;
        }
        case 'acs-5xx': {
          const n = 3 + Math.floor(rnd() * 15);
          const fault = pick([{ status: 503 }, { status: 500 }, { status: 502, on: 'status' as const }]);
          acs.failNext(n, fault);
          note(f, `next ${n} ${fault.on === 'status' ? 'status polls' : 'sends'} answered ${fault.status}`);
          break;
        }
        case 'acs-drop': {
          const n = 1 + Math.floor(rnd() * 5);
          acs.failNext(n, { drop: true, on: pick(['send', 'status'] as const) });
          note(f, `next ${n} connections dropped`);
          break;
        }
        case 'acs-failed': {
          const sent = acs.countByRecipient({ includeFailed: true });
          const fresh = [...seeded.expectedRecipients].filter((a) => !sent.has(a) && !failedOnPurpose.has(a));
          for (let k = 0; k < 5 && fresh.length; k++)
            failedOnPurpose.add(fresh.splice(Math.floor(rnd() * fresh.length), 1)[0]!);
          acs.failAddresses(failedOnPurpose);
          note(f, `${failedOnPurpose.size} recipients now end in a Failed operation`);
          break;
        }
      }
    };

    const deadline = t0 + MINUTES * 60_000;
    const faultsUntil = t0 + MINUTES * 60_000 * 0.6;
    let nextFault = Date.now() + FAULT_EVERY_MS * (0.5 + rnd());
    let lastProgress = { done: -1, at: Date.now() };
    let lastFaultAt = Date.now();
    let completed = false;
    let lastLog = 0;
    while (Date.now() < deadline) {
      const s = await statusView.status(seeded.campaignId).catch(() => undefined);
      if (s?.status === 'completed') {
        completed = true;
        break;
      }
      if (s) {
        if (s.progress.done !== lastProgress.done) lastProgress = { done: s.progress.done, at: Date.now() };
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          log(
            `progress ${s.progress.percent}%: notices ${s.counts.notices.posted}/${s.counts.notices.expected}, emails sent ${s.counts.emails.sent} failed ${s.counts.emails.failed} retrying ${s.counts.emails.retrying} queued ${s.counts.emails.queued} of ${expected}; provider accepted ${acs.messages().length}`,
          );
        }
      }
      if (Date.now() >= nextFault && Date.now() < faultsUntil) {
        const f = pick(ENABLED);
        try {
          await inject(f);
        } catch (e) {
          log(`fault ${f} could not be injected: ${(e as Error).message}`);
        }
        lastFaultAt = Date.now();
        nextFault = Date.now() + FAULT_EVERY_MS * (0.5 + rnd());
      }
      if (Date.now() - lastProgress.at > STALL_MS && Date.now() - lastFaultAt > STALL_MS / 2) {
        const counts = await Promise.all(
          queues.map(
            async (q) =>
              [q.name, await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized')] as const,
          ),
        ).catch(() => []);
        const failedJobs = await queues[1]!.getFailed(0, 5).catch(() => []);
        log(
          `STALL: no progress for ${STALL_MS / 1000} s; deliveries ${JSON.stringify(await deliveryStates(db.pool, seeded.campaignId))}; queues ${JSON.stringify(Object.fromEntries(counts))}; failed email jobs ${JSON.stringify(failedJobs.map((j) => [j.id, j.failedReason]))}`,
        );
        timeline.push(`${elapsed()} STALL, operator reconciles (pause + resume)`);
        interventions++;
        await reconcileAsOperator().catch((e: Error) => log(`reconcile failed: ${e.message}`));
        lastProgress = { done: lastProgress.done, at: Date.now() };
      }
      await sleep(1000);
    }

    const finishedAt = Date.now();
    const status = await statusView.status(seeded.campaignId);
    const report = await exactlyOnce(db.pool, acs, seeded);
    const stats = acs.stats();
    const failedRows = await statusView.deliveries(seeded.campaignId, 'failed', 0, 1000);
    // every failure is one we caused, and every operation the provider failed is listed
    const providerFailed = new Set(
      acs
        .messages()
        .filter((m) => m.outcome === 'Failed')
        .flatMap((m) => m.recipients),
    );
    const failedAsInjected =
      failedRows.value.every((d) => failedOnPurpose.has(d.address)) && failedRows.value.length === providerFailed.size;
    const peak = acs.peakAccepted(60_000);
    const withinRate = peak <= Number(args.rate);
    const ok = completed && report.ok && failedAsInjected && interventions === 0 && withinRate;
    const summary = {
      result: ok ? 'PASS' : 'FAIL',
      completed,
      secondsFromLaunch: Math.round((finishedAt - launchedAt) / 1000),
      tenants: TENANTS,
      affectedTenants: seeded.affectedTenants.length,
      noticesPosted: report.noticesPosted,
      emailsExpected: expected,
      messagesRecorded: report.recorded,
      emailsSent: status.counts.emails.sent,
      emailsFailed: status.counts.emails.failed,
      failedByInjection: failedOnPurpose.size,
      failuresListedWithReasons: failedRows.value.filter((d) => d.lastError).length,
      exactlyOnce: {
        missing: report.missing.length,
        doubled: report.doubled.length,
        strangers: report.strangers.length,
        doubledOperations: report.doubledOperations,
        noticeMismatches: report.noticeMismatches.length,
        unfinishedDeliveries: report.unfinishedDeliveries,
      },
      provider: {
        resendsOfSameOperation: stats.duplicates,
        injectedFaults: stats.injectedFaults,
        sendRequests: stats.sendRequests,
        peakAcceptedIn60s: peak,
        ratePerMinute: Number(args.rate),
        withinRate,
      },
      faultsSurvived: Object.fromEntries([...survived].sort()),
      faultsTotal: [...survived.values()].reduce((a, b) => a + b, 0),
      operatorInterventionsForStalls: interventions,
      timeline,
    };
    if (args.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      const lines = [
        `soak ${summary.result}: ${TENANTS} tenants, ${summary.affectedTenants} affected, ${summary.faultsTotal} faults in ${MINUTES} minutes at most`,
        `  completed: ${completed} after ${summary.secondsFromLaunch} s`,
        `  notices: ${report.noticesPosted} posted for ${report.noticesExpected} affected tenants (mismatches ${report.noticeMismatches.length})`,
        `  emails: ${expected} expected, ${report.recorded} recorded by the provider, ${status.counts.emails.sent} sent, ${status.counts.emails.failed} failed (${failedOnPurpose.size} recipients made to fail)`,
        `  exactly once: missing ${report.missing.length}, doubled ${report.doubled.length}, to strangers ${report.strangers.length}, operations recorded twice ${report.doubledOperations}, unfinished deliveries ${report.unfinishedDeliveries}`,
        `  provider: ${stats.sendRequests} send requests, ${stats.duplicates} resends of an operation it already had (answered, not sent again), ${stats.injectedFaults} injected faults answered`,
        `  rate: at most ${peak} accepted in any 60 s, MAIL_RATE_PER_MINUTE ${args.rate}: ${withinRate ? 'kept' : 'EXCEEDED'}`,
        `  failures listed with reasons by the deliveries API: ${summary.failuresListedWithReasons} of ${status.counts.emails.failed}${failedAsInjected ? '' : ' (NOT the injected ones)'}`,
        `  faults survived: ${Object.entries(summary.faultsSurvived)
          .map(([k, v]) => `${k} x${v}`)
          .join(', ')}`,
        `  stalls needing an operator: ${interventions}`,
        '  timeline:',
        ...timeline.map((t) => `    ${t}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      if (report.missing.length || report.doubled.length || report.strangers.length) {
        process.stdout.write(
          `  first problems: ${JSON.stringify({ missing: report.missing.slice(0, 5), doubled: report.doubled.slice(0, 5), strangers: report.strangers.slice(0, 5), notices: report.noticeMismatches.slice(0, 5) })}\n`,
        );
      }
    }
    exitCode = ok ? 0 : 1;
  } finally {
    for (const w of workers) await w?.stop('SIGKILL').catch(() => undefined);
    for (const q of queues) await q.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await acs.close();
    await redis.stop();
    await db.drop().catch(() => undefined);
  }
  process.exit(exitCode);
}

main().catch((e: unknown) => {
  process.stderr.write(`soak failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(2);
});
