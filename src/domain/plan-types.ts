/**
 * The planner's output vocabulary, shared by logs, events, the API and the CLI.
 */
import type { Outcome } from './outcome.js';
import type { ComponentSpec } from './spec.js';

export type ActionKind =
  | 'create'
  | 'recreate'
  | 'adopt'
  | 'start'
  | 'stop'
  | 'remove'
  | 'conflict'
  | 'unchanged';

/** One field that differs between the running instance and the desired spec. */
export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
  /** The variables whose change made it, e.g. `var.tag: v1 -> v2`; absent when none did. */
  because?: string[];
}

/** One step the agent would take for one instance (`<service>-<component>`). */
export interface Action {
  kind: ActionKind;
  /** Instance name, `<service>-<component>`. */
  name: string;
  service: string;
  component: string;
  reason: string;
  /** For every component of an active service: its desired spec and that spec's hash. */
  spec?: ComponentSpec;
  hash?: string;
  /** For recreate: what changed. */
  changes?: FieldChange[];
  /** For actions on an existing instance: its runtime id. */
  id?: string;
  /** The instances of this node it waits for: when one of them did not converge, this action is skipped. */
  dependsOn?: string[];
  /** Set when the action repairs drift (not a change of desired state); heal/prune policy may skip it. */
  drift?: boolean;
  /** The revision `spec` comes from, when not the plan's (a rollback runs an older revision's spec). */
  revision?: string;
}

/** Actions grouped so that every stage only depends on earlier stages. */
export interface Plan {
  node: string;
  revision?: string;
  stages: Action[][];
  /** True when the plan removes more than half of the node's services: applying needs an override. */
  needsOverride: boolean;
  /** needsOverride without the operator's override: apply skips the removals. */
  holdRemovals: boolean;
  /** The instances per outcome the plan would leave, in the outcome words of the pass. */
  counts: Record<Outcome, number>;
}
