import type { MakerPolicy, MakerPolicyFilter, StoredMakerPolicy } from './maker-policy.ts';
import type {
  GenuinePart,
  GenuinePartInfo,
  Outlet,
  ProductModel,
  Technician,
} from './registry-schema.ts';
import type {
  ChainAnchor,
  ChainVerification,
  LinkAnchor,
  RepairRecordBody,
  StoredRepairRecord,
  Unit,
} from './repair-record-schema.ts';

/**
 * The warranty module's storage port (docs/style.md §1): units and their append-only, hash-chained
 * repair records. Every backend passes `describeWarrantyStoreContract`
 * (warranty-store.contract.ts). Inputs are already validated by the zod schemas.
 */
export interface WarrantyStore {
  /** Registers a unit; WARRANTY_ERR_UNIT_EXISTS when the serial is taken. */
  registerUnit(unit: Unit): Promise<Unit>;
  /** Registers all units or none (bulk import): WARRANTY_ERR_UNIT_EXISTS names the first taken serial. */
  registerUnits(units: readonly Unit[]): Promise<Unit[]>;
  /** Replaces a unit's verification-code hash (a new code issued); false for an unknown serial. */
  setVerificationCodeHash(serial: string, hash: string): Promise<boolean>;
  getUnit(serial: string): Promise<Unit | undefined>;
  /** Units linked to a telemetry device (normally one; an exchanged unit's successor too). */
  unitsByDevice(deviceId: string): Promise<Unit[]>;
  /**
   * Appends a record to the unit's chain and returns it with its seq and hashes; the unit's
   * anchor (head and count, kept outside the records) moves with it, in the same transaction.
   * The record chains from the anchor, not from whatever the records table holds last.
   * WARRANTY_ERR_UNKNOWN_UNIT for an unknown serial; WARRANTY_ERR_BAD_CORRECTION when a
   * correction points at no earlier record. `recordedAt` comes from the caller (no clock here).
   */
  appendRepair(
    serial: string,
    body: RepairRecordBody,
    recordedAt: string,
  ): Promise<StoredRepairRecord>;
  /** The unit's records, oldest first, exactly as stored. */
  listRepairs(serial: string): Promise<StoredRepairRecord[]>;
  /** The unit's anchor: head and count of its chain; undefined for an unknown serial. */
  chainAnchor(serial: string): Promise<ChainAnchor | undefined>;
  /**
   * Re-checks the unit's chain against its anchor and the other copies of its links given
   * (repair orders, a receipt), and names the first broken link.
   */
  verifyRepairs(serial: string, links?: readonly LinkAnchor[]): Promise<ChainVerification>;
  /** Creates or replaces an outlet (its authorization period may change). */
  saveOutlet(outlet: Outlet): Promise<Outlet>;
  getOutlet(id: string): Promise<Outlet | undefined>;
  /** Outlets whose service phone has the same digits as `phone`. */
  findOutletsByPhone(phone: string): Promise<Outlet[]>;
  /** Creates or replaces a technician's certificate record. */
  saveTechnician(t: Technician): Promise<Technician>;
  getTechnician(certificate: string): Promise<Technician | undefined>;
  /** Outlets of a manufacturer (all when undefined), by id. */
  listOutlets(manufacturer?: string): Promise<Outlet[]>;
  /**
   * Technicians certified for an outlet of a manufacturer (all when undefined), by certificate:
   * a technician is the maker's whose outlet certifies them (warranty/tenancy.ts).
   */
  listTechnicians(manufacturer?: string): Promise<Technician[]>;
  /** Product models of a manufacturer (all when undefined), by category then model. */
  listModels(manufacturer?: string): Promise<ProductModel[]>;
  /** Genuine parts of a manufacturer (all when undefined), by number, with their serial counts. */
  listParts(manufacturer?: string): Promise<GenuinePartInfo[]>;
  /** Creates or replaces a product model. */
  saveModel(m: ProductModel): Promise<ProductModel>;
  getModel(category: string, model: string): Promise<ProductModel | undefined>;
  /** Creates or updates a genuine part; its serials are added to those already known. */
  savePart(p: GenuinePart): Promise<GenuinePartInfo>;
  getPart(number: string): Promise<GenuinePartInfo | undefined>;
  /** Whether the manufacturer issued this serial for this part number. */
  partSerialKnown(number: string, serial: string): Promise<boolean>;
  /** Whether any genuine part of this manufacturer is registered (checks are meaningful). */
  hasParts(manufacturer: string): Promise<boolean>;
  /**
   * Appends a version of a maker's policy for (manufacturer, category, model). Versions are never
   * changed: WARRANTY_ERR_POLICY_VERSION_CONFLICT when the version label or the effective date is
   * taken, when `effectiveFrom` is not after the latest version's, or when the latest version is
   * no longer `expectedLatest` (null: none) — another save got there first. Atomic.
   */
  appendMakerPolicy(
    policy: MakerPolicy,
    meta: { savedAt: string; savedBy?: string },
    expectedLatest: string | null,
  ): Promise<StoredMakerPolicy>;
  /** Saved versions matching `filter`, by manufacturer, category, model, then effective date. */
  listMakerPolicies(filter: MakerPolicyFilter): Promise<StoredMakerPolicy[]>;
  close(): Promise<void>;
}
