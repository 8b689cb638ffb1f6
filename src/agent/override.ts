/**
 * An operator's release of a held mass removal, granted through the API and taken by the next
 * pass over the revision it names: a later commit is never released by an earlier grant.
 */

/** Who released which held revision, and when. Names the token, never its secret. */
export interface OverrideGrant {
  commit: string | null;
  token: string;
  role: string;
  at: string;
}

/** Holds at most one grant until a pass takes it. */
export class OverrideLatch {
  private grant?: OverrideGrant;

  /** Replaces any earlier grant. */
  give(grant: OverrideGrant): void {
    this.grant = grant;
  }

  /** The grant for `commit`, if one waits; any grant is used up by the call. */
  take(commit: string | null): OverrideGrant | undefined {
    const grant = this.grant;
    this.grant = undefined;
    return grant && grant.commit === commit ? grant : undefined;
  }
}
