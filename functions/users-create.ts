import { scimFunction } from "../shared/http/scim.js";
import { createResource } from "../shared/operations/resources.js";

/** POST /scim/v2/Users */
export const createUser = scimFunction("users-create", { methods: ["POST"], route: "Users" }, (req) => createResource(req.context, "User", req.write("User")));
