/** The adapter's logging hook: the agent passes winston in, tests pass nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Fixed message text, details in `meta`: logs are for operators. */
export type Log = (level: LogLevel, msg: string, meta?: Record<string, unknown>) => void;

/** The default hook: silence. */
export const noLog: Log = () => {};
