import { scimFunction } from "../shared/http/scim.js";
import { listResources } from "../shared/operations/resources.js";

/** POST /scim/v2/Users/.search (RFC 7644 §3.4.3): the same results as GET /Users. */
export const searchUsers = scimFunction("users-search", { methods: ["POST"], route: "Users/.search" }, async (req) =>
  listResources(req.context, "User", await req.searchParams("User")),
);
