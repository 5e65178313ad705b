import { createTenant, listTenants } from "../../../shared/operations/tenants.js";
import type { Command, OptionTable } from "./command.js";
import { required } from "./command.js";

export const tenantOptions: OptionTable = { name: { type: "string" } };

export const tenantCommands: Record<string, Command> = {
  "tenant create": async (args, svc) => {
    const tenant = await createTenant(svc, required(args, "name"));
    return { data: tenant, text: `Created tenant ${tenant.id} (${tenant.name})` };
  },
  "tenant list": async (_args, svc) => {
    const tenants = await listTenants(svc);
    return {
      data: tenants,
      text: tenants.map((t) => `${t.id}  ${t.name}  created ${t.createdAt}`).join("\n") || "No tenants.",
    };
  },
};
