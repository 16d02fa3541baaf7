import type { Sql } from '../../core/index.ts';
import { WarrantyErrors } from '../errors.ts';
import {
  appendConflict,
  makerPolicyId,
  type MakerPolicy,
  type MakerPolicyFilter,
  type StoredMakerPolicy,
} from '../maker-policy.ts';

/**
 * Makers' policy versions on the relational database (migration 105), used by SqlWarrantyStore.
 * An append takes a transaction-scoped advisory lock on the model's policy id, so two saves of
 * the same model are serialised and the ordering rule (`appendConflict`) holds under concurrency;
 * the unique keys are the last line of defence.
 */
interface Row {
  body: MakerPolicy | string;
  saved_at: string;
  saved_by: string | null;
}

const toStored = (r: Row): StoredMakerPolicy => ({
  ...((typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as MakerPolicy),
  savedAt: r.saved_at,
  ...(r.saved_by === null ? {} : { savedBy: r.saved_by }),
});

export async function listMakerPoliciesSql(
  sql: Sql,
  f: MakerPolicyFilter,
): Promise<StoredMakerPolicy[]> {
  const r = await sql.query<Row>(
    `SELECT body, saved_at, saved_by FROM warranty_maker_policies
      WHERE ($1::text IS NULL OR manufacturer = $1) AND ($2::text IS NULL OR category = $2)
        AND ($3::text IS NULL OR model = $3)
      ORDER BY manufacturer COLLATE "C", category COLLATE "C", model COLLATE "C", effective_from`,
    [f.manufacturer ?? null, f.category ?? null, f.model ?? null],
  );
  return r.rows.map(toStored);
}

export async function appendMakerPolicySql(
  sql: Sql,
  p: MakerPolicy,
  meta: { savedAt: string; savedBy?: string },
  expectedLatest: string | null,
): Promise<StoredMakerPolicy> {
  const id = makerPolicyId(p);
  return sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [id]);
    const conflict = appendConflict(await listMakerPoliciesSql(tx, p), p, expectedLatest);
    if (conflict) throw new WarrantyErrors.PolicyVersionConflict(id, p.version, conflict);
    const r = await tx.query<Row>(
      `INSERT INTO warranty_maker_policies
         (manufacturer, category, model, version, effective_from, body, saved_at, saved_by)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)
       RETURNING body, saved_at, saved_by`,
      [
        p.manufacturer,
        p.category,
        p.model,
        p.version,
        p.effectiveFrom,
        JSON.stringify(p),
        meta.savedAt,
        meta.savedBy ?? null,
      ],
    );
    return toStored(r.rows[0] as Row);
  });
}
