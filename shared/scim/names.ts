/**
 * The names that identify a resource within a tenant: a User's `userName` and a Group's
 * `displayName` (both `uniqueness: "server"`, `caseExact: false`; RFC 7643 §4.1.1, §4.2).
 */

export const NAME_LIMITS = {
  /**
   * Characters (Unicode code points) in a userName or group displayName. Covers every real value:
   * an email address is at most 254 characters (RFC 5321), an Entra userPrincipalName at most 113,
   * an Entra group displayName at most 256.
   */
  maxLength: 256,
} as const;

const CONTROL = /\p{Cc}/u;
const EDGE_SPACE = /^\s|\s$/u;

/**
 * Why a userName / group displayName is not acceptable, or undefined when it is: it must not
 * contain control characters (U+0000-U+001F, U+007F-U+009F), must not begin or end with
 * whitespace (it is not trimmed: values come back exactly as sent, RFC 7643 §2.1, or Entra sees
 * a difference every cycle), and is at most NAME_LIMITS.maxLength code points long.
 */
export function nameProblem(value: string): string | undefined {
  const length = [...value].length;
  if (length > NAME_LIMITS.maxLength) return `is ${length} characters long; the limit is ${NAME_LIMITS.maxLength}`;
  const control = CONTROL.exec(value);
  if (control) {
    const code = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
    return `contains the control character U+${code} at position ${control.index}`;
  }
  if (EDGE_SPACE.test(value)) return `begins or ends with whitespace (${JSON.stringify(value)}); send it without`;
  return undefined;
}

/**
 * The case-insensitive key of a userName or group displayName (RFC 7643 §2.1 caseExact false),
 * under which uniqueness is enforced and lookups match. The rule: Unicode NFKC normalisation,
 * then case folding approximated as `toUpperCase()` followed by `toLowerCase()` (which gives the
 * full case folding of, e.g., "ß" → "ss" and "ﬁ" → "fi", and maps "K" (Kelvin sign) and "ſ" to
 * "k" and "s"), with the final sigma "ς" folded to "σ" as case folding does (toLowerCase makes a word-final
 * "Σ" into "ς"), then NFKC again, so the key is stable under re-normalisation. Compatibility
 * variants (full-width "Ａ", ligatures, superscripts) fold to their plain letters. Locale-
 * independent: no Turkish dotless-i rules. The store uses it for every case-insensitive
 * comparison: lookup records (userName, group displayName) and the normalised copy filters use.
 */
export function foldUserName(value: string): string {
  return value.normalize("NFKC").toUpperCase().toLowerCase().replace(/ς/g, "σ").normalize("NFKC");
}
