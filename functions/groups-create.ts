import { scimCreate, scimFunction } from "../shared/http/scim.js";

/** POST /scim/v2/Groups */
export const createGroup = scimFunction("groups-create", { methods: ["POST"], route: "Groups" }, (req) =>
  scimCreate(req, "Group"),
);
