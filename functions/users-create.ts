import { scimCreate, scimFunction } from "../shared/http/scim.js";

/** POST /scim/v2/Users */
export const createUser = scimFunction("users-create", { methods: ["POST"], route: "Users" }, (req) =>
  scimCreate(req, "User"),
);
