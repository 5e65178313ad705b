import { useState, type FormEvent } from "react";
import {
  Badge,
  Button,
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
import { ArrowRightRegular, DismissRegular } from "@fluentui/react-icons";
import { api, type Group, type RoleMapping, type RolePreview, type Team } from "../api";
import { useAction, useGet } from "../hooks";
import { EmptyState, ErrorState, LoadingState, PageHeader, ProblemBar, Section, focusSection } from "../components/common";

const useStyles = makeStyles({
  form: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "end", flexWrap: "wrap" },
  select: { minWidth: "240px" },
  groups: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap", alignItems: "center" },
  preview: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS },
  previewList: { margin: 0, paddingLeft: tokens.spacingHorizontalXL, maxHeight: "240px", overflowY: "auto" },
  actions: { display: "flex", gap: tokens.spacingHorizontalS },
  sub: { color: tokens.colorNeutralForeground2 },
});

interface Roles {
  roles: string[];
  defaultRole: string;
  mappings: RoleMapping[];
}

/** Teams and roles: teams with their mapped Entra groups; group → role mappings with a preview. */
export default function TeamsPage() {
  const groups = useGet<{ groups: Group[] }>("/api/admin/groups");
  return (
    <>
      <PageHeader
        title="Teams and roles"
        help="Entra groups assigned to your app are provisioned as groups. Map a group onto a product team to keep the team's members in step with it, and map a group to a role to give its members that role."
      />
      {groups.error && <ErrorState error={groups.error} what="the Entra groups for the pickers" onRetry={groups.reload} />}
      <TeamsSection groups={groups.data?.groups} />
      <RolesSection groups={groups.data?.groups} />
    </>
  );
}

function GroupSelect({ groups, value, onChange, label }: { groups: Group[] | undefined; value: string; onChange: (v: string) => void; label: string }) {
  const s = useStyles();
  const none = groups !== undefined && groups.length === 0;
  return (
    <Field
      label={label}
      required
      validationState={none ? "warning" : "none"}
      validationMessage={none ? "No Entra group provisioned yet: assign groups to your app in Entra and let a cycle run." : undefined}
    >
      <Select className={s.select} value={value} onChange={(_, d) => onChange(d.value)} disabled={!groups || none}>
        <option value="">{groups ? "Choose a group" : "Loading groups…"}</option>
        {groups?.map((g) => (
          <option key={g.id} value={g.displayName}>
            {g.displayName} ({g.members} member{g.members === 1 ? "" : "s"})
          </option>
        ))}
      </Select>
    </Field>
  );
}

function TeamsSection({ groups }: { groups: Group[] | undefined }) {
  const s = useStyles();
  const teams = useGet<{ teams: Team[] }>("/api/admin/teams");
  const [group, setGroup] = useState("");
  const [team, setTeam] = useState("");
  const [newTeam, setNewTeam] = useState("");
  const [formError, setFormError] = useState<string>();
  const map = useAction();
  const unmap = useAction();
  const create = useAction();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!group || !team) {
      setFormError("Choose both a group and a team.");
      return;
    }
    setFormError(undefined);
    const ok = await map.run(async () => {
      await api.post("/api/admin/teams/map", { group, team });
      return true;
    });
    if (ok) {
      setGroup("");
      setTeam("");
      teams.reload();
    }
  };
  const remove = async (g: string) => {
    const ok = await unmap.run(async () => {
      await api.post("/api/admin/teams/unmap", { group: g });
      return true;
    });
    if (ok) {
      teams.reload();
      focusSection("teams-heading");
    }
  };
  const createTeam = async (e: FormEvent) => {
    e.preventDefault();
    const name = newTeam.trim();
    if (!name) return;
    const ok = await create.run(async () => {
      await api.post("/api/admin/teams", { name });
      return true;
    });
    if (ok) {
      setNewTeam("");
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
        <EmptyState title="No teams yet">Create a team below, or map an Entra group onto one: its members become the team's members.</EmptyState>
      ) : list ? (
        <Table aria-label="Teams" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Team</TableHeaderCell>
              <TableHeaderCell>Source</TableHeaderCell>
              <TableHeaderCell>Members</TableHeaderCell>
              <TableHeaderCell>Mapped Entra groups</TableHeaderCell>
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
                <TableCell>{t.members}</TableCell>
                <TableCell>
                  <div className={s.groups}>
                    {t.groups.length === 0 && <Text className={s.sub}>None</Text>}
                    {t.groups.map((g) => (
                      <Button
                        key={g}
                        size="small"
                        icon={<DismissRegular />}
                        iconPosition="after"
                        aria-label={`Unmap ${g} from ${t.name}`}
                        onClick={() => remove(g)}
                        disabledFocusable={unmap.busy}
                      >
                        {g}
                      </Button>
                    ))}
                  </div>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
      <ProblemBar error={unmap.error} title="The group was not unmapped" />
      <form className={s.form} onSubmit={submit} noValidate>
        <GroupSelect groups={groups} value={group} onChange={setGroup} label="Entra group" />
        <Field label="Team" required validationMessage={formError}>
          <Select className={s.select} value={team} onChange={(_, d) => setTeam(d.value)} disabled={!list?.length}>
            <option value="">Choose a team</option>
            {list?.map((t) => (
              <option key={t.id} value={t.name}>
                {t.name}
              </option>
            ))}
          </Select>
        </Field>
        <Button type="submit" appearance="primary" disabledFocusable={map.busy}>
          Map group to team
        </Button>
      </form>
      <ProblemBar error={map.error} title="The group was not mapped" />
      <form className={s.form} onSubmit={createTeam} noValidate>
        <Field label="New team name" validationMessage={create.error?.fieldError("name")}>
          <Input value={newTeam} onChange={(_, d) => setNewTeam(d.value)} autoComplete="off" />
        </Field>
        <Button type="submit" disabledFocusable={create.busy || !newTeam.trim()}>
          Create team
        </Button>
      </form>
      <ProblemBar error={create.error} title="The team was not created" hideFields={["name"]} />
    </Section>
  );
}

function RolesSection({ groups }: { groups: Group[] | undefined }) {
  const s = useStyles();
  const roles = useGet<Roles>("/api/admin/roles");
  const [group, setGroup] = useState("");
  const [role, setRole] = useState("");
  const [preview, setPreview] = useState<RolePreview & { group: string; role: string }>();
  const [formError, setFormError] = useState<string>();
  const [saved, setSaved] = useState<string>();
  const previewAction = useAction();
  const save = useAction();
  const unmap = useAction();

  const change = (g: string, r: string) => {
    setGroup(g);
    setRole(r);
    setPreview(undefined);
    setSaved(undefined);
  };

  const runPreview = async (e: FormEvent) => {
    e.preventDefault();
    if (!group || !role) {
      setFormError("Choose both a group and a role.");
      return;
    }
    setFormError(undefined);
    setSaved(undefined);
    const res = await previewAction.run(() => api.post<RolePreview>("/api/admin/roles/preview", { group, role }));
    if (res) setPreview({ ...res, group, role });
  };
  const runSave = async () => {
    if (!preview) return;
    const res = await save.run(() => api.post<{ changed: number }>("/api/admin/roles/map", { group: preview.group, role: preview.role }));
    if (res) {
      setSaved(
        `Mapped ${preview.group} to ${preview.role}; ${res.changed ?? preview.count} user${(res.changed ?? preview.count) === 1 ? "" : "s"} changed role.`,
      );
      setPreview(undefined);
      setGroup("");
      setRole("");
      roles.reload();
    }
  };
  const remove = async (g: string) => {
    const ok = await unmap.run(async () => {
      await api.post("/api/admin/roles/unmap", { group: g });
      return true;
    });
    if (ok) {
      roles.reload();
      focusSection("roles-heading");
    }
  };

  const data = roles.data;
  return (
    <Section title="Role mappings" id="roles-heading">
      {roles.loading && !data ? (
        <LoadingState label="Loading role mappings…" />
      ) : roles.error ? (
        <ErrorState error={roles.error} what="the role mappings" onRetry={roles.reload} />
      ) : data ? (
        <>
          <Text>
            Users in no mapped group get the default role, <strong>{data.defaultRole}</strong>. The last Admin of the tenant keeps the Admin role even if the
            mappings would take it away.
          </Text>
          {data.mappings.length === 0 ? (
            <EmptyState title="No role mappings yet">Every user has the default role. Map an Entra group (e.g. your admins group) to Admin below.</EmptyState>
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
                      {m.groupName ?? m.group}
                      {!m.groupId && (
                        <Text className={s.sub} size={200}>
                          {" "}
                          (not provisioned yet)
                        </Text>
                      )}
                    </TableCell>
                    <TableCell>{m.role}</TableCell>
                    <TableCell>
                      <Button
                        size="small"
                        icon={<DismissRegular />}
                        aria-label={`Unmap ${m.groupName ?? m.group} from ${m.role}`}
                        onClick={() => remove(m.group)}
                        disabledFocusable={unmap.busy}
                      >
                        Unmap
                      </Button>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
          <ProblemBar error={unmap.error} title="The mapping was not removed" />
          <form className={s.form} onSubmit={runPreview} noValidate>
            <GroupSelect groups={groups} value={group} onChange={(g) => change(g, role)} label="Group to map" />
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
                    {preview.count ? `Changes the role of ${preview.count} user${preview.count === 1 ? "" : "s"}` : "Changes no user's role"}
                  </MessageBarTitle>
                  Mapping {preview.group} to {preview.role}. Nothing is saved until you select Save mapping.
                </MessageBarBody>
              </MessageBar>
              {preview.changes.length > 0 && (
                <ul className={s.previewList} aria-label="Role changes">
                  {preview.changes.map((c) => (
                    <li key={c.userId}>
                      {c.userName}: {c.from} <ArrowRightRegular aria-label="to" /> {c.to}
                    </li>
                  ))}
                </ul>
              )}
              <div className={s.actions}>
                <Button appearance="primary" onClick={runSave} disabledFocusable={save.busy}>
                  {save.busy ? "Saving…" : "Save mapping"}
                </Button>
                <Button onClick={() => setPreview(undefined)}>Cancel</Button>
              </div>
              <ProblemBar error={save.error} title="The mapping was not saved" />
            </div>
          )}
          {saved && (
            <MessageBar intent="success" role="status">
              <MessageBarBody>{saved}</MessageBarBody>
            </MessageBar>
          )}
        </>
      ) : null}
    </Section>
  );
}
