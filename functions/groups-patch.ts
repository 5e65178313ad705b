import { scimFunction } from "../shared/http/scim.js";
import { patchResource } from "../shared/operations/resources.js";

/** PATCH /scim/v2/Groups/{id} */
export const patchGroup = scimFunction("groups-patch", { methods: ["PATCH"], route: "Groups/{id}" }, (req) =>
  patchResource(req.context, "Group", req.params.id!, req.write("Group")),
);
