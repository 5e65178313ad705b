import { apiFunction, stringField } from "../shared/http/admin.js";
import { pendingFlag } from "../shared/operations/roles.js";
import { mapTeam } from "../shared/operations/teams.js";

/** POST /api/admin/teams/map {group, team, pending?}: puts a group's members into an existing team. */
export const mapApiTeam = apiFunction("api-teams-map", { methods: ["POST"], route: "admin/teams/map" }, async (req) => {
  const body = await req.body();
  const group = stringField(body, "group", { required: true, hint: "a group's id, displayName or externalId" });
  const team = stringField(body, "team", { required: true, hint: "a team's id or name" });
  return { body: await mapTeam(req.context, group, team, { pending: pendingFlag(body.pending) }) };
});
