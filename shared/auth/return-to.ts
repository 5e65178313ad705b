/** Where a sign-in lands when no (acceptable) `returnTo` was given. */
export const DEFAULT_RETURN_TO = "/portal/";

/**
 * The `returnTo` of `GET /auth/login`, if it is a same-site absolute path under `/portal`, else
 * the default. Refuses scheme-relative (`//evil`), backslash (`/\evil`, browsers read `\` as `/`),
 * absolute URLs, control characters, encoded slashes or backslashes and dot segments, so the
 * redirect after sign-in can never leave the site.
 */
export function safeReturnTo(value: string | null | undefined): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) return DEFAULT_RETURN_TO;
  if (!/^\/portal(?:[/?#]|$)/.test(value)) return DEFAULT_RETURN_TO;
  // Only printable ASCII without backslash: no tabs/newlines (stripped by URL parsers), no `\`.
  if (!/^[\x21-\x5b\x5d-\x7e]+$/.test(value)) return DEFAULT_RETURN_TO;
  if (/%(?:2f|5c|2e|00)/i.test(value)) return DEFAULT_RETURN_TO;
  const path = value.split(/[?#]/, 1)[0]!;
  if (path.split("/").some((segment) => segment === "." || segment === "..")) return DEFAULT_RETURN_TO;
  // Belt and braces: resolved against a placeholder origin it must stay on that origin and path.
  const resolved = new URL(value, "https://site.invalid");
  if (resolved.origin !== "https://site.invalid" || !resolved.pathname.startsWith("/portal")) return DEFAULT_RETURN_TO;
  return value;
}
