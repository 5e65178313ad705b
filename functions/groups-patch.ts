import { scimFunction } from "../shared/http/function.js";
import { patchResource } from "../shared/service/resources.js";

/** PATCH /scim/v2/Groups/{id} */
export const patchGroup = scimFunction("groups-patch", { methods: ["PATCH"], route: "Groups/{id}" }, (ctx) => patchResource(ctx, "Group"));
