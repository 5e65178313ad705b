/**
 * Whether an If-Match header (RFC 7232 §3.1; RFC 7644 §3.14) lets a write of a resource at
 * `version` go ahead: no header or "*" always does; otherwise one of its entity tags must name
 * the version (weak comparison: `W/` and quotes aside).
 */
export function ifMatchHolds(ifMatch: string | undefined, version: string): boolean {
  if (ifMatch === undefined || ifMatch.trim() === "*") return true;
  const bare = (tag: string) => tag.trim().replace(/^W\//, "").replace(/"/g, "");
  return ifMatch.split(",").map(bare).includes(bare(version));
}
