import { scimFunction } from "../shared/http/scim.js";
import { getResource } from "../shared/operations/resources.js";

/** GET /scim/v2/Groups/{id} */
export const getGroup = scimFunction("groups-get", { methods: ["GET"], route: "Groups/{id}" }, (req) =>
  getResource(req.context, "Group", req.params.id!, req.projection("Group")),
);
