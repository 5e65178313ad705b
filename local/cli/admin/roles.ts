import { listRoles, mapRole, unmapRole } from "../../../shared/operations/roles.js";
import type { MappedGroupView } from "../../../shared/operations/settings.js";
import type { Command, OptionTable } from "./command.js";
import { required, tenantContext } from "./command.js";

/** Roles: which groups grant which role. A mapping keeps its group's id; the lists show the group's current name. */

const jobsNote = (tenantId: string, jobs: { id: string; groupId: string }[]) =>
  jobs.length
    ? `\nLarge group(s): recomputing in the background, job(s) ${jobs.map((j) => j.id).join(", ")} (progress: npm run admin -- jobs list --tenant ${tenantId}).`
    : "";

/** A mapped group in one line: its current name, id and member count, or what it waits for. */
export const groupLine = (g: MappedGroupView) =>
  g.pending
    ? `"${g.group}" (pending: binds to the group Entra creates with that name or object ID)`
    : g.groupId
      ? `${g.groupName} (${g.groupId}, ${g.members} member${g.members === 1 ? "" : "s"})`
      : `${g.group} (deleted group)`;

export const roleOptions: OptionTable = {
  group: { type: "string" },
  role: { type: "string" },
  pending: { type: "boolean" },
};

export const roleCommands: Record<string, Command> = {
  "role list": async (args, svc, now) => {
    const data = await listRoles(await tenantContext(args, svc, now));
    const lines = [
      `Roles (lowest first): ${data.roles.join(" < ")}; default ${data.defaultRole}`,
      ...data.mappings.map((m) => `  ${groupLine(m)} -> ${m.role}`),
    ];
    return { data, text: lines.join("\n") };
  },

  "role map": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const group = required(args, "group");
    const {
      mappings,
      recomputedUsers,
      jobs,
      role,
      group: bound,
      pending,
    } = await mapRole(ctx, group, required(args, "role"), { pending: args.pending === true });
    const text = pending
      ? `No group "${group}" is provisioned yet: the mapping to ${role} is pending and binds to the group Entra creates with that name or object ID.`
      : `Group ${bound!.name} (${bound!.id}) now grants ${role}; recomputed the role of ${recomputedUsers} member(s).${jobsNote(ctx.tenantId, jobs)}`;
    return { data: { mappings, recomputedUsers, jobs, group: bound, pending }, text };
  },

  "role unmap": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const data = await unmapRole(ctx, required(args, "group"));
    const names = data.groups.map((g) => (g.pending ? `"${g.group}" (pending)` : (g.groupName ?? g.group))).join(", ");
    return {
      data,
      text: `Removed the role mapping of group ${names}; recomputed ${data.recomputedUsers} member(s).${jobsNote(ctx.tenantId, data.jobs)}`,
    };
  },
};
