import { badRequest } from "./errors.js";
import { MANAGER_PATH } from "./manager.js";

/**
 * What a write's references point at, checked before anything is written: a Group's members must
 * be Users of the tenant (RFC 7643 §4.2; nested groups are not supported), a User's manager the
 * id of a User (RFC 7643 §4.3). `kinds` holds the kind of each id as read (undefined: no such
 * resource); reading them is the caller's.
 */
export type KindOf = (id: string) => string | undefined;

const quoted = (ids: string[]) =>
  ids
    .slice(0, 10)
    .map((id) => `'${id}'`)
    .join(", ") + (ids.length > 10 ? ` and ${ids.length - 10} more` : "");

/** 400 invalidValue unless every id is a User. */
export function checkMembers(ids: string[], kindOf: KindOf, groupId: string): void {
  const groups = ids.filter((id) => kindOf(id) === "Group");
  if (groups.length > 0) {
    throw badRequest(
      "invalidValue",
      `Nested groups are not supported: ${quoted(groups)} ${groups.length === 1 ? "is a Group" : "are Groups"}; members of group ${groupId} must be Users.`,
    );
  }
  const unknown = ids.filter((id) => kindOf(id) !== "User");
  if (unknown.length > 0) {
    throw badRequest(
      "invalidValue",
      `No User with id ${quoted(unknown)} exists in this tenant; members of group ${groupId} must be ids of provisioned Users.`,
    );
  }
}

/** 400 invalidValue unless the manager id names a User. */
export function checkManager(id: string, kindOf: KindOf): void {
  const kind = kindOf(id);
  if (kind === "User") return;
  throw badRequest(
    "invalidValue",
    kind === "Group"
      ? `'${MANAGER_PATH}' names '${id}', which is a Group; a manager must be the id of a User.`
      : `No User with id '${id}' exists in this tenant; '${MANAGER_PATH}' must be the id of a provisioned User.`,
  );
}
