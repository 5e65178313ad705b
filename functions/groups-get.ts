import { scimGet, scimFunction } from "../shared/http/scim.js";

/** GET /scim/v2/Groups/{id} */
export const getGroup = scimFunction("groups-get", { methods: ["GET"], route: "Groups/{id}" }, (req) =>
  scimGet(req, "Group"),
);
