/**
 * Health: the board that keeps each instance's health between passes, the prober that
 * updates it on its own timer, the gate a pass asks before it replaces an instance, and what
 * a pass does with health once it has applied (rollbacks, requeues, what is not healthy yet).
 * The agent imports health through this file only.
 */
export { HealthBoard, type ProbeTarget } from './board.js';
export { type GateDecision, healthGate } from './gate.js';
export { afterApply, explainRollbacks, rolledBackServices } from './pass.js';
export { probeHttp, probeTcp } from './probe.js';
export { Prober, type ProberOptions } from './prober.js';
