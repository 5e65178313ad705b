import { apiFunction } from "../shared/http/admin.js";
import { listTeams } from "../shared/operations/teams.js";

/** GET /api/admin/teams: every team, its source, member count and mapped groups (by current name, with member counts). */
export const listApiTeams = apiFunction("api-teams-list", { methods: ["GET"], route: "admin/teams" }, async (req) => ({
  body: await listTeams(req.context),
}));
