import type { DeviceSnapshot } from './engine/snapshot.ts';

export type { DeviceSnapshot } from './engine/snapshot.ts';

/** A saved state as claimed: the snapshot, the node that held it before, its active alerts. */
export interface ClaimedState {
  snapshot: DeviceSnapshot;
  /** Owner before this claim (the claimant itself when it held the device already). */
  previousOwner: string;
  /** Modes with an active (open or acknowledged) alert now: other candidates were closed since. */
  activeModes: string[];
  /** Taken over (`takeOver`): how long ago (ms) the previous owner last said it was alive. */
  ownerSilentMs?: number;
}

/** A saved state read for its health (fleet-wide reads): when it was saved, by this clock. */
export interface SavedHealthState {
  /** The saved state, without its latest generic anomaly (`anomaly: null`: health omits it). */
  snapshot: DeviceSnapshot;
  /** When its owner saved it (ms since the epoch): its health is at most this old. */
  savedAt: number;
}

/**
 * Where each device's detector state is kept between nodes (cluster mode, issue 22). One owner
 * per device at a time: the node that ingests its telemetry claims it on first sight, and a save
 * by any other node is refused, so a node that lost a device cannot overwrite what the new
 * owner learns.
 */
export interface DetectorStateStore {
  /**
   * Makes `owner` the owner of the device's saved state and returns it; undefined when nothing
   * is saved (a new device: the first save stores it).
   */
  claim(deviceId: string, owner: string): Promise<ClaimedState | undefined>;
  /**
   * Saves states as `owner`: inserts new devices, updates those `owner` owns. Returns the ids
   * refused because another node owns them now (the caller forgets them).
   */
  save(owner: string, states: readonly DeviceSnapshot[], at: number): Promise<string[]>;
  /** The device's saved state, read only (no claim); undefined when nothing is saved. */
  peek(deviceId: string): Promise<DeviceSnapshot | undefined>;
  /**
   * The saved states of many devices, read only, in one round trip per few thousand (a fleet's
   * health on a node that holds few of its devices): those without a saved state are left out,
   * the rest come in no particular order.
   */
  healthStates(deviceIds: readonly string[]): Promise<SavedHealthState[]>;
  /** The owner of the device's saved state; undefined when nothing is saved. */
  ownerOf(deviceId: string): Promise<string | undefined>;
  /** Says `owner` is alive now (by the database's clock). */
  beat(owner: string): Promise<void>;
  /**
   * Makes `owner` the owner of up to `limit` saved states whose owner has not said it is alive
   * for `deadAfterMs` (or never did), and returns them. A conditional claim: of nodes taking
   * over at once, each state goes to one; a state claimed meanwhile by a live node is left.
   */
  takeOver(owner: string, deadAfterMs: number, limit: number): Promise<ClaimedState[]>;
  close(): Promise<void>;
}
