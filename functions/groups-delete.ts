import { scimFunction } from "../shared/http/function.js";
import { deleteResource } from "../shared/service/resources.js";

/** DELETE /scim/v2/Groups/{id} */
export const deleteGroup = scimFunction("groups-delete", { methods: ["DELETE"], route: "Groups/{id}" }, (ctx) => deleteResource(ctx, "Group"));
