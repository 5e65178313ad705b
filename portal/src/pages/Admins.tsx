import { useState, type FormEvent } from "react";
import {
  Badge,
  Button,
  Caption1,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  MessageBar,
  Select,
  MessageBarBody,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  mergeClasses,
  tokens,
  useRestoreFocusTarget,
} from "@fluentui/react-components";
import {
  AddRegular,
  DeleteRegular,
  PersonAddRegular,
  PersonArrowLeftRegular,
  SearchRegular,
} from "@fluentui/react-icons";
import {
  api,
  withQuery,
  type AdminDemoted as Demoted,
  type AdminGranted as Granted,
  type AdminList,
  type AdminRow,
  type InviteRow,
  type RoleReason,
  type UserSummary,
} from "../api";
import { useAction, useGet } from "../hooks";
import { fmtDateTime } from "../format";
import {
  ConfirmDialog,
  CopyField,
  ShownOnceDialog,
  DangerButton,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  ProblemBar,
  RouteLink,
  Section,
  focusSection,
} from "../components/common";

const useStyles = makeStyles({
  form: { display: "flex", flexWrap: "wrap", gap: tokens.spacingHorizontalM, alignItems: "start" },
  // Level with the input: below the field's label.
  submit: { marginTop: `calc(${tokens.lineHeightBase300} + ${tokens.spacingVerticalXXS})` },
  intro: { margin: 0 },
  cell: { paddingTop: tokens.spacingVerticalS, paddingBottom: tokens.spacingVerticalS, verticalAlign: "top" },
  field: { minWidth: "min(320px, 100%)" },
  dialogBody: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM },
  name: { display: "flex", flexDirection: "column", overflowWrap: "anywhere" },
  why: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXXS, overflowWrap: "anywhere" },
  mono: { fontFamily: tokens.fontFamilyMonospace },
  table: { minWidth: "640px" },
  scroll: { overflowX: "auto" },
});

interface InviteCreated {
  invite: { url: string; expiresAt: string; userName: string | null; id: string };
}

/** Why a user holds `role`, in a sentence. */
function reasonText(reason: RoleReason, role: string): string {
  switch (reason.kind) {
    case "invite":
      return `${role} by an invite (${reason.grantedBy}), since ${fmtDateTime(reason.since)}`;
    case "granted":
      return `${role} granted by ${reason.grantedBy}, since ${fmtDateTime(reason.since)}`;
    case "mapping":
      return `${role} through group ${reason.groupName ?? reason.groupId}`;
    case "kept":
      return `${role} kept as the last ${role} since ${fmtDateTime(reason.since)} (their groups would make them ${reason.computed})`;
    default:
      return `${role}, the default role`;
  }
}

/** Admins: who is Admin and why, Demote for a granted Admin, and open invites with Revoke. */
export default function AdminsPage() {
  const s = useStyles();
  const admins = useGet<AdminList>("/api/admin/admins");
  const invites = useGet<{ invites: InviteRow[] }>("/api/admin/invites");
  const [demoting, setDemoting] = useState<AdminRow>();
  const [revoking, setRevoking] = useState<InviteRow>();
  const [created, setCreated] = useState<InviteCreated>();
  const [notice, setNotice] = useState<string>();
  const role = admins.data?.role ?? "Admin";

  return (
    <>
      <PageHeader
        title="Admins"
        help={
          <>
            Who can manage this tenant, and why. An invite or another Admin grants the role directly: take it back here
            with Demote. A group mapped to the {role} role makes its members {role}s: change that on{" "}
            <RouteLink to="/teams">Teams and roles</RouteLink>. The last {role} who can sign in is never demoted.
          </>
        }
      />
      {notice && (
        <MessageBar intent="success" role="status">
          <MessageBarBody>{notice}</MessageBarBody>
        </MessageBar>
      )}
      <Section title={`${role}s of this tenant`} id="admins-heading">
        {admins.loading && !admins.data ? (
          <LoadingState label="Loading admins…" />
        ) : admins.error ? (
          <ErrorState error={admins.error} what="the admins" onRetry={admins.reload} />
        ) : admins.data && admins.data.admins.length === 0 ? (
          <EmptyState title={`No ${role} yet`}>
            Create an invite below and open it to sign in as the first {role}.
          </EmptyState>
        ) : (
          <AdminTable list={admins.data!} onDemote={setDemoting} />
        )}
      </Section>
      <Section title={`Make an existing user ${role}`} id="grant-heading">
        <GrantAdminForm
          role={role}
          onGranted={(g) => {
            setNotice(
              `Made ${g.user.userName} ${g.role}: ${reasonText(g.reason, g.role)}. Demote on this page takes it back.`,
            );
            admins.reload();
            focusSection("admins-heading");
          }}
        />
      </Section>
      <Section title="Open invites" id="invites-heading">
        <Text as="p" className={s.intro}>
          An invite is a link that works once, for 24 hours: whoever signs in with Microsoft through it becomes {role}.
          The link is shown only when it is created.
        </Text>
        <CreateInviteForm
          onCreated={(c) => {
            setNotice(undefined);
            setCreated(c);
            invites.reload();
          }}
        />
        {invites.loading && !invites.data ? (
          <LoadingState label="Loading invites…" />
        ) : invites.error ? (
          <ErrorState error={invites.error} what="the invites" onRetry={invites.reload} />
        ) : invites.data && invites.data.invites.length === 0 ? (
          <EmptyState title="No open invites">
            Invites that were used, revoked or have expired are not listed.
          </EmptyState>
        ) : (
          <InviteTable invites={invites.data?.invites ?? []} onRevoke={setRevoking} />
        )}
      </Section>
      <DemoteDialog
        admin={demoting}
        role={role}
        onClose={() => setDemoting(undefined)}
        onDone={(d) => {
          setDemoting(undefined);
          setNotice(
            d.stillAdmin
              ? `Removed the direct grant of ${d.user.userName}. They stay ${d.role} through their group: unmap it on Teams and roles to demote them.`
              : `Demoted ${d.user.userName}: now ${reasonText(d.reason, d.role)}. They can no longer open the admin pages.`,
          );
          admins.reload();
          focusSection("admins-heading");
        }}
      />
      <RevokeInviteDialog
        invite={revoking}
        onClose={() => setRevoking(undefined)}
        onDone={(i) => {
          setRevoking(undefined);
          setNotice(
            `Revoked invite ${i.id}${i.userName ? ` for ${i.userName}` : ""}: its link no longer signs anyone in.`,
          );
          invites.reload();
          focusSection("invites-heading");
        }}
      />
      <InviteCreatedDialog created={created} onClose={() => setCreated(undefined)} />
    </>
  );
}

/** Why a user cannot be made Admin here (the server refuses the same), or undefined. */
function notGrantable(u: UserSummary, role: string): string | undefined {
  if (u.role === role) return `already ${role}`;
  if (u.status === "disconnected") return "disconnected";
  return undefined;
}

/** "Make Admin": find a provisioned user by any part of their name, then confirm. */
function GrantAdminForm({ role, onGranted }: { role: string; onGranted: (g: Granted) => void }) {
  const s = useStyles();
  const [search, setSearch] = useState("");
  const [found, setFound] = useState<UserSummary[]>();
  const [chosen, setChosen] = useState("");
  const [confirming, setConfirming] = useState<UserSummary>();
  const [pickError, setPickError] = useState<string>();
  const lookup = useAction();
  const find = async (e: FormEvent) => {
    e.preventDefault();
    setChosen("");
    setPickError(undefined);
    const res = await lookup.run(() =>
      api.get<{ users: UserSummary[] }>(withQuery("/api/admin/users", { search: search.trim(), pageSize: 20 })),
    );
    if (res) setFound(res.users);
  };
  const ask = () => {
    const user = found?.find((u) => u.id === chosen);
    if (!user) {
      setPickError("Choose a user first.");
      return;
    }
    setPickError(undefined);
    setConfirming(user);
  };
  return (
    <>
      <Text as="p" className={s.intro}>
        Gives a user Entra has provisioned the {role} role directly (granted by you); Demote takes it back. A
        disconnected or deleted user cannot be made {role}.
      </Text>
      <form className={s.form} onSubmit={find} noValidate>
        <Field label="Find a user" hint="Any part of their userName, name or Object ID." className={s.field}>
          <Input type="search" value={search} onChange={(_, d) => setSearch(d.value)} autoComplete="off" />
        </Field>
        <Button type="submit" icon={<SearchRegular />} className={s.submit} disabledFocusable={lookup.busy}>
          {lookup.busy ? "Searching…" : "Search"}
        </Button>
      </form>
      <ProblemBar error={lookup.error} title="No users found" />
      {found && found.length === 0 && <Text as="p">No provisioned user matches “{search}”.</Text>}
      {found && found.length > 0 && (
        <div className={s.form}>
          <Field label="User" required validationMessage={pickError} className={s.field}>
            <Select value={chosen} onChange={(_, d) => setChosen(d.value)}>
              <option value="">Choose one of {found.length} matches</option>
              {found.map((u) => {
                const why = notGrantable(u, role);
                return (
                  <option key={u.id} value={u.id} disabled={!!why}>
                    {u.userName}
                    {u.displayName ? ` (${u.displayName})` : ""}
                    {why ? `: ${why}` : ""}
                  </option>
                );
              })}
            </Select>
          </Field>
          <Button appearance="primary" icon={<PersonAddRegular />} className={s.submit} onClick={ask}>
            Make {role}
          </Button>
        </div>
      )}
      <ConfirmDialog
        open={!!confirming}
        title={`Make ${confirming?.userName ?? ""} ${role}?`}
        confirmLabel={`Make ${role}`}
        busyLabel="Granting…"
        failedTitle={`${confirming?.userName ?? "The user"} was not made ${role}`}
        describedBy="grant-what-changes"
        run={() => api.post<Granted>("/api/admin/admins", { user: confirming!.id })}
        onClose={() => setConfirming(undefined)}
        onDone={(g) => {
          setConfirming(undefined);
          setFound(undefined);
          setChosen("");
          setSearch("");
          onGranted(g);
        }}
      >
        {confirming && (
          <div id="grant-what-changes" className={s.dialogBody}>
            <Text as="p">
              {confirming.userName} (now {confirming.role}) becomes {role}: they can manage this tenant — tokens,
              mappings, users and {role}s. The grant is in the provisioning log with your name.
            </Text>
            {!confirming.loginTypes.includes("entra") && (
              <Text as="p">They have no Microsoft Entra login, so they cannot open the portal until they get one.</Text>
            )}
          </div>
        )}
      </ConfirmDialog>
    </>
  );
}

function DemoteButton({ admin, onDemote }: { admin: AdminRow; onDemote: (a: AdminRow) => void }) {
  const restoreTarget = useRestoreFocusTarget();
  return (
    <DangerButton
      icon={<PersonArrowLeftRegular />}
      aria-label={`Demote ${admin.userName}`}
      onClick={() => onDemote(admin)}
      {...restoreTarget}
    >
      Demote
    </DangerButton>
  );
}

function AdminTable({ list, onDemote }: { list: AdminList; onDemote: (a: AdminRow) => void }) {
  const s = useStyles();
  return (
    <div className={s.scroll}>
      <Table aria-label={`${list.role}s`} className={s.table}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell>User</TableHeaderCell>
            <TableHeaderCell>Why {list.role}</TableHeaderCell>
            <TableHeaderCell>Sign-in</TableHeaderCell>
            <TableHeaderCell>
              <span className="visually-hidden">Actions</span>
            </TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {list.admins.map((a) => (
            <TableRow key={a.id} data-testid={`admin-row-${a.id}`}>
              <TableCell className={s.cell}>
                <span className={s.name}>
                  <RouteLink to={`/users/${encodeURIComponent(a.id)}`}>{a.displayName || a.userName}</RouteLink>
                  {a.displayName && <Caption1>{a.userName}</Caption1>}
                </span>
              </TableCell>
              <TableCell className={s.cell}>
                <span className={s.why}>
                  <Text>{reasonText(a.reason, list.role)}</Text>
                  {a.reason.kind === "mapping" && (
                    <Caption1>
                      To demote: unmap the group on <RouteLink to="/teams">Teams and roles</RouteLink>, or remove them
                      from it in Entra.
                    </Caption1>
                  )}
                  {a.reason.kind !== "mapping" && a.refusal && <Caption1>{a.refusal}</Caption1>}
                </span>
              </TableCell>
              <TableCell className={s.cell}>
                <Badge appearance="tint" shape="rounded" color={a.canSignIn ? "success" : "warning"}>
                  {a.canSignIn ? "Can sign in" : a.status === "disconnected" ? "Disconnected" : "No Entra login"}
                </Badge>
              </TableCell>
              <TableCell className={s.cell}>{a.demotable && <DemoteButton admin={a} onDemote={onDemote} />}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}

function DemoteDialog({
  admin,
  role,
  onClose,
  onDone,
}: {
  admin?: AdminRow;
  role: string;
  onClose: () => void;
  onDone: (d: Demoted) => void;
}) {
  const s = useStyles();
  const action = useAction();
  const after = admin?.afterDemotion;
  const run = async () => {
    if (!admin || action.busy) return;
    const res = await action.run(() => api.post<Demoted>(`/api/admin/admins/${encodeURIComponent(admin.id)}/demote`));
    if (res) onDone(res);
  };
  const close = () => {
    action.setError(undefined);
    onClose();
  };
  return (
    <Dialog open={!!admin} onOpenChange={(_, d) => !d.open && close()}>
      <DialogSurface aria-describedby="demote-what-changes">
        <DialogBody>
          <DialogTitle>Demote {admin?.userName}?</DialogTitle>
          <DialogContent className={s.dialogBody}>
            {admin && after && (
              <div id="demote-what-changes">
                <Text as="p">
                  {admin.userName} is {reasonText(admin.reason, role)}. Demoting takes that grant back. What changes,
                  for this one user:
                </Text>
                {after.role === role ? (
                  <Text as="p">
                    They stay {role} through group{" "}
                    {after.reason.kind === "mapping" ? (after.reason.groupName ?? after.reason.groupId) : ""}; to demote
                    them fully, unmap that group on Teams and roles afterwards.
                  </Text>
                ) : (
                  <Text as="p">
                    Their role becomes {after.role} (
                    {after.reason.kind === "mapping"
                      ? `through group ${after.reason.groupName ?? after.reason.groupId}`
                      : "the default role"}
                    ), and they can no longer open the admin pages, from their next click on.
                  </Text>
                )}
              </div>
            )}
            <ProblemBar error={action.error} title={`${admin?.userName ?? "The user"} was not demoted`} />
          </DialogContent>
          <DialogActions>
            <Button onClick={close}>Cancel</Button>
            <DangerButton appearance="primary" onClick={run} disabledFocusable={action.busy}>
              {action.busy ? "Demoting…" : "Demote"}
            </DangerButton>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

function CreateInviteForm({ onCreated }: { onCreated: (c: InviteCreated) => void }) {
  const s = useStyles();
  const action = useAction();
  const [userName, setUserName] = useState("");
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (action.busy) return;
    const res = await action.run(() =>
      api.post<InviteCreated>("/api/admin/invites", userName.trim() ? { userName: userName.trim() } : {}),
    );
    if (res) {
      setUserName("");
      onCreated(res);
    }
  };
  return (
    <form className={s.form} onSubmit={submit} aria-label="Create invite">
      <Field
        className={s.field}
        label="Only for (optional)"
        hint="The Microsoft Entra user name of the person, e.g. ann@contoso.com; empty: anyone with the link."
        validationMessage={action.error?.fieldError("userName")}
      >
        <Input value={userName} onChange={(_, d) => setUserName(d.value)} autoComplete="off" />
      </Field>
      <Button
        type="submit"
        appearance="primary"
        icon={<AddRegular />}
        disabledFocusable={action.busy}
        className={s.submit}
      >
        {action.busy ? "Creating…" : "Create invite"}
      </Button>
      <ProblemBar error={action.error} title="The invite was not created" hideFields={["userName"]} />
    </form>
  );
}

function RevokeInviteButton({ invite, onRevoke }: { invite: InviteRow; onRevoke: (i: InviteRow) => void }) {
  const restoreTarget = useRestoreFocusTarget();
  return (
    <DangerButton
      icon={<DeleteRegular />}
      aria-label={`Revoke invite ${invite.id}`}
      onClick={() => onRevoke(invite)}
      {...restoreTarget}
    >
      Revoke
    </DangerButton>
  );
}

function InviteTable({ invites, onRevoke }: { invites: InviteRow[]; onRevoke: (i: InviteRow) => void }) {
  const s = useStyles();
  return (
    <div className={s.scroll}>
      <Table aria-label="Open invites" className={s.table}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Invite</TableHeaderCell>
            <TableHeaderCell>For</TableHeaderCell>
            <TableHeaderCell>Created</TableHeaderCell>
            <TableHeaderCell>Expires</TableHeaderCell>
            <TableHeaderCell>
              <span className="visually-hidden">Actions</span>
            </TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {invites.map((i) => (
            <TableRow key={i.id} data-testid={`invite-row-${i.id}`}>
              <TableCell className={mergeClasses(s.cell, s.mono)}>{i.id}</TableCell>
              <TableCell className={s.cell}>{i.userName ?? "Anyone with the link"}</TableCell>
              <TableCell className={s.cell}>
                {fmtDateTime(i.createdAt)}
                {i.createdBy && <Caption1 block>by {i.createdBy}</Caption1>}
              </TableCell>
              <TableCell className={s.cell}>{fmtDateTime(i.expiresAt)}</TableCell>
              <TableCell className={s.cell}>
                <RevokeInviteButton invite={i} onRevoke={onRevoke} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}

function RevokeInviteDialog({
  invite,
  onClose,
  onDone,
}: {
  invite?: InviteRow;
  onClose: () => void;
  onDone: (i: InviteRow) => void;
}) {
  const action = useAction();
  const run = async () => {
    if (!invite || action.busy) return;
    const res = await action.run(() =>
      api.post<{ invite: InviteRow }>(`/api/admin/invites/${encodeURIComponent(invite.id)}/revoke`),
    );
    if (res) onDone(res.invite);
  };
  const close = () => {
    action.setError(undefined);
    onClose();
  };
  return (
    <Dialog open={!!invite} onOpenChange={(_, d) => !d.open && close()}>
      <DialogSurface aria-describedby="revoke-invite-what-changes">
        <DialogBody>
          <DialogTitle>Revoke invite {invite?.id}?</DialogTitle>
          <DialogContent>
            <Text as="p" id="revoke-invite-what-changes">
              The link {invite?.userName ? `sent to ${invite.userName} ` : ""}stops working at once: nobody can become
              Admin through it. Nobody loses a role.
            </Text>
            <ProblemBar error={action.error} title="The invite was not revoked" />
          </DialogContent>
          <DialogActions>
            <Button onClick={close}>Cancel</Button>
            <DangerButton appearance="primary" onClick={run} disabledFocusable={action.busy}>
              {action.busy ? "Revoking…" : "Revoke invite"}
            </DangerButton>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

function InviteCreatedDialog({ created, onClose }: { created?: InviteCreated; onClose: () => void }) {
  return (
    <ShownOnceDialog
      open={!!created}
      title="Invite created"
      warning="Copy the link now"
      why="It is not shown again: only its hash is kept. Whoever opens it and signs in with Microsoft becomes Admin."
      onClose={onClose}
    >
      {created && (
        <CopyField
          label="Invite link"
          value={created.invite.url}
          hint={`Works once, until ${fmtDateTime(created.invite.expiresAt)}${created.invite.userName ? `, only for ${created.invite.userName}` : ""}.`}
        />
      )}
    </ShownOnceDialog>
  );
}
