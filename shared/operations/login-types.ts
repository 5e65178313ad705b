import { LOGIN_TYPES, type LoginType } from "../product/settings.js";
import type { OperationContext } from "./context.js";
import { OperationError } from "./errors.js";
import { logged } from "./audit-trail.js";
import { tenantSettings, updateSettings } from "./settings.js";
import type { LoginTypes } from "../contracts/admin-api.js";

/**
 * What switching a login type off changes, per type: `users`, the active users who have it (a
 * password, an Object ID), and `onlyThisType`, those of them without the other type, who then
 * cannot sign in at all.
 */
type LoginTypeUsers = Record<LoginType, { users: number; onlyThisType: number }>;

/** The login types (account types) the tenant enables: password, Entra ID, or both; and how many users each one signs in. */
export async function getLoginTypes(ctx: OperationContext): Promise<LoginTypes> {
  const [settings, counts] = await Promise.all([
    tenantSettings(ctx),
    ctx.services.resources.countLoginMethods(ctx.tenantId),
  ]);
  const users: LoginTypeUsers = {
    password: { users: counts.password, onlyThisType: counts.password - counts.both },
    entra: { users: counts.entra, onlyThisType: counts.entra - counts.both },
  };
  return { loginTypes: settings.loginTypes, available: [...LOGIN_TYPES], users };
}

/** Sets the tenant's login types; at least one stays enabled. */
export async function setLoginTypes(ctx: OperationContext, types: string[]): Promise<Pick<LoginTypes, "loginTypes">> {
  const wanted = [...new Set(types.map((t) => t.trim().toLowerCase()).filter(Boolean))];
  if (wanted.length === 0)
    throw new OperationError(422, `at least one login type must stay enabled: ${LOGIN_TYPES.join(", ")}`, "loginTypes");
  const unknown = wanted.filter((t) => !LOGIN_TYPES.includes(t as LoginType));
  if (unknown.length > 0)
    throw new OperationError(
      400,
      `unknown login type "${unknown[0]}"; the types are ${LOGIN_TYPES.join(", ")}`,
      "loginTypes",
    );
  return logged(ctx, { operation: "login-types", resourceType: "Tenant", resourceId: ctx.tenantId }, async (trail) => {
    trail.changedAttributes = ["loginTypes"];
    const s = await updateSettings(ctx, (cur) => ({ ...cur, loginTypes: wanted as LoginType[] }));
    return { loginTypes: s.loginTypes };
  });
}
