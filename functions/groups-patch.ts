import { scimPatch, scimFunction } from "../shared/http/scim.js";

/** PATCH /scim/v2/Groups/{id} */
export const patchGroup = scimFunction("groups-patch", { methods: ["PATCH"], route: "Groups/{id}" }, (req) =>
  scimPatch(req, "Group"),
);
