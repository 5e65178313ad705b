import { listRoles, mapRole, unmapRole } from "../../shared/operations/roles.js";
import type { Command, OptionTable } from "./command.js";
import { required, tenantContext } from "./command.js";

/** Roles: which groups grant which role. */

export const roleOptions: OptionTable = { group: { type: "string" }, role: { type: "string" } };

export const roleCommands: Record<string, Command> = {
  "role list": async (args, svc, now) => {
    const data = await listRoles(await tenantContext(args, svc, now));
    const lines = [`Roles (lowest first): ${data.roles.join(" < ")}; default ${data.defaultRole}`, ...data.mappings.map((m) => `  group ${m.group} -> ${m.role}`)];
    return { data, text: lines.join("\n") };
  },

  "role map": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const group = required(args, "group");
    const { mappings, recomputedUsers, role } = await mapRole(ctx, group, required(args, "role"));
    return { data: { mappings, recomputedUsers }, text: `Group ${group} now grants ${role}; recomputed the role of ${recomputedUsers} member(s).` };
  },

  "role unmap": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const group = required(args, "group");
    const data = await unmapRole(ctx, group);
    return { data, text: `Removed the role mapping of group ${group}; recomputed ${data.recomputedUsers} member(s).` };
  },
};
