import { scimFunction } from "../shared/http/function.js";
import { replaceResource } from "../shared/service/resources.js";

/** PUT /scim/v2/Users/{id} */
export const replaceUser = scimFunction("users-replace", { methods: ["PUT"], route: "Users/{id}" }, (ctx) => replaceResource(ctx, "User"));
