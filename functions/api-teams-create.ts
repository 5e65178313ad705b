import { apiFunction, stringField } from "../shared/http/admin.js";
import { createTeam } from "../shared/operations/teams.js";

/** POST /api/admin/teams {name}: a team of the product's own. */
export const createApiTeam = apiFunction(
  "api-teams-create",
  { methods: ["POST"], route: "admin/teams" },
  async (req) => {
    const name = stringField(await req.body(), "name", {
      required: true,
      hint: "the team's name, for example Consultants",
    });
    return { status: 201, body: { team: await createTeam(req.context, name) } };
  },
);
