import { Logger, type INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import { OperatorCredentials } from '../../../../libs/auth/operator-credentials.js';
import { OperatorRoles } from '../../../../libs/auth/operator-roles.js';
import { APP_CONFIG, type AppConfig } from '../../../../libs/config/config.js';
import { QUEUE } from '../../../../libs/queue/queues.js';
import { loggedPath } from '../../../../libs/observability/logging.js';

export const QUEUES_PATH = '/queues';

/**
 * Operators only: a bearer token from OPERATOR_TOKENS, or HTTP Basic with the operator's name
 * and token (what a browser can send; it asks for them on the 401). Changes (retry, clean, add)
 * only from the dashboard's own pages: a browser sends Basic credentials to any site's request,
 * so a request another site started is refused. Looking is for every operator; a change (retry,
 * clean, pause a queue) is an admin's (OPERATOR_ROLES).
 */
export function operatorDashboardAuth(config: Pick<AppConfig, 'OPERATOR_TOKENS' | 'OPERATOR_ROLES'>) {
  const credentials = new OperatorCredentials(config.OPERATOR_TOKENS);
  const roles = new OperatorRoles(config.OPERATOR_ROLES);
  const logger = new Logger('queues');
  return (req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    const operator = credentials.fromAuthorization(req.headers.authorization, { basic: true });
    if (operator === null) {
      res
        .status(401)
        .setHeader('WWW-Authenticate', 'Basic realm="queues", charset="UTF-8"')
        .json({ error: { code: 'unauthorized', message: 'operator credentials required' } });
      return;
    }
    const refusal = req.method === 'GET' || req.method === 'HEAD' ? null : roles.refusal(operator, 'admin');
    if (refusal !== null) {
      res.status(403).json({ error: { code: 'forbidden', message: refusal } });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD' && !sameOrigin(req)) {
      res.status(403).json({ error: { code: 'forbidden', message: 'changes only from the dashboard itself' } });
      return;
    }
    // who changed which queue (retry, clean, pause): the dashboard sits outside the API's request log
    if (req.method !== 'GET' && req.method !== 'HEAD')
      logger.log(`${operator}: ${req.method} ${loggedPath(req.originalUrl)}`);
    next();
  };
}

function sameOrigin(req: Request): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin';
  const origin = req.headers.origin;
  if (typeof origin !== 'string') return true; // not a browser's cross-site request
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** Bull Board over the analysis, notices and emails queues at /queues, outside the /v1 API. */
export function mountQueuesDashboard(app: INestApplication): void {
  const config = app.get<AppConfig>(APP_CONFIG);
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: Object.values(QUEUE).map((name) => new BullMQAdapter(app.get<Queue>(getQueueToken(name)))),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Exposure notices' } },
  });
  app.use(QUEUES_PATH, operatorDashboardAuth(config), adapter.getRouter());
}
