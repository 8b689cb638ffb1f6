/** Retries an operation that failed transiently (socket hiccup, busy runtime), with exponential backoff. */
import { ERROR_TABLE } from '../domain/error-table.js';
import { asMcpError } from '../domain/errors.js';

export interface RetryPolicy {
  retries: number;
  delayMs: number;
}

export const withRetry = async <T>(op: () => Promise<T>, policy: RetryPolicy): Promise<T> => {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      const error = asMcpError(err);
      if (!ERROR_TABLE[error.code].transient || attempt >= policy.retries) throw error;
      await new Promise((resolve) => setTimeout(resolve, policy.delayMs * 2 ** attempt));
    }
  }
};

/** Runs `work` over `items` with at most `limit` in flight; resolves when all are done. */
export const forEachLimited = async <T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> => {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
};
