/**
 * The accelerator VMs run with, in our own words: chosen by the QEMU adapter at start-up,
 * reported by the agent's status so an operator sees which one and why.
 */

/** The accelerators MCP runs VMs with. */
export type Accel = 'kvm' | 'tcg';

/** The `[qemu] accel` setting: one accelerator, or `auto` (probe at start-up). */
export type AccelSetting = 'auto' | Accel;

/** The accelerator in use and why. */
export interface AccelChoice {
  setting: AccelSetting;
  accel: Accel;
  reason: string;
  /** How long the KVM probe took, when one ran. */
  probeMs?: number;
}
