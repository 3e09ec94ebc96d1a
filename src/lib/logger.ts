// Structured JSON logs (pino). One root logger per app; requests get child loggers.
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'crm' }, timestamp: pino.stdTimeFunctions.isoTime });
}
