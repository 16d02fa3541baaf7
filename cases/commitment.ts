import { z } from 'zod';
import { ShortText } from './text.ts';

/**
 * A maker's published service commitment: how fast it answers and fulfils (GB/T 18760-2025's
 * 及时响应; the 2024 campaign asks makers to publish their after-sales rules). Versions are
 * append-only, like its 三包 policies; the version in force when a case opens applies to it.
 * A commitment can only bring a legal deadline forward: where the law sets one, the earlier of
 * the two applies (CAR21 Art. 4 ¶2 and P95 Art. 4 make the rules a minimum). Where no law sets
 * one (consultations, complaints, answers to goods claims), the maker's word is the deadline.
 */
const Term = z.object({
  value: z.number().int().min(1).max(60),
  clause: z.string().trim().min(1).max(100).describe('the article of the maker’s own text'),
});

export const CommitmentSchema = z
  .object({
    manufacturer: z.string().trim().min(1).max(128),
    version: z.string().trim().min(1).max(32),
    effectiveFrom: z.iso.date(),
    title: ShortText.describe('the published document, cited with each deadline it sets'),
    terms: z
      .object({
        answerWorkingDays: Term.optional().describe('answer to a 三包 claim'),
        fulfilWorkingDays: Term.optional().describe('repair, exchange or return carried out'),
        complaintWorkingDays: Term.optional().describe('answer to a complaint'),
        consultationWorkingDays: Term.optional().describe('answer to a consultation'),
      })
      .strict()
      .refine((t) => Object.keys(t).length > 0, 'at least one term'),
  })
  .meta({ id: 'CaseServiceCommitment' });
export type Commitment = z.infer<typeof CommitmentSchema>;
export type CommitmentTerm = keyof Commitment['terms'];

/** The version in force on `date`: the latest effective on or before it. */
export function commitmentInForce(
  versions: readonly Commitment[],
  date: string,
): Commitment | undefined {
  let best: Commitment | undefined;
  for (const v of versions)
    if (v.effectiveFrom <= date && (!best || v.effectiveFrom > best.effectiveFrom)) best = v;
  return best;
}

/** Why `c` cannot be appended after `existing` (the same maker's versions), or undefined. */
export function appendConflict(existing: readonly Commitment[], c: Commitment): string | undefined {
  if (existing.some((v) => v.version === c.version)) return 'the version label is taken';
  const latest = existing.reduce<string | undefined>(
    (m, v) => (m === undefined || v.effectiveFrom > m ? v.effectiveFrom : m),
    undefined,
  );
  if (latest !== undefined && c.effectiveFrom <= latest)
    return `it must take effect after the latest version (${latest})`;
  return undefined;
}
