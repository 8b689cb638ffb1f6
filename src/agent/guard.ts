/**
 * The daemon's last line of defence: an exception thrown outside every promise (a library's
 * callback, an event handler) or a rejection nobody awaited is logged, and the agent keeps
 * serving and reconciling. Inputs are meant never to get this far; this makes a defect that
 * does an error in the log instead of a node whose agent is gone, and gone again on restart.
 */
import { asMcpError } from '../domain/errors.js';
import type { Logger } from '../log.js';

/** Installs the guard for the life of the process; returns its removal. */
export const guardProcess = (log: Logger): (() => void) => {
  const report = (kind: string) => (err: unknown) => {
    const error = asMcpError(err);
    log.error('uncaught error; the agent keeps running', {
      kind,
      error: error.toJSON(),
      stack: err instanceof Error ? err.stack : undefined,
    });
  };
  const onException = report('exception');
  const onRejection = report('rejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
};
