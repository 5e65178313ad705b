import { scimReplace, scimFunction } from "../shared/http/scim.js";

/** PUT /scim/v2/Users/{id} */
export const replaceUser = scimFunction("users-replace", { methods: ["PUT"], route: "Users/{id}" }, (req) =>
  scimReplace(req, "User"),
);
