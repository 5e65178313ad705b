import { withDefaults, type TenantSettings } from "../product/settings.js";
import type { OperationContext } from "./context.js";

/** The tenant's settings with defaults filled in (cached for at most 5 s unless `fresh`). */
export async function tenantSettings(ctx: OperationContext, options: { fresh?: boolean } = {}): Promise<TenantSettings> {
  return withDefaults((await ctx.services.settings.get(ctx.tenantId, ctx.now, options)) as Partial<TenantSettings>);
}

/** Read-modify-write of the tenant's settings; returns the new settings. */
export async function updateSettings(ctx: OperationContext, change: (current: TenantSettings) => TenantSettings): Promise<TenantSettings> {
  return withDefaults(
    (await ctx.services.settings.update(ctx.tenantId, (stored) => ({ ...change(withDefaults(stored as Partial<TenantSettings>)) }))) as Partial<TenantSettings>,
  );
}
