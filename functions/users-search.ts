import { scimSearch, scimFunction } from "../shared/http/scim.js";

/** POST /scim/v2/Users/.search (RFC 7644 §3.4.3): the same results as GET /Users. */
export const searchUsers = scimFunction("users-search", { methods: ["POST"], route: "Users/.search" }, (req) =>
  scimSearch(req, "User"),
);
