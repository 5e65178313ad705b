import { scimFunction } from "../shared/http/scim.js";
import { deleteResource } from "../shared/operations/resources.js";

/** DELETE /scim/v2/Groups/{id} */
export const deleteGroup = scimFunction("groups-delete", { methods: ["DELETE"], route: "Groups/{id}" }, (req) =>
  deleteResource(req.context, "Group", req.params.id!, { ifMatch: req.ifMatch }),
);
