import { scimFunction } from "../shared/http/scim.js";
import { createResource } from "../shared/operations/resources.js";

/** POST /scim/v2/Groups */
export const createGroup = scimFunction("groups-create", { methods: ["POST"], route: "Groups" }, (req) =>
  createResource(req.context, "Group", req.write("Group")),
);
