import { scimReplace, scimFunction } from "../shared/http/scim.js";

/** PUT /scim/v2/Groups/{id} */
export const replaceGroup = scimFunction("groups-replace", { methods: ["PUT"], route: "Groups/{id}" }, (req) =>
  scimReplace(req, "Group"),
);
