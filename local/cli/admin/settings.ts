import { parseLoginTypes } from "../../../shared/product/settings.js";
import { setLoginTypes } from "../../../shared/operations/login-types.js";
import { setRetention } from "../../../shared/operations/tenants.js";
import type { Command, OptionTable } from "./command.js";
import { positive, required, tenantContext, usage } from "./command.js";

/** A tenant's settings: retention, login types. */

export const settingsOptions: OptionTable = {
  types: { type: "string" },
  "retention-days": { type: "string" },
  "audit-retention-days": { type: "string" },
};

export const settingsCommands: Record<string, Command> = {
  "tenant set": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const s = await setRetention(ctx, {
      deletedUserRetentionDays: positive(args, "retention-days", undefined, 3650),
      auditRetentionDays: positive(args, "audit-retention-days", undefined, 3650),
    });
    return {
      data: s,
      text: `Deleted users are kept ${s.deletedUserRetentionDays} days; provisioning log events ${s.auditRetentionDays} days.`,
    };
  },

  "login-types set": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const s = await setLoginTypes(
      ctx,
      usage(() => parseLoginTypes(required(args, "types"))),
    );
    return { data: s, text: `Login types of tenant ${ctx.tenantId}: ${s.loginTypes.join(", ")}` };
  },
};
