/**
 * The agent's in-memory record of what each instance is going through (pulling, creating,
 * starting, stopping, removing): set by the apply as each runtime call begins, cleared when it
 * ends, failed or not. Not persisted: after a restart nothing is in progress.
 */
import type { Activity, ActivityPhase } from '../domain/activity.js';

/** Per instance name, the phase in progress; read by GET /v1/services. */
export class ActivityRecord {
  private readonly phases = new Map<string, Activity>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Enters `phase` (undefined: the action ended). Re-entering the same phase keeps its `since`. */
  readonly set = (name: string, phase: ActivityPhase | undefined): void => {
    if (!phase) {
      this.phases.delete(name);
      return;
    }
    if (this.phases.get(name)?.phase === phase) return;
    this.phases.set(name, { phase, since: this.now().toISOString() });
  };

  /** The phase `name` is in, if any. */
  readonly get = (name: string): Activity | undefined => this.phases.get(name);
}
