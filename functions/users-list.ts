import { scimList, scimFunction } from "../shared/http/scim.js";

/** GET /scim/v2/Users */
export const listUsers = scimFunction("users-list", { methods: ["GET"], route: "Users" }, (req) =>
  scimList(req, "User"),
);
