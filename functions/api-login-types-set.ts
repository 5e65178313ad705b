import { apiFunction } from "../shared/http/admin.js";
import { OperationError } from "../shared/operations/errors.js";
import { setLoginTypes } from "../shared/operations/login-types.js";

/** PUT /api/admin/login-types {loginTypes}: an empty list is 422 (one type stays enabled). */
export const setApiLoginTypes = apiFunction(
  "api-login-types-set",
  { methods: ["PUT"], route: "admin/login-types" },
  async (req) => {
    const { loginTypes } = await req.body();
    if (!Array.isArray(loginTypes) || loginTypes.some((t) => typeof t !== "string")) {
      throw new OperationError(
        400,
        'loginTypes must be a list of account types, for example ["password", "entra"]',
        "loginTypes",
      );
    }
    return { body: await setLoginTypes(req.context, loginTypes as string[]) };
  },
);
