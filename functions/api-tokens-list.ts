import { apiFunction } from "../shared/http/admin.js";
import { listTokens, tokenView } from "../shared/operations/tokens.js";

/** GET /api/admin/tokens: the Tenant URL and the tenant's tokens, newest first (never a secret). */
export const listApiTokens = apiFunction(
  "api-tokens-list",
  { methods: ["GET"], route: "admin/tokens" },
  async (req) => {
    const tokens = (await listTokens(req.context))
      .map(tokenView)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    return { body: { tenantUrl: req.context.baseUrl, tokens } };
  },
);
