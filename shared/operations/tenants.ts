import type { Tenant } from "../store/tenants.js";
import type { Services, OperationContext } from "./context.js";
import { OperationError } from "./errors.js";
import { logged } from "./audit-trail.js";
import { updateSettings } from "./settings.js";

/** Tenants: the operator's operations (the CLI), not a tenant's own. */

export async function createTenant(services: Services, name: string): Promise<Tenant> {
  if (name.trim() === "") throw new OperationError(400, "--name is required", "name");
  return services.tenants.create(name.trim(), services.now());
}

export const listTenants = (services: Services) => services.tenants.list();

/** The tenant, or 404 naming how to find the right id. */
export async function requireTenant(services: Services, tenantId: string): Promise<Tenant> {
  const tenant = tenantId ? await services.tenants.get(tenantId) : undefined;
  if (!tenant) throw new OperationError(404, `no tenant with id ${tenantId} (see: tenant list)`, "tenant");
  return tenant;
}

const MAX_RETENTION_DAYS = 3650;

/** Sets how long deleted users and provisioning-log events are kept (days, 1 to 3650). */
export async function setRetention(
  ctx: OperationContext,
  change: { deletedUserRetentionDays?: number; auditRetentionDays?: number },
) {
  const given = Object.entries(change).filter(([, v]) => v !== undefined);
  if (given.length === 0) throw new OperationError(400, "name a setting: --retention-days or --audit-retention-days");
  for (const [key, days] of given) {
    if (!Number.isInteger(days) || (days as number) < 1 || (days as number) > MAX_RETENTION_DAYS)
      throw new OperationError(400, `${key} must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}`, key);
  }
  return logged(ctx, { operation: "settings", resourceType: "Tenant", resourceId: ctx.tenantId }, async (trail) => {
    trail.changedAttributes = given.map(([k]) => k);
    const s = await updateSettings(ctx, (cur) => ({ ...cur, ...Object.fromEntries(given) }));
    return { deletedUserRetentionDays: s.deletedUserRetentionDays, auditRetentionDays: s.auditRetentionDays };
  });
}
