/** The facts of a group that role and team mappings match on, as pure functions. */

/** The facts of a group that mappings match on. */
export interface GroupFacts {
  id: string;
  displayName?: string;
  externalId?: string;
}
/** Whether a mapping's group selector names this group: by id, displayName (any case) or externalId. */
export function groupMatches(selector: string, group: GroupFacts): boolean {
  return (
    selector === group.id || selector === group.externalId || (group.displayName !== undefined && selector.toLowerCase() === group.displayName.toLowerCase())
  );
}
