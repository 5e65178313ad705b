import { scimFunction } from "../shared/http/function.js";
import { patchResource } from "../shared/service/resources.js";

/** PATCH /scim/v2/Users/{id} */
export const patchUser = scimFunction("users-patch", { methods: ["PATCH"], route: "Users/{id}" }, (ctx) => patchResource(ctx, "User"));
