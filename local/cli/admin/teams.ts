import { createTeam, deleteTeam, listTeams, mapTeam, renameTeam, unmapTeam } from "../../../shared/operations/teams.js";
import type { Command, OptionTable } from "./command.js";
import { required, tenantContext } from "./command.js";
import { groupLine } from "./roles.js";

/** Teams: provisioned groups, and groups mapped onto teams of the product's own (by id; shown by current name). */

export const teamOptions: OptionTable = { team: { type: "string" } };

export const teamCommands: Record<string, Command> = {
  "team create": async (args, svc, now) => {
    const team = await createTeam(await tenantContext(args, svc, now), required(args, "name"));
    return { data: team, text: `Created team ${team.id} (${team.name})` };
  },

  "team rename": async (args, svc, now) => {
    const data = await renameTeam(await tenantContext(args, svc, now), required(args, "team"), required(args, "name"));
    return {
      data,
      text: `Renamed team ${data.previousName} to ${data.team.name} (${data.team.id}); its mappings and members are unchanged.`,
    };
  },

  "team delete": async (args, svc, now) => {
    const data = await deleteTeam(await tenantContext(args, svc, now), required(args, "team"));
    const groups = data.groups.map((g) => g.groupName ?? g.group).join(", ");
    const text = `Deleted team ${data.team.name} (${data.team.id}) and its ${data.mappingsRemoved} team mapping${data.mappingsRemoved === 1 ? "" : "s"}${groups ? ` (${groups})` : ""}: ${data.users} user${data.users === 1 ? "" : "s"} left the team.`;
    return { data, text };
  },

  "team map": async (args, svc, now) => {
    const group = required(args, "group");
    const data = await mapTeam(await tenantContext(args, svc, now), group, required(args, "team"), {
      pending: args.pending === true,
    });
    const text = data.pending
      ? `No group "${group}" is provisioned yet: the mapping to team ${data.team.name} is pending and binds to the group Entra creates with that name or object ID.`
      : `Members of group ${data.groupName} (${data.group}) are in team ${data.team.name}.`;
    return { data, text };
  },

  "team unmap": async (args, svc, now) => {
    const data = await unmapTeam(await tenantContext(args, svc, now), required(args, "group"));
    return { data, text: `Group ${data.groupName ?? data.group} is its own team again.` };
  },

  "team list": async (args, svc, now) => {
    const data = await listTeams(await tenantContext(args, svc, now));
    const lines = data.teams.map((t) =>
      t.source === "entra"
        ? `${t.id}  ${t.name}  (provisioned group, ${t.members} member${t.members === 1 ? "" : "s"})`
        : `${t.id}  ${t.name}  (${t.members} member${t.members === 1 ? "" : "s"})${t.groups.length ? `  <- groups ${t.groups.map(groupLine).join(", ")}` : ""}`,
    );
    return { data, text: lines.join("\n") || "No teams." };
  },
};
