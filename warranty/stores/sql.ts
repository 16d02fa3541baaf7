import type { Sql } from '../../core/index.ts';
import { WarrantyErrors } from '../errors.ts';
import { chainRecord, verifyChain } from '../hash-chain.ts';
import type {
  ChainAnchor,
  ChainVerification,
  LinkAnchor,
  RepairRecordBody,
  StoredRepairRecord,
  Unit,
} from '../repair-record-schema.ts';
import type {
  GenuinePart,
  GenuinePartInfo,
  Outlet,
  ProductModel,
  Technician,
} from '../registry-schema.ts';
import type { MakerPolicy, MakerPolicyFilter, StoredMakerPolicy } from '../maker-policy.ts';
import type { WarrantyStore } from '../warranty-store.ts';
import { appendMakerPolicySql, listMakerPoliciesSql } from './sql-maker-policies.ts';
import {
  findOutletsByPhoneSql,
  getModelSql,
  getOutletSql,
  getPartSql,
  getTechnicianSql,
  hasPartsSql,
  listOutletsSql,
  listModelsSql,
  listPartsSql,
  listTechniciansSql,
  partSerialKnownSql,
  saveModelSql,
  saveOutletSql,
  savePartSql,
  saveTechnicianSql,
} from './sql-registry.ts';

/**
 * WarrantyStore on the relational database (PGlite or PostgreSQL, migration 100). Appends lock
 * the unit row so two concurrent appends cannot both take the same seq; the primary key
 * (serial, seq) is the last line of defence.
 */
interface UnitRow {
  serial: string;
  category: string;
  model: string;
  manufacturer: string | null;
  device_id: string | null;
  invoice_date: string;
  delivery_date: string | null;
  installation_completed_date: string | null;
  exchange_date: string | null;
  price_cny: number | null;
  seller: string | null;
  owner_contact_hash: string | null;
  owner_id: string | null;
  verification_code_hash: string | null;
  production_batch: string | null;
  production_date: string | null;
  components: Unit['components'] | string | null;
}

interface RecordRow {
  serial: string;
  seq: number;
  recorded_at: string;
  body: RepairRecordBody | string;
  prev_hash: string;
  hash: string;
}

const UNIT_COLUMNS: Array<[keyof UnitRow, keyof Unit]> = [
  ['serial', 'serial'],
  ['category', 'category'],
  ['model', 'model'],
  ['manufacturer', 'manufacturer'],
  ['device_id', 'deviceId'],
  ['invoice_date', 'invoiceDate'],
  ['delivery_date', 'deliveryDate'],
  ['installation_completed_date', 'installationCompletedDate'],
  ['exchange_date', 'exchangeDate'],
  ['price_cny', 'priceCNY'],
  ['seller', 'seller'],
  ['owner_contact_hash', 'ownerContactHash'],
  ['owner_id', 'ownerId'],
  ['verification_code_hash', 'verificationCodeHash'],
  ['production_batch', 'productionBatch'],
  ['production_date', 'productionDate'],
  ['components', 'components'],
];

function toUnit(row: UnitRow): Unit {
  const out: Record<string, unknown> = {};
  for (const [col, key] of UNIT_COLUMNS) if (row[col] !== null) out[key] = row[col];
  if (typeof row.components === 'string') out.components = JSON.parse(row.components);
  return out as Unit;
}

const toRecord = (r: RecordRow): StoredRepairRecord => ({
  serial: r.serial,
  seq: r.seq,
  recordedAt: r.recorded_at,
  body: typeof r.body === 'string' ? (JSON.parse(r.body) as RepairRecordBody) : r.body,
  prevHash: r.prev_hash,
  hash: r.hash,
});

export class SqlWarrantyStore implements WarrantyStore {
  constructor(private readonly sql: Sql) {}

  async registerUnit(unit: Unit): Promise<Unit> {
    const values = UNIT_COLUMNS.map(([, key]) =>
      key === 'components' && unit.components
        ? JSON.stringify(unit.components)
        : (unit[key] ?? null),
    );
    const cols = UNIT_COLUMNS.map(([c]) => c).join(', ');
    const params = UNIT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
    const r = await this.sql.query<UnitRow>(
      `INSERT INTO warranty_units (${cols}) VALUES (${params}) ON CONFLICT (serial) DO NOTHING RETURNING *`,
      values,
    );
    const row = r.rows[0];
    if (!row) throw new WarrantyErrors.UnitExists(unit.serial);
    return toUnit(row);
  }

  async setVerificationCodeHash(serial: string, hash: string): Promise<boolean> {
    const r = await this.sql.query(
      'UPDATE warranty_units SET verification_code_hash = $2 WHERE serial = $1 RETURNING serial',
      [serial, hash],
    );
    return r.rows.length > 0;
  }

  async registerUnits(units: readonly Unit[]): Promise<Unit[]> {
    return this.sql.transaction(async (tx) => {
      const inner = new SqlWarrantyStore(tx);
      const out: Unit[] = [];
      for (const u of units) out.push(await inner.registerUnit(u));
      return out;
    });
  }

  async unitsByDevice(deviceId: string): Promise<Unit[]> {
    const r = await this.sql.query<UnitRow>(
      'SELECT * FROM warranty_units WHERE device_id = $1 ORDER BY serial',
      [deviceId],
    );
    return r.rows.map(toUnit);
  }

  async getUnit(serial: string): Promise<Unit | undefined> {
    const r = await this.sql.query<UnitRow>('SELECT * FROM warranty_units WHERE serial = $1', [
      serial,
    ]);
    return r.rows[0] && toUnit(r.rows[0]);
  }

  async appendRepair(
    serial: string,
    body: RepairRecordBody,
    recordedAt: string,
  ): Promise<StoredRepairRecord> {
    return this.sql.transaction(async (tx) => {
      // The unit row is locked, and its anchor is the chain's last link: a record deleted
      // behind the API's back leaves a gap that the next record does not paper over.
      const unit = await tx.query<{ chain_count: number; chain_head: string }>(
        'SELECT chain_count, chain_head FROM warranty_units WHERE serial = $1 FOR UPDATE',
        [serial],
      );
      const anchor = unit.rows[0];
      if (!anchor) throw new WarrantyErrors.UnknownUnit(serial);
      if (body.corrects !== undefined) {
        const target = await tx.query(
          'SELECT 1 FROM warranty_repair_records WHERE serial = $1 AND seq = $2',
          [serial, body.corrects],
        );
        if (target.rows.length === 0)
          throw new WarrantyErrors.BadCorrection(String(body.corrects), serial, 'no such record');
      }
      const last =
        anchor.chain_count > 0 ? { seq: anchor.chain_count, hash: anchor.chain_head } : undefined;
      const rec = chainRecord(serial, last, body, recordedAt);
      // kind and corrects are computed from the body (migration 302): nothing outside the hash.
      await tx.query(
        `INSERT INTO warranty_repair_records (serial, seq, recorded_at, body, prev_hash, hash)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6)`,
        [serial, rec.seq, recordedAt, JSON.stringify(body), rec.prevHash, rec.hash],
      );
      await tx.query(
        'UPDATE warranty_units SET chain_count = $2, chain_head = $3 WHERE serial = $1',
        [serial, rec.seq, rec.hash],
      );
      return rec;
    });
  }

  async listRepairs(serial: string): Promise<StoredRepairRecord[]> {
    const r = await this.sql.query<RecordRow>(
      'SELECT serial, seq, recorded_at, body, prev_hash, hash FROM warranty_repair_records WHERE serial = $1 ORDER BY seq',
      [serial],
    );
    // Records exist only for a registered unit (foreign key): the unit is looked up only when
    // there are none, to tell "no records" from "no such unit" (one query less per lookup).
    if (r.rows.length === 0 && !(await this.getUnit(serial)))
      throw new WarrantyErrors.UnknownUnit(serial);
    return r.rows.map(toRecord);
  }

  async chainAnchor(serial: string): Promise<ChainAnchor | undefined> {
    const r = await this.sql.query<{ chain_count: number; chain_head: string }>(
      'SELECT chain_count, chain_head FROM warranty_units WHERE serial = $1',
      [serial],
    );
    const row = r.rows[0];
    return row && { count: row.chain_count, head: row.chain_head };
  }

  async verifyRepairs(
    serial: string,
    links: readonly LinkAnchor[] = [],
  ): Promise<ChainVerification> {
    const anchor = await this.chainAnchor(serial);
    if (!anchor) throw new WarrantyErrors.UnknownUnit(serial);
    return verifyChain(await this.listRepairs(serial), anchor, links);
  }

  saveOutlet(outlet: Outlet): Promise<Outlet> {
    return saveOutletSql(this.sql, outlet);
  }

  getOutlet(id: string): Promise<Outlet | undefined> {
    return getOutletSql(this.sql, id);
  }

  findOutletsByPhone(phone: string): Promise<Outlet[]> {
    return findOutletsByPhoneSql(this.sql, phone);
  }

  saveTechnician(t: Technician): Promise<Technician> {
    return saveTechnicianSql(this.sql, t);
  }

  getTechnician(certificate: string): Promise<Technician | undefined> {
    return getTechnicianSql(this.sql, certificate);
  }

  /** The database belongs to whoever opened it: closing the store does not close it. */
  listOutlets(manufacturer?: string): Promise<Outlet[]> {
    return listOutletsSql(this.sql, manufacturer);
  }

  listTechnicians(manufacturer?: string): Promise<Technician[]> {
    return listTechniciansSql(this.sql, manufacturer);
  }

  listModels(manufacturer?: string): Promise<ProductModel[]> {
    return listModelsSql(this.sql, manufacturer);
  }

  listParts(manufacturer?: string): Promise<GenuinePartInfo[]> {
    return listPartsSql(this.sql, manufacturer);
  }

  saveModel(m: ProductModel): Promise<ProductModel> {
    return saveModelSql(this.sql, m);
  }

  getModel(category: string, model: string): Promise<ProductModel | undefined> {
    return getModelSql(this.sql, category, model);
  }

  savePart(p: GenuinePart): Promise<GenuinePartInfo> {
    return savePartSql(this.sql, p);
  }

  getPart(number: string): Promise<GenuinePartInfo | undefined> {
    return getPartSql(this.sql, number);
  }

  partSerialKnown(number: string, serial: string): Promise<boolean> {
    return partSerialKnownSql(this.sql, number, serial);
  }

  hasParts(manufacturer: string): Promise<boolean> {
    return hasPartsSql(this.sql, manufacturer);
  }

  appendMakerPolicy(
    policy: MakerPolicy,
    meta: { savedAt: string; savedBy?: string },
    expectedLatest: string | null,
  ): Promise<StoredMakerPolicy> {
    return appendMakerPolicySql(this.sql, policy, meta, expectedLatest);
  }

  listMakerPolicies(filter: MakerPolicyFilter): Promise<StoredMakerPolicy[]> {
    return listMakerPoliciesSql(this.sql, filter);
  }

  async close(): Promise<void> {}
}
