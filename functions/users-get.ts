import { scimFunction } from "../shared/http/scim.js";
import { getResource } from "../shared/operations/resources.js";

/** GET /scim/v2/Users/{id} */
export const getUser = scimFunction("users-get", { methods: ["GET"], route: "Users/{id}" }, (req) =>
  getResource(req.context, "User", req.params.id!, req.projection("User")),
);
