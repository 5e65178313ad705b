import { apiFunction } from "../shared/http/admin.js";
import { clientView, revokeOAuthClient } from "../shared/operations/oauth.js";

/** POST /api/admin/oauth/clients/{clientId}/revoke: its access tokens stop working within 5 seconds. */
export const revokeApiOAuthClient = apiFunction(
  "api-oauth-clients-revoke",
  { methods: ["POST"], route: "admin/oauth/clients/{clientId}/revoke" },
  async (req) => ({ body: { client: clientView(await revokeOAuthClient(req.context, req.params.clientId!)) } }),
);
