import { apiFunction } from "../shared/http/admin.js";
import { deleteTeam } from "../shared/operations/teams.js";

/** POST /api/admin/teams/{id}/delete: removes a product team (by id or name) and its team mappings in one write. */
export const deleteApiTeam = apiFunction(
  "api-teams-delete",
  { methods: ["POST"], route: "admin/teams/{id}/delete" },
  async (req) => ({
    body: await deleteTeam(req.context, req.params.id!),
  }),
);
