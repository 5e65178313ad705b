import { SCIM_PREFIX } from "../../../shared/http/paths.js";
import {
  EXPIRY_WARNING_DAYS,
  createToken,
  listTokens,
  revokeToken,
  tokenExpiry,
  type TokenInfo,
} from "../../../shared/operations/tokens.js";
import type { Command, OptionTable } from "./command.js";
import { UsageError, many, optional, required, tenantContext } from "./command.js";

export const tokenOptions: OptionTable = {
  expires: { type: "string" },
  audience: { type: "string", multiple: true },
  id: { type: "string" },
};

/** The Tenant URL a token is for: the service's URL up to /scim/v2, as pasted into Entra. */
function parseAudience(text: string | boolean | undefined): string | undefined {
  if (text === undefined || typeof text === "boolean") return undefined;
  const example = `https://contoso-scim.azurewebsites.net/${SCIM_PREFIX}`;
  let url: URL | undefined;
  try {
    url = new URL(text.trim());
  } catch {
    url = undefined;
  }
  const path = url?.pathname.replace(/\/+$/, "").toLowerCase();
  if (!url || !/^https?:$/.test(url.protocol) || path !== `/${SCIM_PREFIX}`) {
    throw new UsageError(`--audience must be the Tenant URL entered in Entra, such as ${example} (got "${text}")`);
  }
  return text.trim();
}

const inDays = (days: number) =>
  days < 0 ? "expired" : days === 0 ? "in less than a day" : days === 1 ? "in 1 day" : `in ${days} days`;

const accepted = (audience: string | null) =>
  audience ? `accepted only at ${audience}` : "accepted at any Tenant URL";

function describeToken(t: TokenInfo): string {
  const line = [
    t.id,
    t.name,
    t.status,
    `created ${t.createdAt}`,
    t.expiresAt ? `expires ${t.expiresAt} (${inDays(t.expiresInDays!)})` : "no expiry",
    `last used ${t.lastUsedAt ?? "never"}`,
    ...(t.revokedAt ? [`revoked ${t.revokedAt}`] : []),
    accepted(t.audience),
  ].join("  ");
  if (!t.expiresSoon) return line;
  return (
    `${line}\n  WARNING: token ${t.id} (${t.name}) expires ${inDays(t.expiresInDays!)}. Create a new token, paste it into ` +
    "Entra, then revoke this one: an expired token puts the Entra provisioning job into quarantine."
  );
}

export const tokenCommands: Record<string, Command> = {
  "token create": async (args, svc, now) => {
    const name = required(args, "name");
    const expiresAt = tokenExpiry(optional(args, "expires"), now);
    const audiences = many(args, "audience");
    if (audiences.length > 1) throw new UsageError("a token has one --audience (its Tenant URL)");
    const audience = parseAudience(audiences[0]);
    const ctx = await tenantContext(args, svc, now);
    const tenantId = ctx.tenantId;
    const { token, secret } = await createToken(ctx, { name, expiresAt, audience });
    return {
      data: {
        id: token.id,
        token: secret,
        expiresAt: token.expiresAt,
        name: token.name,
        tenantId,
        ...(token.audience ? { audience: token.audience } : {}),
      },
      text:
        `Token ${token.id} (${name}) for tenant ${tenantId}, expires ${token.expiresAt} (${inDays(token.expiresInDays!)}), ${accepted(token.audience)}.\n` +
        `Secret Token (shown once; paste it into Entra): ${secret}`,
    };
  },
  "token list": async (args, svc, now) => {
    const tokens = await listTokens(await tenantContext(args, svc, now));
    const soon = tokens.filter((t) => t.expiresSoon).length;
    return {
      data: tokens,
      text:
        tokens.length === 0
          ? "No tokens."
          : tokens.map(describeToken).join("\n") +
            (soon > 0 ? `\n${soon} active token(s) expire within ${EXPIRY_WARNING_DAYS} days: rotate them.` : ""),
    };
  },
  "token revoke": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const tenantId = ctx.tenantId;
    const token = await revokeToken(ctx, required(args, "id"));
    return {
      data: token,
      text: `Revoked token ${token.id} (${token.name}) of tenant ${tenantId} at ${token.revokedAt}; requests with it get 401 within 5 seconds.`,
    };
  },
};
