import { listRoles, mapRole, unmapRole } from "../../shared/operations/roles.js";
import type { Command, OptionTable } from "./command.js";
import { required, tenantContext } from "./command.js";

/** Roles: which groups grant which role. */

const jobsNote = (tenantId: string, jobs: { id: string; groupId: string }[]) =>
  jobs.length
    ? `\nLarge group(s): recomputing in the background, job(s) ${jobs.map((j) => j.id).join(", ")} (progress: npm run admin -- jobs list --tenant ${tenantId}).`
    : "";

export const roleOptions: OptionTable = { group: { type: "string" }, role: { type: "string" } };

export const roleCommands: Record<string, Command> = {
  "role list": async (args, svc, now) => {
    const data = await listRoles(await tenantContext(args, svc, now));
    const lines = [
      `Roles (lowest first): ${data.roles.join(" < ")}; default ${data.defaultRole}`,
      ...data.mappings.map((m) => `  group ${m.group} -> ${m.role}`),
    ];
    return { data, text: lines.join("\n") };
  },

  "role map": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const group = required(args, "group");
    const { mappings, recomputedUsers, jobs, role } = await mapRole(ctx, group, required(args, "role"));
    return {
      data: { mappings, recomputedUsers, jobs },
      text: `Group ${group} now grants ${role}; recomputed the role of ${recomputedUsers} member(s).${jobsNote(ctx.tenantId, jobs)}`,
    };
  },

  "role unmap": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const group = required(args, "group");
    const data = await unmapRole(ctx, group);
    return { data, text: `Removed the role mapping of group ${group}; recomputed ${data.recomputedUsers} member(s).${jobsNote(ctx.tenantId, data.jobs)}` };
  },
};
