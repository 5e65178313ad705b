import { scimFunction } from "../shared/http/scim.js";
import { listResources } from "../shared/operations/resources.js";

/** GET /scim/v2/Groups */
export const listGroups = scimFunction("groups-list", { methods: ["GET"], route: "Groups" }, (req) =>
  listResources(req.context, "Group", req.listParams("Group")),
);
