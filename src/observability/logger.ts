// Structured logs to stderr (stdout carries the command's output), level from LOG_LEVEL.
import { pino, type Logger } from 'pino';

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: null }, pino.destination({ fd: 2, sync: true }));
}

/** For tests and library use: a logger that writes nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
