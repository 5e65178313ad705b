import { adminRole } from "../product/settings.js";
import type { OperationContext } from "./context.js";
import { tenantSettings } from "./settings.js";
import { requireTenant } from "./tenants.js";
import { requireUser, userSummary } from "./users.js";
import { userProduct } from "./views.js";
import { currentRoleSource } from "./roles.js";
import type { Me } from "../contracts/admin-api.js";

/** `GET /api/me`: who is signed in, their teams and role (and why), the tenant, and the CSRF token. */
export async function me(ctx: OperationContext, session: { userId: string; csrfToken: string }): Promise<Me> {
  const tenant = await requireTenant(ctx.services, ctx.tenantId);
  const settings = await tenantSettings(ctx);
  const doc = await requireUser(ctx, session.userId);
  const user = await userSummary(ctx, doc, settings);
  return {
    user: { ...user, roleSource: await currentRoleSource(ctx, userProduct(doc, settings).roleSource) },
    tenant: { id: tenant.id, name: tenant.name, entraTenantId: tenant.entraTenantId ?? null },
    isAdmin: user.role === adminRole(settings),
    csrfToken: session.csrfToken,
    tenantUrl: ctx.baseUrl,
  };
}
