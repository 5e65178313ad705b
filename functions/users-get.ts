import { scimFunction } from "../shared/http/function.js";
import { getResource } from "../shared/service/resources.js";

/** GET /scim/v2/Users/{id} */
export const getUser = scimFunction("users-get", { methods: ["GET"], route: "Users/{id}" }, (ctx) => getResource(ctx, "User"));
