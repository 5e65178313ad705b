import { apiFunction } from "../shared/http/admin.js";
import { clientView, revokeOAuthSecret } from "../shared/operations/oauth.js";

/** POST /api/admin/oauth/clients/{clientId}/secrets/{secretId}/revoke: access tokens issued from it stop working within 5 seconds. */
export const revokeApiOAuthSecret = apiFunction(
  "api-oauth-secrets-revoke",
  { methods: ["POST"], route: "admin/oauth/clients/{clientId}/secrets/{secretId}/revoke" },
  async (req) => ({
    body: { client: clientView(await revokeOAuthSecret(req.context, req.params.clientId!, req.params.secretId!)) },
  }),
);
