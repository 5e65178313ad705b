import { apiFunction } from "../shared/http/admin.js";
import { clientView, listOAuthClients, oauthEndpoints } from "../shared/operations/oauth.js";

/** GET /api/admin/oauth: the values to paste into Entra (Tenant URL, token endpoint, scope) and the tenant's OAuth clients. */
export const getApiOAuth = apiFunction("api-oauth-get", { methods: ["GET"], route: "admin/oauth" }, async (req) => ({
  body: {
    tenantUrl: req.context.baseUrl,
    ...oauthEndpoints(req.origin),
    clients: (await listOAuthClients(req.context)).map(clientView),
  },
}));
