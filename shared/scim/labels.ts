import { URN } from "./urns.js";

const ENTERPRISE = URN.enterpriseUser;

/**
 * Display names of SCIM attributes for people (the provisioning log, the user page): RFC 7643's
 * wire names and Entra's extension URNs as an admin reads them in the Entra admin center
 * ("urn:...:enterprise:2.0:User:employeeNumber" is "Employee number").
 */

const LABELS: Record<string, string> = {
  id: "ID",
  externalId: "External ID (Entra object ID)",
  userName: "User name",
  displayName: "Display name",
  nickName: "Nickname",
  profileUrl: "Profile URL",
  title: "Job title",
  userType: "User type",
  preferredLanguage: "Preferred language",
  locale: "Locale",
  timezone: "Time zone",
  active: "Active",
  emails: "Emails",
  phoneNumbers: "Phone numbers",
  ims: "Instant messaging",
  photos: "Photos",
  addresses: "Addresses",
  groups: "Groups",
  entitlements: "Entitlements",
  roles: "Roles",
  x509Certificates: "Certificates",
  members: "Members",
  name: "Name",
  "name.formatted": "Full name",
  "name.familyName": "Last name",
  "name.givenName": "First name",
  "name.middleName": "Middle name",
  "name.honorificPrefix": "Name prefix",
  "name.honorificSuffix": "Name suffix",
  [`${ENTERPRISE}`]: "Enterprise attributes",
  [`${ENTERPRISE}:employeeNumber`]: "Employee number",
  [`${ENTERPRISE}:costCenter`]: "Cost center",
  [`${ENTERPRISE}:organization`]: "Organization",
  [`${ENTERPRISE}:division`]: "Division",
  [`${ENTERPRISE}:department`]: "Department",
  [`${ENTERPRISE}:manager`]: "Manager",
  [`${URN.productUser}:employmentStartDate`]: "Employment start date",
};

const lower = new Map(Object.entries(LABELS).map(([k, v]) => [k.toLowerCase(), v]));

/** "employeeHireDate" → "Employee hire date". */
function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_.]+/g, " ")
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The display name of an attribute path as the log names it (`name.givenName`, an extension URN
 * with its attribute): a known one from the table, case-insensitively (RFC 7643 §2.1); any other
 * extension attribute by its own name in words, with the extension's last URN segment beside it
 * ("Start date (CustomExtension)"); anything else (an admin setting such as
 * `roleMappings[Managers] = Manager`) as it is.
 */
export function attributeLabel(path: string): string {
  const known = lower.get(path.toLowerCase());
  if (known) return known;
  if (path.toLowerCase().startsWith("urn:")) {
    const parts = path.split(":");
    const attribute = parts.pop()!;
    const schema = parts
      .slice(1)
      .reverse()
      .find((p) => p !== "User" && p !== "Group" && !/^\d+(\.\d+)*$/.test(p));
    return `${humanize(attribute)}${schema ? ` (${schema})` : ""}`;
  }
  return path;
}
