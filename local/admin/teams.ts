import { createTeam, listTeams, mapTeam, unmapTeam } from "../../shared/operations/teams.js";
import type { Command, OptionTable } from "./command.js";
import { required, tenantContext } from "./command.js";

/** Teams: provisioned groups, and groups mapped onto teams of the product's own. */

export const teamOptions: OptionTable = { team: { type: "string" } };

export const teamCommands: Record<string, Command> = {
  "team create": async (args, svc, now) => {
    const team = await createTeam(await tenantContext(args, svc, now), required(args, "name"));
    return { data: team, text: `Created team ${team.id} (${team.name})` };
  },

  "team map": async (args, svc, now) => {
    const data = await mapTeam(await tenantContext(args, svc, now), required(args, "group"), required(args, "team"));
    return { data, text: `Members of group ${data.group} are in team ${data.team.name}.` };
  },

  "team unmap": async (args, svc, now) => {
    const data = await unmapTeam(await tenantContext(args, svc, now), required(args, "group"));
    return { data, text: `Group ${data.group} is its own team again.` };
  },

  "team list": async (args, svc, now) => {
    const data = await listTeams(await tenantContext(args, svc, now));
    const lines = [
      ...data.teams.map((t) => `${t.id}  ${t.name}${t.groups.length ? `  <- groups ${t.groups.join(", ")}` : ""}`),
      ...data.provisionedTeams.map((t) => `${t.id}  ${String(t.name)}  (provisioned group)`),
    ];
    return { data, text: lines.join("\n") || "No teams." };
  },
};
