import type { FastifyServerOptions } from 'fastify';

/**
 * pino options for every service: request ids, and no secrets or tokens in logs
 * (Authorization, DPoP, Cookie and Set-Cookie headers are redacted).
 */
export function loggerOptions(level: string = process.env.LOG_LEVEL ?? 'info'): FastifyServerOptions['logger'] {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.dpop', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
    serializers: {
      // log the path only: query strings carry codes and launch values
      req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: req.url.split('?')[0], id: req.id }),
    },
  };
}
