import { apiFunction } from "../shared/http/admin.js";
import { teamsOverview } from "../shared/operations/admin-portal.js";

/** GET /api/admin/teams: every team, its source, member count and mapped groups. */
export const listApiTeams = apiFunction("api-teams-list", { methods: ["GET"], route: "admin/teams" }, async (req) => ({
  body: await teamsOverview(req.context),
}));
