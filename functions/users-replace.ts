import { scimFunction } from "../shared/http/scim.js";
import { replaceResource } from "../shared/operations/resources.js";

/** PUT /scim/v2/Users/{id} */
export const replaceUser = scimFunction("users-replace", { methods: ["PUT"], route: "Users/{id}" }, (req) =>
  replaceResource(req.context, "User", req.params.id!, req.write("User")),
);
