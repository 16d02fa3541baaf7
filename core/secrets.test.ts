import { describe, expect, it } from 'vitest';
import { generateSecret, VerifiedSecrets } from './secrets.ts';

describe('generateSecret', () => {
  it('gives URL-safe secrets of the asked size that never start with a dash (an option on a command line)', () => {
    // A base64url string starts with '-' once in 64: 5,000 draws would show ~78 of them.
    const secrets = Array.from({ length: 5000 }, () => generateSecret());
    expect(secrets.filter((s) => s.startsWith('-'))).toEqual([]);
    expect(new Set(secrets).size).toBe(5000);
    for (const s of secrets.slice(0, 50)) expect(s).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{42}$/);
    expect(generateSecret(24)).toHaveLength(32);
  });
});

describe('VerifiedSecrets', () => {
  it('answers only the remembered secret of a device', () => {
    const v = new VerifiedSecrets<string>();
    const s = generateSecret();
    v.remember('d1', s, 'device 1', v.generation);
    expect(v.get('d1', s)).toBe('device 1');
    expect(v.get('d1', generateSecret())).toBeUndefined();
    expect(v.get('d2', s)).toBeUndefined();
  });

  it('forgets a device, and drops a check that began before any forget', () => {
    const v = new VerifiedSecrets<string>();
    const s = generateSecret();
    v.remember('d1', s, 'x', v.generation);
    const since = v.generation; // a check of d2 starts reading…
    v.forget('d1'); // …while d1 is disabled or re-keyed
    expect(v.get('d1', s)).toBeUndefined();
    v.remember('d2', s, 'y', since);
    expect(v.get('d2', s)).toBeUndefined();
    v.remember('d2', s, 'y', v.generation);
    expect(v.get('d2', s)).toBe('y');
  });

  it('forgets every device at once, and drops checks that began before', () => {
    const v = new VerifiedSecrets<string>();
    const s = generateSecret();
    v.remember('d1', s, 'x', v.generation);
    const since = v.generation;
    v.forgetAll();
    expect(v.size).toBe(0);
    expect(v.get('d1', s)).toBeUndefined();
    v.remember('d2', s, 'y', since);
    expect(v.get('d2', s)).toBeUndefined();
  });

  it('keeps at most `max` devices, dropping the least recently used', () => {
    const v = new VerifiedSecrets<number>(3);
    const s = ['a', 'b', 'c', 'd'].map(() => generateSecret());
    for (let i = 0; i < 3; i++) v.remember(`d${i}`, s[i]!, i, v.generation);
    expect(v.get('d0', s[0]!)).toBe(0); // d0 is now the most recently used
    v.remember('d3', s[3]!, 3, v.generation);
    expect(v.size).toBe(3);
    expect(v.get('d1', s[1]!)).toBeUndefined();
    expect([v.get('d0', s[0]!), v.get('d2', s[2]!), v.get('d3', s[3]!)]).toEqual([0, 2, 3]);
  });

  it('remembers nothing with max 0', () => {
    const v = new VerifiedSecrets<number>(0);
    v.remember('d', 'secret', 1, v.generation);
    expect(v.size).toBe(0);
  });
});
