import { apiFunction } from "../shared/http/admin.js";
import { searchUsers } from "../shared/operations/admin-portal.js";

/** GET /api/admin/users?search=&page=&pageSize=: users whose userName or display name starts with search. */
export const listApiUsers = apiFunction("api-users-list", { methods: ["GET"], route: "admin/users" }, async (req) => ({
  body: await searchUsers(req.context, { search: req.query.get("search"), page: req.query.get("page"), pageSize: req.query.get("pageSize") }),
}));
