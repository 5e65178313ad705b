import { useEffect, useMemo, useState } from "react";
import {
  Button,
  Field,
  SearchBox,
  Select,
  Tab,
  TabList,
  Table,
  TableBody,
  TableCell,
  TableCellLayout,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { ChevronLeftRegular, ChevronRightRegular } from "@fluentui/react-icons";
import { withQuery, type DeletedUser, type Team, type UserSummary } from "../api";
import { useDebounced, useGet } from "../hooks";
import { fmtDate, fmtDateTime, loginTypes } from "../format";
import { navigate, useSearch } from "../router";
import {
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  RouteLink,
  Section,
  UserStatusBadge,
} from "../components/common";

interface ListPage<T> {
  users: T[];
  total: number;
  page: number;
  pageSize: number;
}

const PAGE_SIZE = 25;

/** What the list shows, as the address keeps it (`?search=ann&status=active&sort=created&order=desc&page=2`). */
interface View {
  search: string;
  status: string;
  role: string;
  team: string;
  sort: string;
  order: string;
  view: string;
  page: number;
}

const SORTS: { value: string; label: string }[] = [
  { value: "userName:asc", label: "User name A to Z" },
  { value: "userName:desc", label: "User name Z to A" },
  { value: "created:desc", label: "Newest first" },
  { value: "created:asc", label: "Oldest first" },
  { value: "lastModified:desc", label: "Recently changed" },
];

function fromSearch(search: string): View {
  const p = new URLSearchParams(search);
  const page = Number(p.get("page") ?? "1");
  return {
    search: p.get("search") ?? "",
    status: p.get("status") ?? "",
    role: p.get("role") ?? "",
    team: p.get("team") ?? "",
    sort: p.get("sort") ?? "",
    order: p.get("order") ?? "",
    view: p.get("view") === "deleted" ? "deleted" : "",
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

function toSearch(v: View): string {
  return withQuery("", { ...v, page: v.page > 1 ? v.page : undefined });
}

const useStyles = makeStyles({
  toolbar: {
    display: "flex",
    gap: tokens.spacingHorizontalL,
    alignItems: "end",
    flexWrap: "wrap",
    marginBottom: tokens.spacingVerticalM,
  },
  search: { width: "min(360px, 100%)" },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
  pager: {
    display: "flex",
    gap: tokens.spacingHorizontalS,
    alignItems: "center",
    marginTop: tokens.spacingVerticalM,
    flexWrap: "wrap",
  },
  sub: { color: tokens.colorNeutralForeground2 },
  scroll: { overflowX: "auto", maxWidth: "100%" },
  table: { tableLayout: "fixed", minWidth: "760px" },
  wide: { width: "24%" },
});

/** A cell whose text never overprints its neighbours: one line, an ellipsis, the whole text as its title. */
function Clipped({ text, className, children }: { text: string; className?: string; children?: React.ReactNode }) {
  return (
    <TableCell className={className} title={text}>
      <TableCellLayout truncate>{children ?? text}</TableCellLayout>
    </TableCell>
  );
}

/** Users: search anywhere in a name or id, filters, sort and page in the address; deleted users in their own read-only view. */
export default function UsersPage() {
  const s = useStyles();
  const address = useSearch();
  const view = useMemo(() => fromSearch(address), [address]);
  const go = (change: Partial<View>, replace = false) =>
    navigate(`/users${toSearch({ ...view, page: 1, ...change })}`, { replace });
  const [draft, setDraft] = useState(view.search);
  const debounced = useDebounced(draft.trim(), 300);
  useEffect(() => {
    if (debounced !== view.search) go({ search: debounced }, true);
  }, [debounced]);
  useEffect(() => setDraft((d) => (d.trim() === view.search ? d : view.search)), [view.search]);

  const deleted = view.view === "deleted";
  const roles = useGet<{ roles: string[] }>("/api/admin/roles");
  const teams = useGet<{ teams: Team[] }>("/api/admin/teams");
  const query = deleted
    ? { view: "deleted", search: view.search, sort: view.sort, order: view.order, page: view.page, pageSize: PAGE_SIZE }
    : {
        search: view.search,
        status: view.status,
        role: view.role,
        team: view.team,
        sort: view.sort,
        order: view.order,
        page: view.page,
        pageSize: PAGE_SIZE,
      };
  const list = useGet<ListPage<UserSummary | DeletedUser>>(withQuery("/api/admin/users", query));
  const data = list.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / (data.pageSize || PAGE_SIZE))) : 1;
  const filtered = !!(view.search || (!deleted && (view.status || view.role || view.team)));
  const sortValue = `${view.sort || "userName"}:${view.order || "asc"}`;
  const userNameOrder =
    (view.sort || "userName") === "userName" ? (view.order === "desc" ? "descending" : "ascending") : undefined;

  return (
    <>
      <PageHeader
        title="Users"
        help="Users that Entra provisioned (or that were created in the product). Open a user to see every attribute Entra sent, why it has its role, its Entra sign-in link and its provisioning history."
      />
      <TabList
        selectedValue={deleted ? "deleted" : "current"}
        onTabSelect={(_, d) => go({ view: d.value === "deleted" ? "deleted" : "", status: "", role: "", team: "" })}
      >
        <Tab value="current">Users</Tab>
        <Tab value="deleted">Deleted users</Tab>
      </TabList>
      <Section title={deleted ? "Deleted users" : "All users"}>
        {deleted && (
          <Text as="p">
            Users that Entra deleted. Each is kept, read-only, for the tenant&apos;s retention period (30 days unless
            changed), then removed for good. Entra can create the user again with the same user name at any time.
          </Text>
        )}
        <div className={s.toolbar} role="search">
          <Field label="Search users" hint="Any part of the user name, name, Object ID or id.">
            <SearchBox className={s.search} value={draft} onChange={(_, d) => setDraft(d.value)} />
          </Field>
          {!deleted && (
            <>
              <Field label="Status">
                <Select value={view.status} onChange={(_, d) => go({ status: d.value })}>
                  <option value="">Any status</option>
                  <option value="active">Active</option>
                  <option value="disconnected">Disconnected</option>
                </Select>
              </Field>
              <Field label="Role">
                <Select value={view.role} onChange={(_, d) => go({ role: d.value })}>
                  <option value="">Any role</option>
                  {(roles.data?.roles ?? (view.role ? [view.role] : [])).map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label="Team">
                <Select value={view.team} onChange={(_, d) => go({ team: d.value })}>
                  <option value="">Any team</option>
                  {(teams.data?.teams ?? (view.team ? [{ id: view.team, name: view.team }] : [])).map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.name}
                    </option>
                  ))}
                </Select>
              </Field>
            </>
          )}
          <Field label="Sort">
            <Select
              value={sortValue}
              onChange={(_, d) => {
                const [sort, order] = d.value.split(":");
                go({ sort, order });
              }}
            >
              {SORTS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </Select>
          </Field>
          {data && (
            <Text className={s.sub} role="status">
              {data.total} {deleted ? "deleted " : ""}user{data.total === 1 ? "" : "s"}
            </Text>
          )}
        </div>
        {list.loading && !data ? (
          <LoadingState label="Loading users…" />
        ) : list.error ? (
          <ErrorState error={list.error} what="the users" onRetry={list.reload} />
        ) : data && data.users.length === 0 ? (
          filtered ? (
            <EmptyState
              title="No user matches"
              action={
                <Button onClick={() => go({ search: "", status: "", role: "", team: "" })}>
                  Clear search and filters
                </Button>
              }
            >
              Check the spelling: the search looks for any part of the user name (e.g. jansen), the name, the Object ID
              or the id.
            </EmptyState>
          ) : deleted ? (
            <EmptyState title="No deleted users">
              Users that Entra deletes are kept here for the retention period.
            </EmptyState>
          ) : (
            <EmptyState title="No users yet">
              Users appear here once Entra provisions them: assign users or groups to your app in Entra (Enterprise
              applications → your app → Users and groups) and start provisioning.
            </EmptyState>
          )
        ) : data ? (
          <>
            <div className={s.scroll}>
              {deleted ? (
                <Table aria-label="Deleted users" aria-busy={list.loading} className={s.table}>
                  <TableHeader>
                    <TableRow>
                      <TableHeaderCell className={s.wide}>User name</TableHeaderCell>
                      <TableHeaderCell>Name</TableHeaderCell>
                      <TableHeaderCell>Object ID</TableHeaderCell>
                      <TableHeaderCell>Deleted</TableHeaderCell>
                      <TableHeaderCell>Removed for good</TableHeaderCell>
                    </TableRow>
                  </TableHeader>
                  <TableBody>
                    {(data.users as DeletedUser[]).map((u) => (
                      <TableRow key={u.id}>
                        <Clipped text={u.userName} />
                        <Clipped text={u.displayName || "—"} />
                        <Clipped text={u.objectId ?? "—"} className={s.mono} />
                        <Clipped text={fmtDateTime(u.deletedAt)} />
                        <Clipped text={fmtDate(u.purgeAt)} />
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              ) : (
                <Table aria-label="Users" aria-busy={list.loading} className={s.table} sortable>
                  <TableHeader>
                    <TableRow>
                      <TableHeaderCell
                        className={s.wide}
                        sortDirection={userNameOrder}
                        onClick={() => go({ sort: "userName", order: userNameOrder === "ascending" ? "desc" : "asc" })}
                      >
                        User name
                      </TableHeaderCell>
                      <TableHeaderCell>Name</TableHeaderCell>
                      <TableHeaderCell>Status</TableHeaderCell>
                      <TableHeaderCell>Login types</TableHeaderCell>
                      <TableHeaderCell>Object ID</TableHeaderCell>
                      <TableHeaderCell>Role</TableHeaderCell>
                      <TableHeaderCell>Teams</TableHeaderCell>
                    </TableRow>
                  </TableHeader>
                  <TableBody>
                    {(data.users as UserSummary[]).map((u) => (
                      <TableRow key={u.id}>
                        <Clipped text={u.userName}>
                          <RouteLink to={`/users/${encodeURIComponent(u.id)}`}>{u.userName}</RouteLink>
                        </Clipped>
                        <Clipped text={u.displayName || "—"} />
                        <TableCell>
                          <UserStatusBadge status={u.status} />
                        </TableCell>
                        <Clipped text={loginTypes(u.loginTypes)} />
                        <Clipped text={u.objectId ?? "—"} className={s.mono} />
                        <Clipped text={u.role} />
                        <Clipped text={u.teams.length ? u.teams.map((t) => t.name).join(", ") : "—"} />
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              )}
            </div>
            {pages > 1 && (
              <nav className={s.pager} aria-label="Users pages">
                <Button
                  icon={<ChevronLeftRegular />}
                  disabledFocusable={view.page <= 1}
                  onClick={() => go({ page: view.page - 1 })}
                >
                  Previous page
                </Button>
                <Text>
                  Page {data.page} of {pages}
                </Text>
                <Button
                  icon={<ChevronRightRegular />}
                  iconPosition="after"
                  disabledFocusable={view.page >= pages}
                  onClick={() => go({ page: view.page + 1 })}
                >
                  Next page
                </Button>
              </nav>
            )}
          </>
        ) : null}
      </Section>
    </>
  );
}
