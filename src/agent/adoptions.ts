/**
 * `mcp adopt` as an intent the next pass carries out: the API asks, the pass inspects the
 * containers, plans them (kept when they match the spec, replaced when not) and answers with
 * what it did. The registry is written by the pass only, never from the API handler.
 */
import type { McpError } from '../domain/errors.js';
import type { ActionResult } from '../domain/outcome.js';

interface Request {
  names: readonly string[];
  resolve(results: ActionResult[]): void;
  reject(error: McpError): void;
}

/** Adoption requests waiting for a pass. */
export class Adoptions {
  private pending: Request[] = [];

  /** Asks the next pass to adopt `names`; resolves with that pass's results for them. */
  request(names: readonly string[]): Promise<ActionResult[]> {
    return new Promise((resolve, reject) => this.pending.push({ names, resolve, reject }));
  }

  /** What a starting pass takes on: the requests made so far (later ones wait for the next pass). */
  take(): TakenAdoptions {
    const taken = this.pending;
    this.pending = [];
    return new TakenAdoptions(taken);
  }
}

/** The requests one pass carries out; each is answered exactly once, by `settle` or `fail`. */
export class TakenAdoptions {
  constructor(private readonly requests: Request[]) {}

  /** Every instance name asked for. */
  get names(): Set<string> {
    return new Set(this.requests.flatMap((r) => r.names));
  }

  /** Answers every request with the pass's results for its names. */
  settle(results: readonly ActionResult[]): void {
    for (const r of this.requests) r.resolve(results.filter((x) => r.names.includes(x.name)));
  }

  /** The pass ended before it could plan: every request fails with why. */
  fail(error: McpError): void {
    for (const r of this.requests) r.reject(error);
  }
}
