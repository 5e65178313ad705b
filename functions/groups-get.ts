import { scimFunction } from "../shared/http/function.js";
import { getResource } from "../shared/service/resources.js";

/** GET /scim/v2/Groups/{id} */
export const getGroup = scimFunction("groups-get", { methods: ["GET"], route: "Groups/{id}" }, (ctx) => getResource(ctx, "Group"));
