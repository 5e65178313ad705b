import { scimDelete, scimFunction } from "../shared/http/scim.js";

/** DELETE /scim/v2/Groups/{id} */
export const deleteGroup = scimFunction("groups-delete", { methods: ["DELETE"], route: "Groups/{id}" }, (req) =>
  scimDelete(req, "Group"),
);
