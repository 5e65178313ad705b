import { scimFunction } from "../shared/http/scim.js";
import { replaceResource } from "../shared/operations/resources.js";

/** PUT /scim/v2/Groups/{id} */
export const replaceGroup = scimFunction("groups-replace", { methods: ["PUT"], route: "Groups/{id}" }, (req) =>
  replaceResource(req.context, "Group", req.params.id!, req.write("Group")),
);
