import { scimFunction } from "../shared/http/scim.js";
import { deleteResource } from "../shared/operations/resources.js";

/** DELETE /scim/v2/Users/{id} */
export const deleteUser = scimFunction("users-delete", { methods: ["DELETE"], route: "Users/{id}" }, (req) =>
  deleteResource(req.context, "User", req.params.id!, { ifMatch: req.ifMatch }),
);
