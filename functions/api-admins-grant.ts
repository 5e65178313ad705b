import { apiFunction, stringField } from "../shared/http/admin.js";
import { grantAdmin } from "../shared/operations/admins.js";

/** POST /api/admin/admins {user}: makes an existing user (by id or userName) Admin directly; 409 for a deleted or disconnected user or an Admin. */
export const grantApiAdmin = apiFunction(
  "api-admins-grant",
  { methods: ["POST"], route: "admin/admins" },
  async (req) => {
    const user = stringField(await req.body(), "user", {
      required: true,
      hint: "the id or userName of the user to make Admin",
    });
    return { body: await grantAdmin(req.context, user) };
  },
);
