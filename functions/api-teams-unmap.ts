import { apiFunction, stringField } from "../shared/http/admin.js";
import { unmapTeam } from "../shared/operations/teams.js";

/** POST /api/admin/teams/unmap {group}: the group becomes a team of its own again. */
export const unmapApiTeam = apiFunction(
  "api-teams-unmap",
  { methods: ["POST"], route: "admin/teams/unmap" },
  async (req) => {
    const group = stringField(await req.body(), "group", { required: true, hint: "the group of a team mapping" });
    return { body: await unmapTeam(req.context, group) };
  },
);
