import { Text } from "@fluentui/react-components";
import type { RoleSource } from "../api";
import { fmtDate } from "../format";

/** Why a user has its role, in one sentence. A group is named by its current name (the mapping follows the group, not its name). */
function roleWhy(source: RoleSource | null | undefined): string {
  if (!source) return "No explanation available.";
  switch (source.kind) {
    case "default":
      return "Default role: no group mapping applies to this user.";
    case "group": {
      const group = source.groupName ?? source.groupId ?? "a group";
      const mapping = source.mapping ? ` (mapped to ${source.mapping.role})` : "";
      return `From membership of the Entra group ${group}${mapping}.`;
    }
    case "kept":
      return `Kept as Admin because this is the last Admin of the tenant${
        source.computed ? `; the group mappings would give ${source.computed}` : ""
      }${source.since ? ` (since ${fmtDate(source.since)})` : ""}. Make another user Admin to release it.`;
    case "admin":
      return "Granted by an admin or an invite.";
    default:
      return "Unknown source.";
  }
}

export function RoleWhy({ source }: { source: RoleSource | null | undefined }) {
  return <Text>{roleWhy(source)}</Text>;
}
