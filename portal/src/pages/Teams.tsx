import { useState, type FormEvent, type ReactNode } from "react";
import {
  Badge,
  Button,
  Checkbox,
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
  MessageBarTitle,
  Select,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { ArrowRightRegular, DeleteRegular, DismissRegular, EditRegular } from "@fluentui/react-icons";
import {
  api,
  type Group,
  type MappedGroup,
  type MappingChange,
  type RoleList as Roles,
  type RoleMapping,
  type RolePreview,
  type Team,
  type TeamDeletePreview,
} from "../api";
import { useAction, useGet } from "../hooks";
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
  focusSection,
} from "../components/common";

const useStyles = makeStyles({
  form: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "end", flexWrap: "wrap" },
  select: { minWidth: "240px" },
  groups: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap", alignItems: "center" },
  preview: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS },
  previewList: { margin: 0, paddingLeft: tokens.spacingHorizontalXL, maxHeight: "240px", overflowY: "auto" },
  actions: { display: "flex", gap: tokens.spacingHorizontalS },
  sub: { color: tokens.colorNeutralForeground2 },
  mapped: { display: "inline-flex", gap: tokens.spacingHorizontalXS, alignItems: "center", flexWrap: "wrap" },
  dialogBody: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS },
  picker: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXXS },
  rowActions: { display: "flex", gap: tokens.spacingHorizontalXS, flexWrap: "wrap" },
});

/** Teams and roles: teams with their mapped Entra groups; group → role mappings with a preview. */
export default function TeamsPage() {
  const groups = useGet<{ groups: Group[] }>("/api/admin/groups");
  return (
    <>
      <PageHeader
        title="Teams and roles"
        help="Entra groups assigned to your app are provisioned as groups. Map a group onto a product team to keep the team's members in step with it, and map a group to a role to give its members that role. A mapping follows the group itself, not its name: renaming the group in Entra changes nobody's role or team."
      />
      {groups.error && (
        <ErrorState error={groups.error} what="the Entra groups for the pickers" onRetry={groups.reload} />
      )}
      <TeamsSection groups={groups.data?.groups} />
      <RolesSection groups={groups.data?.groups} />
    </>
  );
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const PENDING_HINT = "not provisioned yet: binds when Entra creates this group";

/** A mapped group by its current name and member count (or what it waits for). */
function mappedGroupLabel(g: MappedGroup): string {
  if (g.pending) return `${g.group} (${PENDING_HINT})`;
  if (!g.groupId) return `${g.group} (deleted group)`;
  return `${g.groupName} (${plural(g.members ?? 0, "member")})`;
}

const byName = (a: MappedGroup, b: MappedGroup) => (a.groupName ?? a.group).localeCompare(b.groupName ?? b.group);

/** What a role change that ran (partly) as background jobs says, with a link to their progress. */
function JobsNote({ jobs, members }: { jobs: MappingChange["jobs"]; members?: number }) {
  if (jobs.length === 0) return null;
  return (
    <>
      {" "}
      The group is large{members !== undefined ? ` (${plural(members, "member")})` : ""}: its members' roles are being
      updated in the background (job {jobs.map((j) => j.id).join(", ")}), so they change over the next moments. Follow
      its progress under Background jobs on <RouteLink to="/health">Connection health</RouteLink>.
    </>
  );
}

function Done({ children }: { children: ReactNode }) {
  return (
    <MessageBar intent="success" role="status" layout="multiline">
      <MessageBarBody>{children}</MessageBarBody>
    </MessageBar>
  );
}

/** The "Pending" badge of a mapping whose group Entra has not provisioned yet. */
function PendingBadge() {
  return (
    <Badge appearance="outline" color="warning" shape="rounded">
      Pending
    </Badge>
  );
}

/**
 * The group of a new mapping: a provisioned group from the list, or (checkbox) a name or Entra
 * object ID of a group Entra has not provisioned yet; that mapping is pending until Entra creates it.
 */
function GroupPicker({
  groups,
  value,
  onChange,
  label,
  pending,
  onPending,
  idPrefix,
}: {
  groups: Group[] | undefined;
  value: string;
  onChange: (v: string) => void;
  label: string;
  pending: boolean;
  onPending: (p: boolean) => void;
  idPrefix: string;
}) {
  const s = useStyles();
  return (
    <div className={s.picker}>
      {pending ? (
        <Field
          label={`${label} (not provisioned yet)`}
          required
          hint="Its displayName or Entra object ID. The mapping is pending: it binds when Entra creates this group."
        >
          <Input
            className={s.select}
            value={value}
            onChange={(_, d) => onChange(d.value)}
            autoComplete="off"
            maxLength={256}
            id={`${idPrefix}-pending-group`}
          />
        </Field>
      ) : (
        <GroupSelect groups={groups} value={value} onChange={onChange} label={label} />
      )}
      <Checkbox
        checked={pending}
        onChange={(_, d) => {
          onPending(d.checked === true);
          onChange("");
        }}
        label="The group is not provisioned yet"
      />
    </div>
  );
}

function GroupSelect({
  groups,
  value,
  onChange,
  label,
}: {
  groups: Group[] | undefined;
  value: string;
  onChange: (v: string) => void;
  label: string;
}) {
  const s = useStyles();
  const none = groups !== undefined && groups.length === 0;
  return (
    <Field
      label={label}
      required
      validationState={none ? "warning" : "none"}
      validationMessage={
        none ? "No Entra group provisioned yet: assign groups to your app in Entra and let a cycle run." : undefined
      }
    >
      <Select className={s.select} value={value} onChange={(_, d) => onChange(d.value)} disabled={!groups || none}>
        <option value="">{groups ? "Choose a group" : "Loading groups…"}</option>
        {groups?.map((g) => (
          <option key={g.id} value={g.displayName}>
            {g.displayName} ({plural(g.members, "member")})
          </option>
        ))}
      </Select>
    </Field>
  );
}

interface TeamUnmap {
  team: Team;
  group: MappedGroup;
}

function TeamsSection({ groups }: { groups: Group[] | undefined }) {
  const s = useStyles();
  const teams = useGet<{ teams: Team[] }>("/api/admin/teams");
  const [group, setGroup] = useState("");
  const [team, setTeam] = useState("");
  const [newTeam, setNewTeam] = useState("");
  const [formError, setFormError] = useState<string>();
  const [done, setDone] = useState<string>();
  const [confirm, setConfirm] = useState<TeamUnmap>();
  const [pending, setPending] = useState(false);
  const [renaming, setRenaming] = useState<Team>();
  const [newName, setNewName] = useState("");
  const [deleting, setDeleting] = useState<TeamDeletePreview>();
  const map = useAction();
  const unmap = useAction();
  const create = useAction();
  const rename = useAction();
  const deletePreview = useAction();

  const startRename = (t: Team) => {
    setDone(undefined);
    rename.setError(undefined);
    setNewName(t.name);
    setRenaming(t);
  };
  const runRename = async (e: FormEvent) => {
    e.preventDefault();
    if (!renaming) return;
    const res = await rename.run(() =>
      api.post<{ team: { name: string }; previousName: string }>(
        `/api/admin/teams/${encodeURIComponent(renaming.id)}/rename`,
        { name: newName },
      ),
    );
    if (res) {
      setRenaming(undefined);
      setDone(
        `Renamed team ${res.previousName} to ${res.team.name}. Its ${plural(renaming.groups.length, "mapped group")} and ${plural(renaming.members, "member")} are unchanged.`,
      );
      teams.reload();
      focusSection("teams-heading");
    }
  };
  const askDelete = async (t: Team) => {
    setDone(undefined);
    const res = await deletePreview.run(() =>
      api.get<TeamDeletePreview>(`/api/admin/teams/${encodeURIComponent(t.id)}/delete-preview`),
    );
    if (res) setDeleting(res);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(undefined);
    if (!group || !team) {
      setFormError("Choose both a group and a team.");
      return;
    }
    setFormError(undefined);
    const res = await map.run(() =>
      api.post<{ groupName: string | null; pending: boolean; team: { name: string } }>("/api/admin/teams/map", {
        group,
        team,
        ...(pending ? { pending } : {}),
      }),
    );
    if (res) {
      const g = groups?.find((x) => x.displayName === group);
      setDone(
        res.pending
          ? `Mapped ${group} to team ${res.team.name} as pending: nobody joins it now; the mapping binds when Entra creates this group.`
          : `Mapped ${res.groupName ?? group} to team ${res.team.name}: its ${plural(g?.members ?? 0, "member")} are in ${res.team.name}.`,
      );
      setGroup("");
      setPending(false);
      setTeam("");
      teams.reload();
    }
  };
  const remove = async () => {
    if (!confirm) return;
    const { team: t, group: g } = confirm;
    const ok = await unmap.run(async () => {
      await api.post("/api/admin/teams/unmap", { group: g.group });
      return true;
    });
    if (ok) {
      setConfirm(undefined);
      const name = g.groupName ?? g.group;
      setDone(
        `Unmapped ${name} from team ${t.name}: its ${plural(g.members ?? 0, "member")} left ${t.name} and are in a team of the group's own, ${name}.`,
      );
      teams.reload();
      focusSection("teams-heading");
    }
  };
  const createTeam = async (e: FormEvent) => {
    e.preventDefault();
    setDone(undefined);
    const name = newTeam.trim();
    if (!name) return;
    const ok = await create.run(async () => {
      await api.post("/api/admin/teams", { name });
      return true;
    });
    if (ok) {
      setNewTeam("");
      setDone(`Created team ${name}. Map an Entra group onto it to give it members.`);
      teams.reload();
    }
  };

  const list = teams.data?.teams;
  return (
    <Section title="Teams" id="teams-heading">
      {teams.loading && !list ? (
        <LoadingState label="Loading teams…" />
      ) : teams.error ? (
        <ErrorState error={teams.error} what="the teams" onRetry={teams.reload} />
      ) : list && list.length === 0 ? (
        <EmptyState title="No teams yet">
          Create a team below, or map an Entra group onto one: its members become the team's members.
        </EmptyState>
      ) : list ? (
        <Table aria-label="Teams" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Team</TableHeaderCell>
              <TableHeaderCell>Source</TableHeaderCell>
              <TableHeaderCell>Members</TableHeaderCell>
              <TableHeaderCell>Mapped Entra groups</TableHeaderCell>
              <TableHeaderCell>
                <span className="visually-hidden">Actions</span>
              </TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {list.map((t) => (
              <TableRow key={t.id}>
                <TableCell>
                  <Text weight="semibold">{t.name}</Text>
                </TableCell>
                <TableCell>
                  <Badge appearance="tint" color={t.source === "entra" ? "brand" : "informative"} shape="rounded">
                    {t.source === "entra" ? "Entra-provisioned" : "Product"}
                  </Badge>
                </TableCell>
                <TableCell>
                  <RouteLink
                    to={`/users?team=${encodeURIComponent(t.id)}`}
                    aria-label={`${plural(t.members, "member")} of ${t.name}: show them on Users`}
                  >
                    {t.members}
                  </RouteLink>
                </TableCell>
                <TableCell>
                  <div className={s.groups}>
                    {t.groups.length === 0 && <Text className={s.sub}>None</Text>}
                    {t.source === "entra"
                      ? t.groups.map((g) => <Text key={g.group}>{mappedGroupLabel(g)}</Text>)
                      : [...t.groups].sort(byName).map((g) => (
                          <span key={g.group} className={s.mapped}>
                            {g.pending && <PendingBadge />}
                            <Text>{mappedGroupLabel(g)}</Text>
                            <DangerButton
                              size="small"
                              icon={<DismissRegular />}
                              aria-label={`Unmap ${g.groupName ?? g.group} from ${t.name}`}
                              onClick={() => {
                                setDone(undefined);
                                unmap.setError(undefined);
                                setConfirm({ team: t, group: g });
                              }}
                            >
                              Unmap
                            </DangerButton>
                          </span>
                        ))}
                  </div>
                </TableCell>
                <TableCell>
                  {t.source === "product" && (
                    <div className={s.rowActions}>
                      <Button
                        size="small"
                        icon={<EditRegular />}
                        aria-label={`Rename team ${t.name}`}
                        onClick={() => startRename(t)}
                      >
                        Rename
                      </Button>
                      <DangerButton
                        size="small"
                        icon={<DeleteRegular />}
                        aria-label={`Delete team ${t.name}`}
                        onClick={() => askDelete(t)}
                        disabledFocusable={deletePreview.busy}
                      >
                        Delete
                      </DangerButton>
                    </div>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
      <ProblemBar error={deletePreview.error} title="No preview of the deletion" />
      {done && <Done>{done}</Done>}
      <Dialog open={!!renaming} onOpenChange={(_, d) => !d.open && setRenaming(undefined)}>
        <DialogSurface>
          <form onSubmit={runRename} noValidate>
            <DialogBody>
              <DialogTitle>Rename team {renaming?.name}</DialogTitle>
              <DialogContent className={s.dialogBody}>
                <Text as="p">Mappings and members stay as they are: they refer to the team itself, not its name.</Text>
                <Field
                  label="New name"
                  required
                  hint="At most 100 characters; no other team may have it."
                  validationMessage={rename.error?.fieldError("name")}
                >
                  <Input value={newName} onChange={(_, d) => setNewName(d.value)} autoComplete="off" maxLength={100} />
                </Field>
                <ProblemBar error={rename.error} title="The team was not renamed" hideFields={["name"]} />
              </DialogContent>
              <DialogActions>
                <Button onClick={() => setRenaming(undefined)}>Cancel</Button>
                <Button type="submit" appearance="primary" disabledFocusable={rename.busy || !newName.trim()}>
                  {rename.busy ? "Renaming…" : "Rename"}
                </Button>
              </DialogActions>
            </DialogBody>
          </form>
        </DialogSurface>
      </Dialog>
      <ConfirmDialog
        open={!!deleting}
        title={`Delete team ${deleting?.team.name ?? ""}?`}
        confirmLabel="Delete team"
        busyLabel="Deleting…"
        failedTitle="The team was not deleted"
        describedBy="team-delete-what-changes"
        run={() =>
          api.post<{ team: { name: string }; mappingsRemoved: number; users: number }>(
            `/api/admin/teams/${encodeURIComponent(deleting!.team.id)}/delete`,
          )
        }
        onClose={() => setDeleting(undefined)}
        onDone={(res) => {
          setDeleting(undefined);
          setDone(
            `Deleted team ${res.team.name} and its ${plural(res.mappingsRemoved, "team mapping")}: ${plural(res.users, "user")} left the team and are in a team of their group's own.`,
          );
          teams.reload();
          focusSection("teams-heading");
        }}
      >
        {deleting && (
          <div id="team-delete-what-changes" className={s.dialogBody}>
            <Text as="p" weight="semibold">
              {`Removes ${plural(deleting.mappings, "team mapping")}; ${plural(deleting.users, "user")} lose the team ${deleting.team.name}.`}
            </Text>
            <Text as="p">
              {deleting.groups.length
                ? `The members of ${deleting.groups.map((g) => g.groupName ?? g.group).join(", ")} are in a team of their group's own instead. Nobody's role changes.`
                : "No group is mapped onto it. Nobody's role changes."}
            </Text>
          </div>
        )}
      </ConfirmDialog>
      <Dialog open={!!confirm} onOpenChange={(_, d) => !d.open && setConfirm(undefined)}>
        <DialogSurface aria-describedby="team-unmap-what-changes">
          <DialogBody>
            <DialogTitle>
              Unmap {confirm?.group.groupName ?? confirm?.group.group} from team {confirm?.team.name}?
            </DialogTitle>
            <DialogContent className={s.dialogBody}>
              {confirm && (
                <Text as="p" id="team-unmap-what-changes">
                  {confirm.group.pending
                    ? `Nobody changes team: the group is not provisioned yet. The mapping is removed, so the group will not join ${confirm.team.name} when Entra creates it.`
                    : `${plural(confirm.group.members ?? 0, "member")} of ${confirm.group.groupName ?? confirm.group.group} leave team ${confirm.team.name} (unless another mapped group keeps them in it) and are in a team of the group's own instead.`}
                </Text>
              )}
              <ProblemBar error={unmap.error} title="The group was not unmapped" />
            </DialogContent>
            <DialogActions>
              <Button onClick={() => setConfirm(undefined)}>Cancel</Button>
              <DangerButton appearance="primary" onClick={remove} disabledFocusable={unmap.busy}>
                {unmap.busy ? "Unmapping…" : "Unmap"}
              </DangerButton>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
      <form className={s.form} onSubmit={submit} noValidate>
        <GroupPicker
          groups={groups}
          value={group}
          onChange={(g) => {
            setGroup(g);
            setDone(undefined);
          }}
          label="Entra group"
          pending={pending}
          onPending={setPending}
          idPrefix="team"
        />
        <Field label="Team" required validationMessage={formError}>
          <Select
            className={s.select}
            value={team}
            onChange={(_, d) => setTeam(d.value)}
            disabled={!list?.some((t) => t.source === "product")}
          >
            <option value="">Choose a team</option>
            {list
              ?.filter((t) => t.source === "product")
              .map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
          </Select>
        </Field>
        <Button type="submit" appearance="primary" disabledFocusable={map.busy}>
          {pending ? "Map pending group to team" : "Map group to team"}
        </Button>
      </form>
      <ProblemBar error={map.error} title="The group was not mapped" />
      <form className={s.form} onSubmit={createTeam} noValidate>
        <Field
          label="New team name"
          hint="At most 100 characters."
          validationMessage={create.error?.fieldError("name")}
        >
          <Input value={newTeam} onChange={(_, d) => setNewTeam(d.value)} autoComplete="off" maxLength={100} />
        </Field>
        <Button type="submit" disabledFocusable={create.busy || !newTeam.trim()}>
          Create team
        </Button>
      </form>
      <ProblemBar error={create.error} title="The team was not created" hideFields={["name"]} />
    </Section>
  );
}

function ChangeList({ preview }: { preview: RolePreview }) {
  const s = useStyles();
  if (preview.changes.length === 0) return null;
  const sorted = [...preview.changes].sort((a, b) => a.userName.localeCompare(b.userName));
  return (
    <ul className={s.previewList} aria-label="Role changes">
      {sorted.map((c) => (
        <li key={c.userId}>
          {c.userName}: {c.from} <ArrowRightRegular aria-label="to" /> {c.to}
        </li>
      ))}
    </ul>
  );
}

const changedText = (n: number) => `${plural(n, "user")} changed role`;

function RolesSection({ groups }: { groups: Group[] | undefined }) {
  const s = useStyles();
  const roles = useGet<Roles>("/api/admin/roles");
  const [group, setGroup] = useState("");
  const [role, setRole] = useState("");
  const [pending, setPending] = useState(false);
  const [preview, setPreview] = useState<
    RolePreview & { group: string; groupName: string; role: string; pending: boolean }
  >();
  const [formError, setFormError] = useState<string>();
  const [saved, setSaved] = useState<{ text: string; jobs: MappingChange["jobs"]; members?: number }>();
  const [confirm, setConfirm] = useState<{ mapping: RoleMapping; preview: RolePreview }>();
  const previewAction = useAction();
  const save = useAction();
  const unmapPreview = useAction();
  const unmap = useAction();

  const change = (g: string, r: string) => {
    setGroup(g);
    setRole(r);
    setPreview(undefined);
    setSaved(undefined);
  };

  const runPreview = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(undefined);
    if (!group || !role) {
      setFormError("Choose both a group and a role.");
      return;
    }
    setFormError(undefined);
    const res = await previewAction.run(() =>
      api.post<RolePreview>("/api/admin/roles/preview", { group, role, ...(pending ? { pending } : {}) }),
    );
    if (res) setPreview({ ...res, group, groupName: group, role, pending });
  };
  const runSave = async () => {
    if (!preview) return;
    const res = await save.run(() =>
      api.post<MappingChange & { mapping: { pending: boolean } }>("/api/admin/roles/map", {
        group: preview.group,
        role: preview.role,
        ...(preview.pending ? { pending: true } : {}),
      }),
    );
    if (res) {
      const text = res.mapping.pending
        ? `Mapped ${preview.groupName} to ${preview.role} as pending: nobody's role changes now; the mapping binds when Entra creates this group.`
        : res.jobs.length
          ? `Mapped ${preview.groupName} to ${preview.role}.`
          : `Mapped ${preview.groupName} to ${preview.role}; ${changedText(res.changed)}.`;
      setSaved({ text, jobs: res.jobs, members: preview.members });
      setPreview(undefined);
      setGroup("");
      setRole("");
      setPending(false);
      roles.reload();
    }
  };
  const askUnmap = async (m: RoleMapping) => {
    setSaved(undefined);
    setPreview(undefined);
    unmap.setError(undefined);
    const res = await unmapPreview.run(() =>
      api.post<RolePreview>("/api/admin/roles/preview", { group: m.group, unmap: true }),
    );
    if (res) setConfirm({ mapping: m, preview: res });
  };
  const runUnmap = async () => {
    if (!confirm) return;
    const { mapping } = confirm;
    const res = await unmap.run(() => api.post<MappingChange>("/api/admin/roles/unmap", { group: mapping.group }));
    if (res) {
      const name = mapping.groupName ?? mapping.group;
      const text = res.jobs.length
        ? `Unmapped ${name} from ${mapping.role}.`
        : `Unmapped ${name} from ${mapping.role}; ${changedText(res.changed)}.`;
      setSaved({ text, jobs: res.jobs, members: confirm.preview.members });
      setConfirm(undefined);
      roles.reload();
      focusSection("roles-heading");
    }
  };

  const data = roles.data;
  const confirmName = confirm ? (confirm.mapping.groupName ?? confirm.mapping.group) : "";
  return (
    <Section title="Role mappings" id="roles-heading">
      {roles.loading && !data ? (
        <LoadingState label="Loading role mappings…" />
      ) : roles.error ? (
        <ErrorState error={roles.error} what="the role mappings" onRetry={roles.reload} />
      ) : data ? (
        <>
          <Text>
            Users in no mapped group get the default role, <strong>{data.defaultRole}</strong>. The last Admin of the
            tenant keeps the Admin role even if the mappings would take it away.
          </Text>
          {data.mappings.length === 0 ? (
            <EmptyState title="No role mappings yet">
              Every user has the default role. Map an Entra group (e.g. your admins group) to Admin below.
            </EmptyState>
          ) : (
            <Table aria-label="Role mappings" size="small">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>Entra group</TableHeaderCell>
                  <TableHeaderCell>Role</TableHeaderCell>
                  <TableHeaderCell>
                    <span className="visually-hidden">Actions</span>
                  </TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {data.mappings.map((m) => (
                  <TableRow key={m.group}>
                    <TableCell>
                      {m.pending && <PendingBadge />} {m.groupName ?? m.group}
                      <Text className={s.sub} size={200}>
                        {" "}
                        {m.pending
                          ? `(${PENDING_HINT})`
                          : m.groupId
                            ? `(${plural(m.members ?? 0, "member")})`
                            : "(deleted group)"}
                      </Text>
                    </TableCell>
                    <TableCell>{m.role}</TableCell>
                    <TableCell>
                      <DangerButton
                        size="small"
                        icon={<DismissRegular />}
                        aria-label={`Unmap ${m.groupName ?? m.group} from ${m.role}`}
                        onClick={() => askUnmap(m)}
                        disabledFocusable={unmapPreview.busy || unmap.busy}
                      >
                        Unmap
                      </DangerButton>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
          <ProblemBar error={unmapPreview.error} title="No preview of the unmapping" />
          {saved && (
            <Done>
              {saved.text}
              <JobsNote jobs={saved.jobs} members={saved.members} />
            </Done>
          )}
          <Dialog open={!!confirm} onOpenChange={(_, d) => !d.open && setConfirm(undefined)}>
            <DialogSurface aria-describedby="role-unmap-what-changes">
              <DialogBody>
                <DialogTitle>
                  Unmap {confirmName} from {confirm?.mapping.role}?
                </DialogTitle>
                <DialogContent className={s.dialogBody}>
                  {confirm && (
                    <div id="role-unmap-what-changes" className={s.dialogBody}>
                      <Text as="p" weight="semibold">
                        {confirm.preview.count
                          ? `Changes the role of ${plural(confirm.preview.count, "user")} of the group's ${plural(confirm.preview.members, "member")}.`
                          : `Changes no user's role (the group has ${plural(confirm.preview.members, "member")}).`}
                      </Text>
                      <ChangeList preview={confirm.preview} />
                    </div>
                  )}
                  <ProblemBar error={unmap.error} title="The mapping was not removed" />
                </DialogContent>
                <DialogActions>
                  <Button onClick={() => setConfirm(undefined)}>Cancel</Button>
                  <DangerButton appearance="primary" onClick={runUnmap} disabledFocusable={unmap.busy}>
                    {unmap.busy ? "Unmapping…" : "Unmap"}
                  </DangerButton>
                </DialogActions>
              </DialogBody>
            </DialogSurface>
          </Dialog>
          <form className={s.form} onSubmit={runPreview} noValidate>
            <GroupPicker
              groups={groups}
              value={group}
              onChange={(g) => change(g, role)}
              label="Group to map"
              pending={pending}
              onPending={setPending}
              idPrefix="role"
            />
            <Field label="Role" required validationMessage={formError}>
              <Select className={s.select} value={role} onChange={(_, d) => change(group, d.value)}>
                <option value="">Choose a role</option>
                {data.roles.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </Select>
            </Field>
            <Button type="submit" disabledFocusable={previewAction.busy}>
              {previewAction.busy ? "Previewing…" : "Preview changes"}
            </Button>
          </form>
          <ProblemBar error={previewAction.error} title="No preview" />
          {preview && (
            <div className={s.preview} role="region" aria-label="Preview of role changes">
              <MessageBar intent={preview.count ? "info" : "success"} layout="multiline">
                <MessageBarBody>
                  <MessageBarTitle>
                    {preview.count ? `Changes the role of ${plural(preview.count, "user")}` : "Changes no user's role"}
                  </MessageBarTitle>
                  {preview.pending
                    ? `Mapping ${preview.groupName} to ${preview.role} as pending: it binds when Entra creates this group, and its members then get ${preview.role}. Nothing is saved until you select Save mapping.`
                    : `Mapping ${preview.groupName} (${plural(preview.members, "member")}) to ${preview.role}. Nothing is saved until you select Save mapping.`}
                </MessageBarBody>
              </MessageBar>
              <ChangeList preview={preview} />
              <div className={s.actions}>
                <Button appearance="primary" onClick={runSave} disabledFocusable={save.busy}>
                  {save.busy ? "Saving…" : "Save mapping"}
                </Button>
                <Button onClick={() => setPreview(undefined)}>Cancel</Button>
              </div>
              <ProblemBar error={save.error} title="The mapping was not saved" />
            </div>
          )}
        </>
      ) : null}
    </Section>
  );
}
