import { scimList, scimFunction } from "../shared/http/scim.js";

/** GET /scim/v2/Groups */
export const listGroups = scimFunction("groups-list", { methods: ["GET"], route: "Groups" }, (req) =>
  scimList(req, "Group"),
);
