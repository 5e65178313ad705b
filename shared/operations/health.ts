import type { OperationContext } from "./context.js";
import { entraCredentials, tokenView } from "./tokens.js";
import type { Health } from "../contracts/admin-api.js";

const HOUR = 3600_000;

/** `GET /api/admin/health`: is Entra provisioning working, and what needs attention. */
export async function connectionHealth(ctx: OperationContext): Promise<Health> {
  const now = ctx.now.getTime();
  const { tokens, clients, ids } = await entraCredentials(ctx);
  const week = (
    await ctx.services.auditLog.since(ctx.tenantId, new Date(now - 7 * 24 * HOUR).toISOString(), ctx.now)
  ).sort((a, b) => (a.time < b.time ? 1 : -1));
  const fromEntra = week.filter((e) => ids.has(e.tokenId));
  const day = fromEntra.filter((e) => Date.parse(e.time) >= now - 24 * HOUR);
  const failures24h = day.filter((e) => e.status >= 400).length;
  const lastUsed = [...tokens.map((t) => t.lastUsedAt), ...clients.map((c) => c.lastUsedAt)].filter(
    (t): t is string => t !== null,
  );
  const lastRequestAt = [...lastUsed, ...(fromEntra[0] ? [fromEntra[0].time] : [])].sort().pop() ?? null;
  const patchDialects = { default: 0, rfc: 0 };
  const ignored = new Map<string, { attribute: string; count: number; lastSeen: string }>();
  for (const e of week) {
    if (e.operation === "patch" && e.patchDialect) patchDialects[e.patchDialect]++;
    for (const attribute of e.ignoredAttributes ?? []) {
      const entry = ignored.get(attribute) ?? { attribute, count: 0, lastSeen: e.time };
      entry.count++;
      if (e.time > entry.lastSeen) entry.lastSeen = e.time;
      ignored.set(attribute, entry);
    }
  }
  return {
    lastRequestAt,
    lastSuccessAt: fromEntra.find((e) => e.status < 400)?.time ?? null,
    requests24h: day.length,
    failures24h,
    failureShare: day.length ? Math.round((failures24h / day.length) * 1000) / 1000 : 0,
    patchDialects,
    expiringTokens: tokens.filter((t) => t.expiresSoon).map(tokenView),
    activeTokens: tokens.filter((t) => t.status === "active").length,
    activeOAuthClients: clients.filter((c) => c.status === "active").length,
    oauthSecretsExpiring: clients.flatMap((c) =>
      c.status === "active"
        ? c.secrets
            .filter((s) => s.expiresSoon)
            .map((s) => ({
              clientId: c.clientId,
              clientName: c.name,
              secretId: s.id,
              expiresAt: s.expiresAt,
              expiresInDays: s.expiresInDays,
            }))
        : [],
    ),
    ignoredAttributes: [...ignored.values()]
      .sort((a, b) => b.count - a.count || a.attribute.localeCompare(b.attribute))
      .slice(0, 50),
    objectIdConflicts: await ctx.services.resources.objectIdConflicts(ctx.tenantId, 50),
  };
}
