import { useState, type FormEvent, type ReactNode } from "react";
import {
  Badge,
  Button,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Text,
  makeStyles,
  tokens,
  useRestoreFocusTarget,
} from "@fluentui/react-components";
import { ArrowLeftRegular, LinkRegular, LinkDismissRegular } from "@fluentui/react-icons";
import { api, type UserDetail } from "../api";
import { useAction, useGet } from "../hooks";
import { GUID, fmtDate, fmtDateTime, loginTypeLabel, loginTypes } from "../format";
import {
  ConfirmDialog,
  DangerButton,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  ProblemBar,
  RouteLink,
  Section,
  UserStatusBadge,
} from "../components/common";
import { RoleWhy } from "../components/RoleWhy";
import { AuditTable } from "../components/AuditTable";

const useStyles = makeStyles({
  dl: {
    display: "grid",
    gridTemplateColumns: "max-content 1fr",
    columnGap: tokens.spacingHorizontalXL,
    rowGap: tokens.spacingVerticalS,
    margin: 0,
    "& dt": { fontWeight: tokens.fontWeightSemibold },
    "& dd": {
      margin: 0,
      display: "flex",
      gap: tokens.spacingHorizontalS,
      flexWrap: "wrap",
      alignItems: "center",
      minWidth: 0,
      overflowWrap: "anywhere",
    },
    "@media (max-width: 600px)": { gridTemplateColumns: "1fr", "& dd": { marginBottom: tokens.spacingVerticalS } },
  },
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalL },
  mono: { fontFamily: tokens.fontFamilyMonospace },
  form: { display: "flex", gap: tokens.spacingHorizontalS, alignItems: "start", flexWrap: "wrap" },
  guid: { width: "340px", fontFamily: tokens.fontFamilyMonospace },
  submit: { marginTop: "26px" },
  back: { marginBottom: tokens.spacingVerticalS },
});

/** One user: status, login types, Object ID (link/unlink Entra), role and why, teams, history. */
export default function UserPage({ id }: { id: string }) {
  const s = useStyles();
  const user = useGet<UserDetail>(`/api/admin/users/${encodeURIComponent(id)}`);
  const u = user.data;

  return (
    <>
      <div className={s.back}>
        <RouteLink to="/users">
          <ArrowLeftRegular /> All users
        </RouteLink>
      </div>
      {user.loading && !u ? (
        <LoadingState label="Loading user…" />
      ) : user.error ? (
        <>
          <PageHeader title="User" />
          <ErrorState error={user.error} what="this user" onRetry={user.reload} />
        </>
      ) : u ? (
        <>
          <PageHeader title={u.displayName || u.userName} help={u.displayName ? u.userName : undefined} />
          <Section title="Account">
            <dl className={s.dl}>
              <dt>User name</dt>
              <dd>{u.userName}</dd>
              <dt>Status</dt>
              <dd>
                <UserStatusBadge status={u.status} />
                <Text>{signInSentence(u)}</Text>
              </dd>
              <dt>Login types</dt>
              <dd>{loginTypes(u.loginTypes)}</dd>
              <dt>Role</dt>
              <dd>
                <Badge appearance="outline" shape="rounded">
                  {u.role}
                </Badge>
                <RoleWhy source={u.roleSource} />
              </dd>
              <dt>Teams</dt>
              <dd>{u.teams.length ? u.teams.map((t) => t.name).join(", ") : "Not in any team."}</dd>
              <dt>Groups</dt>
              <dd>
                {u.groups.length ? u.groups.map((g) => g.displayName).join(", ") : "Not in any provisioned group."}
              </dd>
            </dl>
          </Section>
          <Section title="Profile from Entra">
            <AttributeList user={u} />
          </Section>
          <Section title="Identifiers">
            <dl className={s.dl}>
              <dt>SCIM id</dt>
              <dd className={s.mono}>{u.id}</dd>
              <dt>External ID</dt>
              <dd className={s.mono}>{typeof u.attributes.externalId === "string" ? u.attributes.externalId : "—"}</dd>
              <dt>Object ID</dt>
              <dd className={s.mono}>{u.objectId ?? "— (no Entra sign-in)"}</dd>
              <dt>Active</dt>
              <dd>{u.attributes.active === false ? "No (disconnected by Entra)" : "Yes"}</dd>
              <dt>Created</dt>
              <dd>{fmtDateTime(u.meta.created)}</dd>
              <dt>Last changed</dt>
              <dd>{fmtDateTime(u.meta.lastModified)}</dd>
            </dl>
          </Section>
          <EntraLink user={u} onChanged={user.reload} />
          <Section title="Provisioning history">
            {u.history && u.history.length > 0 ? (
              <AuditTable events={u.history} label="Provisioning history" showResource={false} />
            ) : (
              <EmptyState title="No provisioning events for this user">
                Entra has not sent a request about this user yet. It appears here after the next provisioning cycle (or
                use Provision on demand in Entra).
              </EmptyState>
            )}
          </Section>
        </>
      ) : null}
    </>
  );
}

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PRODUCT = "urn:ietf:params:scim:schemas:extension:scimfunctions:2.0:User";

/** Whether and how the user can sign in now, by the same rule the CLI's `user show` uses (the API's canSignIn per login type). */
function signInSentence(u: UserDetail): string {
  const can = (Object.keys(u.canSignIn) as (keyof UserDetail["canSignIn"])[]).filter((t) => u.canSignIn[t]);
  if (can.length) return `Can sign in with ${can.map((t) => loginTypeLabel[t] ?? t).join(" or ")}.`;
  if (u.status === "disconnected")
    return "Cannot sign in: Entra disconnected this user (active = false). Its data, teams and role are kept.";
  return "Cannot sign in: it has no login type that is switched on for the tenant (Integrations → Account types), or no credential for one.";
}

/** Tidy labels of the attributes Entra sends; anything else is shown under its own name. */
const LABELS: Record<string, string> = {
  displayName: "Display name",
  nickName: "Nickname",
  title: "Job title",
  userType: "User type",
  preferredLanguage: "Preferred language",
  locale: "Locale",
  timezone: "Time zone",
  profileUrl: "Profile URL",
  emails: "Emails",
  phoneNumbers: "Phone numbers",
  addresses: "Addresses",
  ims: "Instant messaging",
  photos: "Photos",
  entitlements: "Entitlements",
  roles: "Roles (from Entra)",
  x509Certificates: "Certificates",
  employeeNumber: "Employee number",
  costCenter: "Cost center",
  organization: "Organization",
  division: "Division",
  department: "Department",
  employmentStartDate: "Start date",
};
const NAME_PARTS: [string, string][] = [
  ["formatted", "Full name"],
  ["honorificPrefix", "Prefix"],
  ["givenName", "First name"],
  ["middleName", "Middle name"],
  ["familyName", "Last name"],
  ["honorificSuffix", "Suffix"],
];
/** Shown elsewhere on the page. */
const ELSEWHERE = new Set(["userName", "active", "externalId", "id", "meta", "schemas", "name", ENTERPRISE, PRODUCT]);

const labelOf = (key: string) =>
  LABELS[key] ??
  key
    .replace(/^urn:.*:/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/^./, (c) => c.toUpperCase());

function text(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null && v !== "")
      .map(([k, v]) => `${labelOf(k)}: ${text(v)}`)
      .join(", ");
  }
  return String(value);
}

/** A multi-valued attribute's element in one line: "ann@contoso.com (work, primary)", or an address's parts. */
function element(value: unknown): string {
  if (!value || typeof value !== "object") return text(value);
  const {
    value: v,
    type,
    primary,
    display,
    formatted,
    streetAddress,
    locality,
    region,
    postalCode,
    country,
    ...rest
  } = value as Record<string, unknown>;
  const main =
    v !== undefined
      ? text(v)
      : formatted !== undefined
        ? text(formatted)
        : [streetAddress, postalCode, locality, region, country].filter((x) => typeof x === "string" && x).join(", ") ||
          text(rest);
  const tags = [type, primary === true ? "primary" : undefined, display].filter((x) => typeof x === "string" && x);
  return tags.length ? `${main} (${tags.join(", ")})` : main;
}

function dateOnly(value: unknown): string {
  return typeof value === "string" && /^\d{4}-\d{2}-\d{2}/.test(value) ? fmtDate(value) : text(value);
}

function Value({ value }: { value: unknown }) {
  const s = useStyles();
  if (Array.isArray(value)) {
    if (value.length === 0) return <>—</>;
    if (value.length === 1) return <>{element(value[0])}</>;
    return (
      <ul className={s.list}>
        {value.map((v, i) => (
          <li key={i}>{element(v)}</li>
        ))}
      </ul>
    );
  }
  return <>{text(value)}</>;
}

/** Every stored attribute: name parts, the core attributes, then the enterprise and product extensions (manager by name, with a link). */
function AttributeList({ user }: { user: UserDetail }) {
  const s = useStyles();
  const a = user.attributes;
  const rows: [string, ReactNode][] = [];
  const name = (a.name ?? {}) as Record<string, unknown>;
  for (const [key, label] of NAME_PARTS) if (name[key] !== undefined) rows.push([label, text(name[key])]);
  for (const [key, value] of Object.entries(a)) {
    if (ELSEWHERE.has(key)) continue;
    if (key === "x509Certificates" && Array.isArray(value))
      rows.push([labelOf(key), `${value.length} certificate${value.length === 1 ? "" : "s"}`]);
    else rows.push([key.startsWith("urn:") ? `Extension ${key}` : labelOf(key), <Value key={key} value={value} />]);
  }
  for (const urn of [ENTERPRISE, PRODUCT]) {
    const ext = (a[urn] ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(ext)) {
      if (key === "manager") continue;
      rows.push([labelOf(key), key === "employmentStartDate" ? dateOnly(value) : <Value key={key} value={value} />]);
    }
  }
  if (user.manager) {
    const m = user.manager;
    rows.push([
      "Manager",
      m.userName ? (
        <RouteLink to={`/users/${encodeURIComponent(m.id)}`}>
          {m.displayName ? `${m.displayName} (${m.userName})` : m.userName}
        </RouteLink>
      ) : (
        <span className={s.mono}>{m.id} (not provisioned here)</span>
      ),
    ]);
  }
  if (rows.length === 0)
    return (
      <Text>
        Entra sent no profile attributes for this user beyond its user name. Add attribute mappings in Entra
        (Provisioning → Mappings) to see them here.
      </Text>
    );
  return (
    <dl className={s.dl} aria-label="Attributes">
      {rows.map(([label, value], i) => (
        <Row key={`${label}-${i}`} label={label} value={value} />
      ))}
    </dl>
  );
}

function Row({ label, value }: { label: string; value: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}

function EntraLink({ user, onChanged }: { user: UserDetail; onChanged: () => void }) {
  const s = useStyles();
  const [objectId, setObjectId] = useState("");
  const [clientError, setClientError] = useState<string>();
  const [confirm, setConfirm] = useState(false);
  const [done, setDone] = useState<string>();
  const save = useAction();
  const restore = useRestoreFocusTarget();
  const hasEntra = user.loginTypes.includes("entra") || !!user.objectId;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const v = objectId.trim();
    if (!GUID.test(v)) {
      setClientError("Enter the user's Object ID from Entra: a GUID like 3f2c1a9e-6b1d-4c8e-9a7f-2d5e8b0c4f11.");
      return;
    }
    setClientError(undefined);
    setDone(undefined);
    const ok = await save.run(async () => {
      await api.put(`/api/admin/users/${encodeURIComponent(user.id)}/entra`, { objectId: v });
      return true;
    });
    if (ok) {
      setObjectId("");
      setDone(
        `Object ID ${v.toLowerCase()} saved: ${user.userName} can sign in with Entra ID (when the tenant allows it).`,
      );
      onChanged();
    }
  };

  const unlinked = () => {
    setConfirm(false);
    setDone(`Entra sign-in removed: ${user.userName} no longer has an Object ID, and their open sessions were ended.`);
    onChanged();
  };

  const serverField =
    save.error && (save.error.status === 409 || save.error.status === 400)
      ? (save.error.fieldError("objectId") ?? save.error.detail)
      : undefined;
  return (
    <Section title="Entra sign-in">
      <Text>
        The Object ID links this user to its Entra account for sign-in. Entra sets it when it provisions the user (as
        externalId); set it by hand only for a user created in the product.
      </Text>
      {user.objectId && (
        <dl className={s.dl}>
          <dt>Object ID</dt>
          <dd className={s.mono} data-testid="object-id">
            {user.objectId}
          </dd>
        </dl>
      )}
      {user.objectIdHolders && user.objectIdHolders.length > 0 && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            Other users carry the same Object ID:{" "}
            {user.objectIdHolders.map((h, i) => (
              <span key={h}>
                {i > 0 && ", "}
                <RouteLink to={`/users/${encodeURIComponent(h)}`}>{h}</RouteLink>
              </span>
            ))}
            . Only one of them can sign in with Entra: remove the Object ID from the others.
          </MessageBarBody>
        </MessageBar>
      )}
      <form className={s.form} onSubmit={submit} noValidate>
        <Field
          label={user.objectId ? "New Object ID" : "Object ID"}
          validationMessage={clientError ?? serverField}
          hint="Entra admin center → Users → the user → Object ID."
        >
          <Input
            className={s.guid}
            value={objectId}
            onChange={(_, d) => setObjectId(d.value)}
            placeholder="00000000-0000-0000-0000-000000000000"
            autoComplete="off"
          />
        </Field>
        <Button
          type="submit"
          appearance="primary"
          icon={<LinkRegular />}
          className={s.submit}
          disabledFocusable={save.busy}
        >
          {user.objectId ? "Change Object ID" : "Add Entra sign-in"}
        </Button>
        {hasEntra && (
          <DangerButton
            icon={<LinkDismissRegular />}
            className={s.submit}
            onClick={() => (setDone(undefined), setConfirm(true))}
            {...restore}
          >
            Remove Object ID
          </DangerButton>
        )}
      </form>
      {done && (
        <MessageBar intent="success" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>Done</MessageBarTitle>
            {done}
          </MessageBarBody>
        </MessageBar>
      )}
      {save.error && !serverField && <ProblemBar error={save.error} title="The Object ID was not saved" />}
      <ConfirmDialog
        open={confirm}
        title={`Remove the Object ID of ${user.userName}?`}
        confirmLabel="Remove Object ID"
        busyLabel="Removing…"
        failedTitle="Entra sign-in was not removed"
        run={async () => {
          await api.del(`/api/admin/users/${encodeURIComponent(user.id)}/entra`);
          return true;
        }}
        onClose={() => setConfirm(false)}
        onDone={unlinked}
      >
        <Text as="p">
          {user.userName} can no longer sign in with Entra SSO until an Object ID is set again: by hand on this page, or
          by Entra&apos;s next provisioning cycle if Entra still provisions this user (it sends the Object ID as
          externalId). Their open sessions end now. Their role, teams and data are kept.
        </Text>
      </ConfirmDialog>
    </Section>
  );
}
