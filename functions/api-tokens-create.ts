import { apiFunction, stringField } from "../shared/http/admin.js";
import { tokenView } from "../shared/operations/admin-portal.js";
import { OperationError } from "../shared/operations/errors.js";
import { createToken } from "../shared/operations/tokens.js";

/** POST /api/admin/tokens {name, expiresAt?}: a token for this Tenant URL; the secret is in this response only. */
export const createApiToken = apiFunction("api-tokens-create", { methods: ["POST"], route: "admin/tokens" }, async (req) => {
  const body = await req.body();
  const name = stringField(body, "name", { required: true, hint: "a name for the token, for example entra-2026" });
  const expires = stringField(body, "expiresAt", { required: false, hint: "an ISO 8601 date-time such as 2027-12-01T00:00:00Z" });
  const expiresAt = expires === undefined || expires === "" ? undefined : new Date(expires);
  if (expiresAt && (!/^\d{4}-\d{2}-\d{2}T/.test(expires!) || Number.isNaN(expiresAt.getTime()))) {
    throw new OperationError(400, `expiresAt must be an ISO 8601 date-time such as 2027-12-01T00:00:00Z (got "${expires}")`, "expiresAt");
  }
  const { token, secret } = await createToken(req.context, { name, audience: req.context.baseUrl, ...(expiresAt ? { expiresAt } : {}) });
  return { status: 201, body: { token: tokenView(token), secret, tenantUrl: req.context.baseUrl } };
});
