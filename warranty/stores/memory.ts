import { WarrantyErrors } from '../errors.ts';
import { chainRecord, GENESIS_HASH, verifyChain } from '../hash-chain.ts';
import type {
  ChainAnchor,
  ChainVerification,
  LinkAnchor,
  RepairRecordBody,
  StoredRepairRecord,
  Unit,
} from '../repair-record-schema.ts';
import {
  phoneDigits,
  type GenuinePart,
  type GenuinePartInfo,
  type Outlet,
  type ProductModel,
  type Technician,
} from '../registry-schema.ts';
import {
  appendConflict,
  compareMakerPolicies,
  makerPolicyId,
  type MakerPolicy,
  type MakerPolicyFilter,
  type StoredMakerPolicy,
} from '../maker-policy.ts';
import type { WarrantyStore } from '../warranty-store.ts';

/**
 * In-memory WarrantyStore: for tests of other modules and for the contract suite's reference
 * behaviour. Values are copied in and out, so callers cannot edit stored records by reference.
 */
export class MemoryWarrantyStore implements WarrantyStore {
  private readonly units = new Map<string, Unit>();
  private readonly records = new Map<string, StoredRepairRecord[]>();
  private readonly outlets = new Map<string, Outlet>();
  private readonly technicians = new Map<string, Technician>();

  async registerUnit(unit: Unit): Promise<Unit> {
    if (this.units.has(unit.serial)) throw new WarrantyErrors.UnitExists(unit.serial);
    this.units.set(unit.serial, structuredClone(unit));
    this.records.set(unit.serial, []);
    return structuredClone(unit);
  }

  async setVerificationCodeHash(serial: string, hash: string): Promise<boolean> {
    const u = this.units.get(serial);
    if (!u) return false;
    u.verificationCodeHash = hash;
    return true;
  }

  async registerUnits(units: readonly Unit[]): Promise<Unit[]> {
    const seen = new Set<string>();
    for (const u of units) {
      if (this.units.has(u.serial) || seen.has(u.serial))
        throw new WarrantyErrors.UnitExists(u.serial);
      seen.add(u.serial);
    }
    const out: Unit[] = [];
    for (const u of units) out.push(await this.registerUnit(u));
    return out;
  }

  async unitsByDevice(deviceId: string): Promise<Unit[]> {
    return [...this.units.values()]
      .filter((u) => u.deviceId === deviceId)
      .sort((x, y) => (x.serial < y.serial ? -1 : 1))
      .map((u) => structuredClone(u));
  }

  async getUnit(serial: string): Promise<Unit | undefined> {
    const u = this.units.get(serial);
    return u && structuredClone(u);
  }

  async appendRepair(
    serial: string,
    body: RepairRecordBody,
    recordedAt: string,
  ): Promise<StoredRepairRecord> {
    const chain = this.records.get(serial);
    if (!chain) throw new WarrantyErrors.UnknownUnit(serial);
    if (body.corrects !== undefined && !chain.some((r) => r.seq === body.corrects))
      throw new WarrantyErrors.BadCorrection(String(body.corrects), serial, 'no such record');
    const rec = chainRecord(serial, chain.at(-1), structuredClone(body), recordedAt);
    chain.push(rec);
    return structuredClone(rec);
  }

  async listRepairs(serial: string): Promise<StoredRepairRecord[]> {
    if (!this.units.has(serial)) throw new WarrantyErrors.UnknownUnit(serial);
    return structuredClone(this.records.get(serial) ?? []);
  }

  async chainAnchor(serial: string): Promise<ChainAnchor | undefined> {
    const chain = this.records.get(serial);
    if (!chain) return undefined;
    const last = chain.at(-1);
    return { count: last?.seq ?? 0, head: last?.hash ?? GENESIS_HASH };
  }

  async verifyRepairs(
    serial: string,
    links: readonly LinkAnchor[] = [],
  ): Promise<ChainVerification> {
    const records = await this.listRepairs(serial);
    return verifyChain(records, (await this.chainAnchor(serial))!, links);
  }

  async saveOutlet(outlet: Outlet): Promise<Outlet> {
    this.outlets.set(outlet.id, structuredClone(outlet));
    return structuredClone(outlet);
  }

  async getOutlet(id: string): Promise<Outlet | undefined> {
    const o = this.outlets.get(id);
    return o && structuredClone(o);
  }

  async findOutletsByPhone(phone: string): Promise<Outlet[]> {
    const d = phoneDigits(phone);
    return [...this.outlets.values()]
      .filter((o) => d !== '' && o.servicePhone !== undefined && phoneDigits(o.servicePhone) === d)
      .map((o) => structuredClone(o));
  }

  async saveTechnician(t: Technician): Promise<Technician> {
    this.technicians.set(t.certificate, structuredClone(t));
    return structuredClone(t);
  }

  async getTechnician(certificate: string): Promise<Technician | undefined> {
    const t = this.technicians.get(certificate);
    return t && structuredClone(t);
  }

  async listOutlets(manufacturer?: string): Promise<Outlet[]> {
    return [...this.outlets.values()]
      .filter((o) => manufacturer === undefined || o.manufacturer === manufacturer)
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((o) => structuredClone(o));
  }

  async listTechnicians(manufacturer?: string): Promise<Technician[]> {
    return [...this.technicians.values()]
      .filter(
        (t) =>
          manufacturer === undefined ||
          (t.outletId !== undefined && this.outlets.get(t.outletId)?.manufacturer === manufacturer),
      )
      .sort((a, b) => (a.certificate < b.certificate ? -1 : a.certificate > b.certificate ? 1 : 0))
      .map((t) => structuredClone(t));
  }

  async listModels(manufacturer?: string): Promise<ProductModel[]> {
    const key = (m: ProductModel) => `${m.category}\u0000${m.model}`;
    return [...this.models.values()]
      .filter((m) => manufacturer === undefined || m.manufacturer === manufacturer)
      .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
      .map((m) => structuredClone(m));
  }

  async listParts(manufacturer?: string): Promise<GenuinePartInfo[]> {
    return [...this.parts.values()]
      .filter((p) => manufacturer === undefined || p.info.manufacturer === manufacturer)
      .sort((a, b) => (a.info.number < b.info.number ? -1 : a.info.number > b.info.number ? 1 : 0))
      .map((p) => ({ ...structuredClone(p.info), serialCount: p.serials.size }));
  }

  private readonly models = new Map<string, ProductModel>();
  private readonly parts = new Map<
    string,
    { info: Omit<GenuinePart, 'serials'>; serials: Set<string> }
  >();

  async saveModel(m: ProductModel): Promise<ProductModel> {
    this.models.set(`${m.category}\u0000${m.model}`, structuredClone(m));
    return structuredClone(m);
  }

  async getModel(category: string, model: string): Promise<ProductModel | undefined> {
    const m = this.models.get(`${category}\u0000${model}`);
    return m && structuredClone(m);
  }

  async savePart(p: GenuinePart): Promise<GenuinePartInfo> {
    const { serials, ...info } = p;
    const known = this.parts.get(p.number)?.serials ?? new Set<string>();
    for (const s of serials) known.add(s);
    this.parts.set(p.number, { info: structuredClone(info), serials: known });
    return { ...structuredClone(info), serialCount: known.size };
  }

  async getPart(number: string): Promise<GenuinePartInfo | undefined> {
    const p = this.parts.get(number);
    return p && { ...structuredClone(p.info), serialCount: p.serials.size };
  }

  async partSerialKnown(number: string, serial: string): Promise<boolean> {
    return this.parts.get(number)?.serials.has(serial) ?? false;
  }

  async hasParts(manufacturer: string): Promise<boolean> {
    return [...this.parts.values()].some((p) => p.info.manufacturer === manufacturer);
  }

  private readonly makerPolicies: StoredMakerPolicy[] = [];

  async appendMakerPolicy(
    policy: MakerPolicy,
    meta: { savedAt: string; savedBy?: string },
    expectedLatest: string | null,
  ): Promise<StoredMakerPolicy> {
    // No await between the check and the push: the append is atomic.
    const same = this.makerPoliciesWhere(policy);
    const conflict = appendConflict(same, policy, expectedLatest);
    if (conflict)
      throw new WarrantyErrors.PolicyVersionConflict(
        makerPolicyId(policy),
        policy.version,
        conflict,
      );
    const stored: StoredMakerPolicy = { ...structuredClone(policy), ...meta };
    this.makerPolicies.push(stored);
    return structuredClone(stored);
  }

  async listMakerPolicies(f: MakerPolicyFilter): Promise<StoredMakerPolicy[]> {
    return this.makerPoliciesWhere(f);
  }

  private makerPoliciesWhere(f: MakerPolicyFilter): StoredMakerPolicy[] {
    return this.makerPolicies
      .filter(
        (p) =>
          (f.manufacturer === undefined || p.manufacturer === f.manufacturer) &&
          (f.category === undefined || p.category === f.category) &&
          (f.model === undefined || p.model === f.model),
      )
      .sort(compareMakerPolicies)
      .map((p) => structuredClone(p));
  }

  async close(): Promise<void> {}
}
