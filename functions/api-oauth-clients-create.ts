import { apiFunction, integerField, stringField } from "../shared/http/admin.js";
import { clientView, createOAuthClient, oauthEndpoints } from "../shared/operations/oauth.js";

/** POST /api/admin/oauth/clients {name, accessTokenLifetimeMinutes?}: a client and its first secret, shown in this response only. */
export const createApiOAuthClient = apiFunction(
  "api-oauth-clients-create",
  { methods: ["POST"], route: "admin/oauth/clients" },
  async (req) => {
    const body = await req.body();
    const name = stringField(body, "name", {
      required: true,
      hint: "a name for the client, for example entra-provisioning",
    });
    const minutes = integerField(body, "accessTokenLifetimeMinutes", "the access token lifetime in minutes, 60 to 360");
    const { client, clientSecret, secretExpiresAt } = await createOAuthClient(req.context, {
      name,
      ...(minutes !== undefined ? { accessTokenLifetimeMinutes: minutes } : {}),
    });
    return {
      status: 201,
      body: {
        client: clientView(client),
        clientSecret,
        secretExpiresAt,
        tenantUrl: req.context.baseUrl,
        ...oauthEndpoints(req.origin),
      },
    };
  },
);
