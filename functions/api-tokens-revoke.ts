import { apiFunction } from "../shared/http/admin.js";
import { revokeToken, tokenView } from "../shared/operations/tokens.js";

/** POST /api/admin/tokens/{id}/revoke: requests with the token get 401 within 5 seconds. */
export const revokeApiToken = apiFunction(
  "api-tokens-revoke",
  { methods: ["POST"], route: "admin/tokens/{id}/revoke" },
  async (req) => ({
    body: { token: tokenView(await revokeToken(req.context, req.params.id!)) },
  }),
);
