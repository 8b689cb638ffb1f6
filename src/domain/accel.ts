/**
 * The accelerator VMs run with, in our own words: decided by the QEMU adapter when the first VM
 * is about to be created (or read from its cache for this host boot), reported by the agent's
 * status so an operator sees which one, why, and whether it is decided at all.
 */

/** The accelerators MCP runs VMs with. */
export type Accel = 'kvm' | 'tcg';

/** The `[qemu] accel` setting: one accelerator, or `auto` (probe before the first VM). */
export type AccelSetting = 'auto' | Accel;

/**
 * Where a decision came from: the configuration, the KVM device being unusable (no probe
 * needed), a probe run now, or the cache of a probe run earlier in this host boot.
 */
export type AccelSource = 'configured' | 'device' | 'probe' | 'cache';

/** What a cached decision is valid for: one host boot and one QEMU build. */
export interface AccelKey {
  /** The kernel's boot id (/proc/sys/kernel/random/boot_id). */
  bootId: string;
  /** The first line of `<qemu> --version`. */
  qemuVersion: string;
}

/** The accelerator in use and why. */
export interface AccelChoice {
  setting: AccelSetting;
  accel: Accel;
  reason: string;
  /** How long the KVM probe took, when one ran (then or, for a cached decision, when it was cached). */
  probeMs?: number;
  /** Where the decision came from (agents before the cache existed: absent). */
  source?: AccelSource;
  /** The host boot and QEMU build a probed or cached decision holds for. */
  key?: AccelKey;
  /** When the probe behind the decision ran (ISO time). */
  probedAt?: string;
}

/** What status says of the accelerator: decided, being probed now, or not decided yet and why. */
export type AccelStatus = AccelChoice | { probing: true } | { undecided: true; reason: string };
