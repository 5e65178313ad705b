import { apiFunction } from "../shared/http/admin.js";
import { previewTeamDelete } from "../shared/operations/teams.js";

/** GET /api/admin/teams/{id}/delete-preview: how many team mappings and users deleting the team affects; nothing written. */
export const previewApiTeamDelete = apiFunction(
  "api-teams-delete-preview",
  { methods: ["GET"], route: "admin/teams/{id}/delete-preview" },
  async (req) => ({
    body: await previewTeamDelete(req.context, req.params.id!),
  }),
);
