/**
 * Whether a host port is free now. Route ports are allocated from a range other processes
 * use too; the only sure test of "free" is trying the bind.
 */
export interface PortProbe {
  /** True when `hostIp:port` (TCP) could be bound at this moment. */
  isFree(hostIp: string, port: number): Promise<boolean>;
}
