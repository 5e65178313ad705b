import { scimFunction } from "../shared/http/function.js";
import { replaceResource } from "../shared/service/resources.js";

/** PUT /scim/v2/Groups/{id} */
export const replaceGroup = scimFunction("groups-replace", { methods: ["PUT"], route: "Groups/{id}" }, (ctx) => replaceResource(ctx, "Group"));
