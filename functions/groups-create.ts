import { scimFunction } from "../shared/http/function.js";
import { createResource } from "../shared/service/resources.js";

/** POST /scim/v2/Groups */
export const createGroup = scimFunction("groups-create", { methods: ["POST"], route: "Groups" }, (ctx) => createResource(ctx, "Group"));
