import { useState, type FormEvent } from "react";
import {
  Badge,
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  Text,
  makeStyles,
  tokens,
  useRestoreFocusTarget,
} from "@fluentui/react-components";
import { ArrowLeftRegular, LinkRegular, LinkDismissRegular } from "@fluentui/react-icons";
import { api, type UserDetail } from "../api";
import { useAction, useGet } from "../hooks";
import { GUID, loginTypes } from "../format";
import { EmptyState, ErrorState, LoadingState, PageHeader, ProblemBar, RouteLink, Section, UserStatusBadge } from "../components/common";
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
    "& dd": { margin: 0, display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap", alignItems: "center" },
  },
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
                <Text>
                  {u.canSignIn
                    ? "Can sign in."
                    : u.status === "disconnected"
                      ? "Cannot sign in: Entra disconnected this user (active = false). Its data, teams and role are kept."
                      : "Cannot sign in: none of its login types is switched on for the tenant (Integrations → Account types)."}
                </Text>
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
            </dl>
          </Section>
          <EntraLink user={u} onChanged={user.reload} />
          <Section title="Provisioning history">
            {u.history && u.history.length > 0 ? (
              <AuditTable events={u.history} label="Provisioning history" showResource={false} />
            ) : (
              <EmptyState title="No provisioning events for this user">
                Entra has not sent a request about this user yet. It appears here after the next provisioning cycle (or use Provision on demand in Entra).
              </EmptyState>
            )}
          </Section>
        </>
      ) : null}
    </>
  );
}

function EntraLink({ user, onChanged }: { user: UserDetail; onChanged: () => void }) {
  const s = useStyles();
  const [objectId, setObjectId] = useState("");
  const [clientError, setClientError] = useState<string>();
  const [confirm, setConfirm] = useState(false);
  const save = useAction();
  const remove = useAction();
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
    const ok = await save.run(async () => {
      await api.put(`/api/admin/users/${encodeURIComponent(user.id)}/entra`, { objectId: v });
      return true;
    });
    if (ok) {
      setObjectId("");
      onChanged();
    }
  };

  const unlink = async () => {
    const res = await remove.run(async () => {
      await api.del(`/api/admin/users/${encodeURIComponent(user.id)}/entra`);
      return true;
    });
    if (res) {
      setConfirm(false);
      onChanged();
    }
  };

  const serverField =
    save.error && (save.error.status === 409 || save.error.status === 400) ? (save.error.fieldError("objectId") ?? save.error.detail) : undefined;
  return (
    <Section title="Entra sign-in">
      <Text>
        The Object ID links this user to its Entra account for sign-in. Entra sets it when it provisions the user (as externalId); set it by hand only for a
        user created in the product.
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
        <Button type="submit" appearance="primary" icon={<LinkRegular />} className={s.submit} disabledFocusable={save.busy}>
          {user.objectId ? "Change Object ID" : "Add Entra sign-in"}
        </Button>
        {hasEntra && (
          <Button icon={<LinkDismissRegular />} className={s.submit} onClick={() => setConfirm(true)} {...restore}>
            Remove Entra sign-in
          </Button>
        )}
      </form>
      {save.error && !serverField && <ProblemBar error={save.error} title="The Object ID was not saved" />}
      <Dialog open={confirm} onOpenChange={(_, d) => !d.open && setConfirm(false)}>
        <DialogSurface>
          <DialogBody>
            <DialogTitle>Remove Entra sign-in?</DialogTitle>
            <DialogContent>
              <Text as="p">
                {user.userName} loses the Entra ID login type and its Object ID. If Entra still provisions this user, the next cycle sets the Object ID again.
              </Text>
              <ProblemBar error={remove.error} title="Entra sign-in was not removed" />
            </DialogContent>
            <DialogActions>
              <Button onClick={() => setConfirm(false)}>Cancel</Button>
              <Button appearance="primary" onClick={unlink} disabledFocusable={remove.busy}>
                Remove
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </Section>
  );
}
