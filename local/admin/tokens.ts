import type { Command, OptionTable } from "./command.js";
import { UsageError, required, requireTenant } from "./command.js";

export const tokenOptions: OptionTable = { expires: { type: "string" } };

function parseExpiry(text: string | boolean | undefined, now: Date): Date | undefined {
  if (text === undefined || typeof text === "boolean") return undefined;
  const t = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(t)) {
    throw new UsageError(`--expires must be an ISO date-time such as 2027-01-31T00:00:00Z (got "${text}")`);
  }
  if (t <= now.getTime()) throw new UsageError(`--expires must be in the future (got ${text})`);
  return new Date(t);
}

export const tokenCommands: Record<string, Command> = {
  "token create": async (args, svc, now) => {
    const name = required(args, "name");
    const expiresAt = parseExpiry(args.expires, now);
    const tenantId = await requireTenant(args, svc);
    const { token, secret } = await svc.tenants.createToken(tenantId, name, now, { expiresAt });
    return {
      data: { id: token.id, token: secret, expiresAt: token.expiresAt ?? null, name: token.name, tenantId },
      text:
        `Token ${token.id} (${name}) for tenant ${tenantId}${token.expiresAt ? `, expires ${token.expiresAt}` : ", no expiry"}.\n` +
        `Secret Token (shown once; paste it into Entra): ${secret}`,
    };
  },
  "token list": async (args, svc, now) => {
    const tokens = await svc.tenants.listTokens(await requireTenant(args, svc), now);
    return {
      data: tokens,
      text:
        tokens.map((t) => `${t.id}  ${t.name}  ${t.status}  created ${t.createdAt}  expires ${t.expiresAt ?? "never"}`).join("\n") ||
        "No tokens.",
    };
  },
};
