import { scimFunction } from "../shared/http/scim.js";
import { listResources } from "../shared/operations/resources.js";

/** GET /scim/v2/Users */
export const listUsers = scimFunction("users-list", { methods: ["GET"], route: "Users" }, (req) =>
  listResources(req.context, "User", req.listParams("User")),
);
