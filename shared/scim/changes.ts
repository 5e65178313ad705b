import type { WireResource } from "./resource.js";
import { isObject } from "./json.js";

/**
 * The attributes that differ between two versions of a resource, as the provisioning log names
 * them: top-level names, one level down into singular complex and extension objects
 * (`name.givenName`, `urn:...:enterprise:2.0:User:employeeNumber`).
 */
export function changedAttributes(before: WireResource | undefined, after: WireResource | undefined): string[] {
  const out: string[] = [];
  const a = before ?? {};
  const b = after ?? {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (key === "schemas" || JSON.stringify(a[key]) === JSON.stringify(b[key])) continue;
    const x = a[key];
    const y = b[key];
    if (isObject(x) || isObject(y)) {
      const xs = isObject(x) ? x : {};
      const ys = isObject(y) ? y : {};
      const sep = key.startsWith("urn:") ? ":" : ".";
      for (const sub of new Set([...Object.keys(xs), ...Object.keys(ys)])) {
        if (JSON.stringify(xs[sub]) !== JSON.stringify(ys[sub])) out.push(`${key}${sep}${sub}`);
      }
    } else out.push(key);
  }
  return out.sort();
}
