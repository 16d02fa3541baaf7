import type { Sql } from '../../core/index.ts';
import {
  phoneDigits,
  type GenuinePart,
  type GenuinePartInfo,
  type Outlet,
  type ProductModel,
  type PriceListSchema,
  type Technician,
} from '../registry-schema.ts';
import type { z } from 'zod';

/**
 * Outlets and technicians on the relational database (migration 102), used by SqlWarrantyStore.
 */
interface OutletRow {
  id: string;
  name: string;
  manufacturer: string | null;
  address: string | null;
  service_phone: string | null;
  authorized_from: string;
  authorized_to: string | null;
  price_list: z.infer<typeof PriceListSchema> | string | null;
}

interface TechnicianRow {
  certificate: string;
  name: string;
  outlet_id: string | null;
  valid_from: string;
  valid_to: string | null;
}

/** Copies the non-null entries of `pairs` into an object (absent optional fields stay absent). */
function defined<T>(pairs: Array<[string, unknown]>): T {
  return Object.fromEntries(pairs.filter(([, v]) => v !== null && v !== undefined)) as T;
}

const toOutlet = (r: OutletRow): Outlet =>
  defined<Outlet>([
    ['id', r.id],
    ['name', r.name],
    ['manufacturer', r.manufacturer],
    ['address', r.address],
    ['servicePhone', r.service_phone],
    ['authorizedFrom', r.authorized_from],
    ['authorizedTo', r.authorized_to],
    ['priceList', typeof r.price_list === 'string' ? JSON.parse(r.price_list) : r.price_list],
  ]);

const toTechnician = (r: TechnicianRow): Technician =>
  defined<Technician>([
    ['certificate', r.certificate],
    ['name', r.name],
    ['outletId', r.outlet_id],
    ['validFrom', r.valid_from],
    ['validTo', r.valid_to],
  ]);

export async function saveOutletSql(sql: Sql, o: Outlet): Promise<Outlet> {
  const r = await sql.query<OutletRow>(
    `INSERT INTO warranty_outlets (id, name, manufacturer, address, service_phone, service_phone_digits, authorized_from, authorized_to, price_list)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, manufacturer = EXCLUDED.manufacturer, address = EXCLUDED.address,
       service_phone = EXCLUDED.service_phone, service_phone_digits = EXCLUDED.service_phone_digits,
       authorized_from = EXCLUDED.authorized_from, authorized_to = EXCLUDED.authorized_to, price_list = EXCLUDED.price_list
     RETURNING *`,
    [
      o.id,
      o.name,
      o.manufacturer ?? null,
      o.address ?? null,
      o.servicePhone ?? null,
      o.servicePhone ? phoneDigits(o.servicePhone) : null,
      o.authorizedFrom,
      o.authorizedTo ?? null,
      o.priceList ? JSON.stringify(o.priceList) : null,
    ],
  );
  return toOutlet(r.rows[0] as OutletRow);
}

export async function getOutletSql(sql: Sql, id: string): Promise<Outlet | undefined> {
  const r = await sql.query<OutletRow>('SELECT * FROM warranty_outlets WHERE id = $1', [id]);
  return r.rows[0] && toOutlet(r.rows[0]);
}

export async function findOutletsByPhoneSql(sql: Sql, phone: string): Promise<Outlet[]> {
  const d = phoneDigits(phone);
  if (d === '') return [];
  const r = await sql.query<OutletRow>(
    'SELECT * FROM warranty_outlets WHERE service_phone_digits = $1 ORDER BY id',
    [d],
  );
  return r.rows.map(toOutlet);
}

export async function saveTechnicianSql(sql: Sql, t: Technician): Promise<Technician> {
  const r = await sql.query<TechnicianRow>(
    `INSERT INTO warranty_technicians (certificate, name, outlet_id, valid_from, valid_to) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (certificate) DO UPDATE SET name = EXCLUDED.name, outlet_id = EXCLUDED.outlet_id,
       valid_from = EXCLUDED.valid_from, valid_to = EXCLUDED.valid_to
     RETURNING *`,
    [t.certificate, t.name, t.outletId ?? null, t.validFrom, t.validTo ?? null],
  );
  return toTechnician(r.rows[0] as TechnicianRow);
}

export async function getTechnicianSql(
  sql: Sql,
  certificate: string,
): Promise<Technician | undefined> {
  const r = await sql.query<TechnicianRow>(
    'SELECT * FROM warranty_technicians WHERE certificate = $1',
    [certificate],
  );
  return r.rows[0] && toTechnician(r.rows[0]);
}

export async function listOutletsSql(sql: Sql, manufacturer?: string): Promise<Outlet[]> {
  const r = await sql.query<OutletRow>(
    'SELECT * FROM warranty_outlets WHERE $1::text IS NULL OR manufacturer = $1 ORDER BY id',
    [manufacturer ?? null],
  );
  return r.rows.map(toOutlet);
}

export async function listTechniciansSql(sql: Sql, manufacturer?: string): Promise<Technician[]> {
  const r = await sql.query<TechnicianRow>(
    `SELECT t.* FROM warranty_technicians t
       WHERE $1::text IS NULL
          OR EXISTS (SELECT 1 FROM warranty_outlets o WHERE o.id = t.outlet_id AND o.manufacturer = $1)
       ORDER BY t.certificate COLLATE "C"`,
    [manufacturer ?? null],
  );
  return r.rows.map(toTechnician);
}

interface ModelRow {
  category: string;
  model: string;
  manufacturer: string;
  main_parts: string[] | string;
  policy_id: string | null;
}

const toModel = (r: ModelRow): ProductModel =>
  defined<ProductModel>([
    ['manufacturer', r.manufacturer],
    ['category', r.category],
    ['model', r.model],
    ['mainParts', typeof r.main_parts === 'string' ? JSON.parse(r.main_parts) : r.main_parts],
    ['policyId', r.policy_id],
  ]);

export async function saveModelSql(sql: Sql, m: ProductModel): Promise<ProductModel> {
  const r = await sql.query<ModelRow>(
    `INSERT INTO warranty_models (category, model, manufacturer, main_parts, policy_id)
     VALUES ($1, $2, $3, $4::jsonb, $5)
     ON CONFLICT (category, model) DO UPDATE SET manufacturer = EXCLUDED.manufacturer,
       main_parts = EXCLUDED.main_parts, policy_id = EXCLUDED.policy_id
     RETURNING *`,
    [m.category, m.model, m.manufacturer, JSON.stringify(m.mainParts), m.policyId ?? null],
  );
  return toModel(r.rows[0] as ModelRow);
}

export async function getModelSql(
  sql: Sql,
  category: string,
  model: string,
): Promise<ProductModel | undefined> {
  const r = await sql.query<ModelRow>(
    'SELECT * FROM warranty_models WHERE category = $1 AND model = $2',
    [category, model],
  );
  return r.rows[0] && toModel(r.rows[0]);
}

export async function listModelsSql(sql: Sql, manufacturer?: string): Promise<ProductModel[]> {
  const r = await sql.query<ModelRow>(
    `SELECT * FROM warranty_models WHERE $1::text IS NULL OR manufacturer = $1
       ORDER BY category COLLATE "C", model COLLATE "C"`,
    [manufacturer ?? null],
  );
  return r.rows.map(toModel);
}

interface PartRow {
  number: string;
  name: string;
  manufacturer: string;
  component: string | null;
  serial_count: number;
}

const toPart = (r: PartRow): GenuinePartInfo =>
  defined<GenuinePartInfo>([
    ['number', r.number],
    ['name', r.name],
    ['manufacturer', r.manufacturer],
    ['component', r.component],
    ['serialCount', r.serial_count],
  ]);

export async function savePartSql(sql: Sql, p: GenuinePart): Promise<GenuinePartInfo> {
  return sql.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO warranty_parts (number, name, manufacturer, component) VALUES ($1, $2, $3, $4)
       ON CONFLICT (number) DO UPDATE SET name = EXCLUDED.name, manufacturer = EXCLUDED.manufacturer,
         component = EXCLUDED.component`,
      [p.number, p.name, p.manufacturer, p.component ?? null],
    );
    if (p.serials.length)
      await tx.query(
        `INSERT INTO warranty_part_serials (number, serial)
         SELECT $1, s FROM unnest($2::text[]) AS s ON CONFLICT DO NOTHING`,
        [p.number, p.serials],
      );
    return (await getPartSql(tx, p.number))!;
  });
}

export async function getPartSql(sql: Sql, number: string): Promise<GenuinePartInfo | undefined> {
  const r = await sql.query<PartRow>(
    `SELECT p.*, (SELECT count(*)::int FROM warranty_part_serials s WHERE s.number = p.number) AS serial_count
       FROM warranty_parts p WHERE p.number = $1`,
    [number],
  );
  return r.rows[0] && toPart(r.rows[0]);
}

export async function listPartsSql(sql: Sql, manufacturer?: string): Promise<GenuinePartInfo[]> {
  const r = await sql.query<PartRow>(
    `SELECT p.*, (SELECT count(*)::int FROM warranty_part_serials s WHERE s.number = p.number) AS serial_count
       FROM warranty_parts p WHERE $1::text IS NULL OR p.manufacturer = $1 ORDER BY p.number COLLATE "C"`,
    [manufacturer ?? null],
  );
  return r.rows.map(toPart);
}

export async function partSerialKnownSql(
  sql: Sql,
  number: string,
  serial: string,
): Promise<boolean> {
  const r = await sql.query(
    'SELECT 1 FROM warranty_part_serials WHERE number = $1 AND serial = $2',
    [number, serial],
  );
  return r.rows.length > 0;
}

export async function hasPartsSql(sql: Sql, manufacturer: string): Promise<boolean> {
  const r = await sql.query('SELECT 1 FROM warranty_parts WHERE manufacturer = $1 LIMIT 1', [
    manufacturer,
  ]);
  return r.rows.length > 0;
}
