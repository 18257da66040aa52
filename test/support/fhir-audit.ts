/**
 * Reads dva-fhir's audit records (services/dva-fhir/src/audit.ts), which it writes to its log
 * only: the request loggers of `app` are wrapped so each `audit` record is also kept here.
 */
import type { FastifyInstance } from 'fastify';

export interface CapturedAudit {
  events: Array<Record<string, unknown>>;
  /** Restores the app's logger. */
  stop(): void;
}

type Logger = FastifyInstance['log'] & { child: (...args: unknown[]) => Logger; info: (...args: unknown[]) => void };

/** Captures the audit records `app` logs from now on, whatever its log level. */
export function captureAudit(app: FastifyInstance): CapturedAudit {
  const log = app.log as Logger;
  const events: Array<Record<string, unknown>> = [];
  const child = log.child;
  log.child = (...args: unknown[]) => {
    const logger = child.apply(log, args);
    const info = logger.info;
    logger.info = (...entry: unknown[]) => {
      const audit = (entry[0] as { audit?: Record<string, unknown> } | undefined)?.audit;
      if (audit) events.push(audit);
      return info.apply(logger, entry);
    };
    return logger;
  };
  return { events, stop: () => void (log.child = child) };
}
