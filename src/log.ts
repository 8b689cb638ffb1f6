/**
 * The winston factory: JSON lines with a fixed message and details in metadata, so operators
 * can grep messages and machines can parse fields.
 */
import { Writable } from 'node:stream';
import winston from 'winston';
import { textFormat } from './log-text.js';

export type Level = 'error' | 'warn' | 'info' | 'debug';

/** The narrow logger the rest of the code depends on (tests pass a recording one). */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
}

/** json for machines (journald, collectors), text for a person, auto: text on a terminal. */
export type LogFormat = 'json' | 'text' | 'auto';

/** Where a logger writes and what it knows about that place; tests pass their own. */
export interface LogSink {
  isTTY: boolean;
  env: Record<string, string | undefined>;
  write?: (line: string) => void;
}

const processSink = (): LogSink => ({ isTTY: process.stderr.isTTY === true, env: process.env });

/** Text when asked, or on a terminal under `auto`; JSON lines otherwise. */
export const resolveLogFormat = (fmt: LogFormat, sink: LogSink): 'json' | 'text' =>
  fmt === 'auto' ? (sink.isTTY ? 'text' : 'json') : fmt;

/** A logger on stderr at `level`: JSON lines, or one readable line per event (see LogFormat). */
export const createLogger = (
  level: Level = 'info',
  component = 'agent',
  fmt: LogFormat = 'json',
  sink: LogSink = processSink(),
): Logger => {
  const text = resolveLogFormat(fmt, sink) === 'text';
  const colour = text && sink.isTTY && !sink.env.NO_COLOR;
  const shape = text ? textFormat(colour) : winston.format.json();
  const transport = sink.write
    ? new winston.transports.Stream({ stream: lineStream(sink.write) })
    : new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] });
  return winston.createLogger({
    level,
    defaultMeta: { component },
    format: winston.format.combine(winston.format.timestamp(), shape),
    transports: [transport],
  });
};

const lineStream = (write: (line: string) => void): Writable =>
  new Writable({
    objectMode: true,
    write(chunk: Record<symbol, string>, _enc, done) {
      write(chunk[Symbol.for('message')]);
      done();
    },
  });

/** A logger that drops everything (benchmarks, tests that do not look at logs). */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
