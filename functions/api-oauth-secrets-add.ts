import { apiFunction, integerField } from "../shared/http/admin.js";
import { addOAuthSecret, clientView } from "../shared/operations/oauth.js";

/** POST /api/admin/oauth/clients/{clientId}/secrets {lifetimeYears?}: another secret (rotation), shown in this response only. */
export const addApiOAuthSecret = apiFunction(
  "api-oauth-secrets-add",
  { methods: ["POST"], route: "admin/oauth/clients/{clientId}/secrets" },
  async (req) => {
    const body = await req.body();
    const years = integerField(body, "lifetimeYears", "how many years the secret lasts, 1 to 3");
    const { client, clientSecret, secret } = await addOAuthSecret(
      req.context,
      req.params.clientId!,
      years !== undefined ? { lifetimeYears: years } : {},
    );
    return { status: 201, body: { client: clientView(client), clientSecret, secret } };
  },
);
