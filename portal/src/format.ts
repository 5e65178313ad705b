const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateOnly.format(d);
}

/** "5 minutes ago", "3 days ago" relative to now. */
export function fmtAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (s < 60) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? "" : "s"} ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} hour${h === 1 ? "" : "s"} ago`;
  const d = Math.round(h / 24);
  return `${d} days ago`;
}

export function fmtPercent(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
}

export const loginTypeLabel: Record<string, string> = { password: "Password", entra: "Entra ID" };

export function loginTypes(types: string[] | undefined): string {
  if (!types || types.length === 0) return "None";
  return types.map((t) => loginTypeLabel[t] ?? t).join(", ");
}

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** yyyy-mm-dd of the date one year from today (local calendar). */
export function oneYearFromToday(today = new Date()): string {
  const d = new Date(today.getFullYear() + 1, today.getMonth(), today.getDate());
  return isoDate(d);
}

export function isoDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

const jobKinds: Record<string, string> = { "recompute-roles": "Recompute roles", "delete-group": "Remove memberships" };
const jobReasons: Record<string, string> = {
  "role-map": "group mapped to a role",
  "role-unmap": "role mapping removed",
  rename: "group renamed",
  delete: "group deleted",
};

/** What a background job does and why, e.g. "Recompute roles — group renamed". */
export function jobTitle(kind: string, reason: string): string {
  return `${jobKinds[kind] ?? kind} — ${jobReasons[reason] ?? reason}`;
}

/** "120 of 2,000 members" (the total is known once the job's first step counted them). */
export function jobProgress(processed: number, total: number | undefined): string {
  const n = (x: number) => x.toLocaleString("en-US");
  return total === undefined
    ? `${n(processed)} members`
    : `${n(processed)} of ${n(total)} member${total === 1 ? "" : "s"}`;
}
