import { apiFunction } from "../shared/http/admin.js";
import { removeEntraLogin } from "../shared/operations/user-detail.js";

/** DELETE /api/admin/users/{id}/entra: removes the Entra login type and Object ID, and ends the user's sessions. */
export const removeApiUserEntra = apiFunction(
  "api-users-entra-remove",
  { methods: ["DELETE"], route: "admin/users/{id}/entra" },
  async (req) => ({
    body: await removeEntraLogin(req.context, req.params.id!),
  }),
);
