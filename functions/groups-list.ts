import { scimFunction } from "../shared/http/function.js";
import { listResources } from "../shared/service/resources.js";

/** GET /scim/v2/Groups?filter=...&startIndex=...&count=... */
export const listGroups = scimFunction("groups-list", { methods: ["GET"], route: "Groups" }, (ctx) => listResources(ctx, "Group"));
