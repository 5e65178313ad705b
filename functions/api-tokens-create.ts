import { apiFunction, stringField } from "../shared/http/admin.js";
import { createToken, tokenExpiry, tokenView } from "../shared/operations/tokens.js";

/** POST /api/admin/tokens {name, expiresAt?}: a token for this Tenant URL; the secret is in this response only. */
export const createApiToken = apiFunction(
  "api-tokens-create",
  { methods: ["POST"], route: "admin/tokens" },
  async (req) => {
    const body = await req.body();
    const name = stringField(body, "name", { required: true, hint: "a name for the token, for example entra-2026" });
    const expires = stringField(body, "expiresAt", {
      required: false,
      hint: "a date such as 2027-12-01 or a date-time with its time zone such as 2027-12-01T00:00:00Z",
    });
    const expiresAt = tokenExpiry(expires, req.context.now);
    const { token, secret } = await createToken(req.context, {
      name,
      audience: req.context.baseUrl,
      ...(expiresAt ? { expiresAt } : {}),
    });
    return { status: 201, body: { token: tokenView(token), secret, tenantUrl: req.context.baseUrl } };
  },
);
