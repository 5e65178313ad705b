import { apiFunction } from "../shared/http/admin.js";
import { revokeInvite } from "../shared/operations/admins.js";

/** POST /api/admin/invites/{id}/revoke: deletes an open invite; its link no longer signs anyone in. */
export const revokeApiInvite = apiFunction(
  "api-invites-revoke",
  { methods: ["POST"], route: "admin/invites/{id}/revoke" },
  async (req) => ({
    body: await revokeInvite(req.context, req.params.id!),
  }),
);
