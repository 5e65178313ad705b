import { scimFunction } from "../shared/http/function.js";
import { createResource } from "../shared/service/resources.js";

/** POST /scim/v2/Users */
export const createUser = scimFunction("users-create", { methods: ["POST"], route: "Users" }, (ctx) => createResource(ctx, "User"));
