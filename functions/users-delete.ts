import { scimFunction } from "../shared/http/function.js";
import { deleteResource } from "../shared/service/resources.js";

/** DELETE /scim/v2/Users/{id} */
export const deleteUser = scimFunction("users-delete", { methods: ["DELETE"], route: "Users/{id}" }, (ctx) => deleteResource(ctx, "User"));
