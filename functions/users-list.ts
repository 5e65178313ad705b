import { scimFunction } from "../shared/http/function.js";
import { listResources } from "../shared/service/resources.js";

/** GET /scim/v2/Users?filter=...&startIndex=...&count=... */
export const listUsers = scimFunction("users-list", { methods: ["GET"], route: "Users" }, (ctx) => listResources(ctx, "User"));
