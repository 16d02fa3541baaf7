import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, openPglite } from '../core/db.ts';
import {
  createOwnerCodes,
  generateOwnerCode,
  loadOwnerCodeKey,
  normalizeOwnerCode,
} from './owner-codes.ts';

describe('owner verification codes', () => {
  it('are 10 Crockford base32 characters (50 bits), and read forgivingly', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const c = generateOwnerCode();
      expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
      seen.add(c);
    }
    expect(seen.size).toBe(1000);
    expect(normalizeOwnerCode(' 7kq2m-9xpda ')).toBe('7KQ2M9XPDA');
    expect(normalizeOwnerCode('O1IL0')).toBe('01110');
    const codes = createOwnerCodes('k'.repeat(32));
    const c = generateOwnerCode();
    expect(codes.matches(c.toLowerCase().replace('-', ' '), codes.hash(c))).toBe(true);
    expect(codes.matches(generateOwnerCode(), codes.hash(c))).toBe(false);
    // Another key, another hash: the database alone cannot test codes.
    expect(createOwnerCodes('j'.repeat(32)).matches(c, codes.hash(c))).toBe(false);
  });

  it('re-keys legacy SHA-256 hashes at start: the old code still works, the bare hash is gone', async () => {
    const sql = await openPglite();
    try {
      await migrate(sql);
      const legacy = createHash('sha256').update('000000').digest('hex');
      await sql.query(
        `INSERT INTO warranty_units (serial, category, model, invoice_date, verification_code_hash)
         VALUES ('OLD-1', 'tv', 'x', '2024-01-01', $1), ('NEW-1', 'tv', 'x', '2024-01-01', NULL)`,
        [legacy],
      );
      const codes = createOwnerCodes('k'.repeat(32));
      expect(await codes.rekeyLegacy(sql)).toBe(1);
      expect(await codes.rekeyLegacy(sql)).toBe(0); // once
      const { rows } = await sql.query<{ h: string }>(
        "SELECT verification_code_hash AS h FROM warranty_units WHERE serial = 'OLD-1'",
      );
      expect(rows[0]!.h).toMatch(/^h0:[0-9a-f]{64}$/);
      expect(rows[0]!.h).not.toContain(legacy);
      expect(codes.matches('000000', rows[0]!.h)).toBe(true);
      expect(codes.matches('000001', rows[0]!.h)).toBe(false);
    } finally {
      await sql.close();
    }
  });

  it('keeps its key in DATA_DIR (made once, owner-only), unless one is configured', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sanbao-key-'));
    try {
      const k1 = await loadOwnerCodeKey(dir);
      expect(k1).toMatch(/^[0-9a-f]{64}$/);
      expect(await loadOwnerCodeKey(dir)).toBe(k1);
      expect((await readFile(path.join(dir, 'owner-code.key'), 'utf8')).trim()).toBe(k1);
      expect(await loadOwnerCodeKey(dir, 'c'.repeat(40))).toBe('c'.repeat(40));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
