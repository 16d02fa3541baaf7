import { z } from 'zod';

/**
 * Free text from owners and staff (descriptions, answers, reasons, survey comments). It is kept
 * exactly as written — HTML included, as text: pages put it in text nodes and mails go out as
 * text/plain, so `<script>` is shown, never run. Refused with the field named: empty after
 * trimming, longer than the field allows, control characters other than tab and line breaks
 * (U+0000 included), and lone surrogates (not text at all).
 */
// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/** A surrogate that is not half of a pair (the regex works on UTF-16 code units). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function freeText(max: number) {
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), 'control characters are not allowed')
    .refine((s) => !LONE_SURROGATE.test(s), 'not well-formed text (a lone surrogate)');
}

/** A one-line name (a person, an outlet, an assignee). */
export const ShortText = freeText(120).refine((s) => !/[\r\n]/.test(s), 'one line only');

/** Text in both languages, as rules and findings carry it. */
export const TextPairSchema = z.object({ zh: z.string(), en: z.string() });
export type TextPair = z.infer<typeof TextPairSchema>;
export const t = (zh: string, en: string): TextPair => ({ zh, en });

/**
 * An optional field that also takes `null` for absent (the project's boundary rule); in the
 * OpenAPI document it is `T | null`.
 */
export const opt = <T extends z.ZodType>(s: T) =>
  s.nullish().transform((v): z.output<T> | undefined => v ?? undefined);
