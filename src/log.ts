/**
 * The winston factory: JSON lines with a fixed message and details in metadata, so operators
 * can grep messages and machines can parse fields.
 */
import winston from 'winston';

export type Level = 'error' | 'warn' | 'info' | 'debug';

/** The narrow logger the rest of the code depends on (tests pass a recording one). */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
}

/** A JSON-lines logger on stderr at `level`. */
export const createLogger = (level: Level = 'info', component = 'agent'): Logger =>
  winston.createLogger({
    level,
    defaultMeta: { component },
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });

/** A logger that drops everything (benchmarks, tests that do not look at logs). */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
