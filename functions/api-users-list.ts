import { apiFunction } from "../shared/http/admin.js";
import { listUsers } from "../shared/operations/users.js";

/** GET /api/admin/users?search=&status=&role=&team=&sort=&order=&view=&page=&pageSize=: one page of users (or deleted users) matching any part of a name or id. */
export const listApiUsers = apiFunction("api-users-list", { methods: ["GET"], route: "admin/users" }, async (req) => {
  const q = (name: string) => req.query.get(name);
  return {
    body: await listUsers(req.context, {
      search: q("search"),
      status: q("status"),
      role: q("role"),
      team: q("team"),
      sort: q("sort"),
      order: q("order"),
      view: q("view"),
      page: q("page"),
      pageSize: q("pageSize"),
    }),
  };
});
