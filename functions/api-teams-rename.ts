import { apiFunction, stringField } from "../shared/http/admin.js";
import { renameTeam } from "../shared/operations/teams.js";

/** POST /api/admin/teams/{id}/rename {name}: a new name for a product team (by id or name); its mappings and members stay. */
export const renameApiTeam = apiFunction(
  "api-teams-rename",
  { methods: ["POST"], route: "admin/teams/{id}/rename" },
  async (req) => {
    const name = stringField(await req.body(), "name", {
      required: true,
      hint: "the team's new name, at most 100 characters",
    });
    return { body: await renameTeam(req.context, req.params.id!, name) };
  },
);
