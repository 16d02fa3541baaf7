/**
 * Public interface of the simulators module: the fleet CLI (`sanbao simulate`), and the pieces
 * the diagnostics evaluation drives directly (a planned fleet, one simulated device sampled at a
 * time, the failure modes those devices can develop).
 */
export { simulateCli, SIMULATE_USAGE, type SimulateIo } from './cli.ts';
export {
  EVEN_MIX,
  parseMix,
  planFleet,
  type FleetDevice,
  type FleetOptions,
  type Mix,
} from './fleet.ts';
export { createSimDevice, sampleDevice, type Reading, type SimDevice } from './device.ts';
export { FAILURE_MODES } from './failure-modes.ts';
