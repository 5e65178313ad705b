import { useEffect, useState } from "react";
import {
  Button,
  Field,
  SearchBox,
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
import { ChevronLeftRegular, ChevronRightRegular } from "@fluentui/react-icons";
import { withQuery, type UserSummary } from "../api";
import { useDebounced, useGet } from "../hooks";
import { loginTypes } from "../format";
import { EmptyState, ErrorState, LoadingState, PageHeader, RouteLink, Section, UserStatusBadge } from "../components/common";

interface UserPage {
  users: UserSummary[];
  total: number;
  page: number;
  pageSize: number;
}

const PAGE_SIZE = 25;

const useStyles = makeStyles({
  toolbar: { display: "flex", gap: tokens.spacingHorizontalL, alignItems: "end" },
  search: { width: "360px" },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
  pager: { display: "flex", gap: tokens.spacingHorizontalS, alignItems: "center", marginTop: tokens.spacingVerticalM },
  sub: { color: tokens.colorNeutralForeground2 },
});

/** Users: debounced search, paged table; each row links to the user's page. */
export default function UsersPage() {
  const s = useStyles();
  const initial = new URLSearchParams(window.location.search).get("search") ?? "";
  const [search, setSearch] = useState(initial);
  const [page, setPage] = useState(1);
  const debounced = useDebounced(search.trim(), 300);
  useEffect(() => setPage(1), [debounced]);
  const list = useGet<UserPage>(withQuery("/api/admin/users", { search: debounced, page, pageSize: PAGE_SIZE }));
  const data = list.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / (data.pageSize || PAGE_SIZE))) : 1;

  return (
    <>
      <PageHeader
        title="Users"
        help="Users that Entra provisioned (or that were created in the product). Open a user to see why it has its role, link its Entra Object ID, and read its provisioning history."
      />
      <Section title="All users">
        <div className={s.toolbar} role="search">
          <Field label="Search users" hint="Start of the user name or display name.">
            <SearchBox className={s.search} value={search} onChange={(_, d) => setSearch(d.value)} />
          </Field>
          {data && (
            <Text className={s.sub} role="status">
              {data.total} user{data.total === 1 ? "" : "s"}
            </Text>
          )}
        </div>
        {list.loading && !data ? (
          <LoadingState label="Loading users…" />
        ) : list.error ? (
          <ErrorState error={list.error} what="the users" onRetry={list.reload} />
        ) : data && data.users.length === 0 ? (
          debounced ? (
            <EmptyState title={`No user starts with “${debounced}”`}>
              Check the spelling, or search by the start of the user name (e.g. ann@) or display name.
            </EmptyState>
          ) : (
            <EmptyState title="No users yet">
              Users appear here once Entra provisions them: assign users or groups to your app in Entra (Enterprise applications → your app → Users and groups)
              and start provisioning.
            </EmptyState>
          )
        ) : data ? (
          <>
            <Table aria-label="Users" aria-busy={list.loading}>
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>User name</TableHeaderCell>
                  <TableHeaderCell>Name</TableHeaderCell>
                  <TableHeaderCell>Status</TableHeaderCell>
                  <TableHeaderCell>Login types</TableHeaderCell>
                  <TableHeaderCell>Object ID</TableHeaderCell>
                  <TableHeaderCell>Role</TableHeaderCell>
                  <TableHeaderCell>Teams</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {data.users.map((u) => (
                  <TableRow key={u.id}>
                    <TableCell>
                      <RouteLink to={`/users/${encodeURIComponent(u.id)}`}>{u.userName}</RouteLink>
                    </TableCell>
                    <TableCell>{u.displayName || "—"}</TableCell>
                    <TableCell>
                      <UserStatusBadge status={u.status} />
                    </TableCell>
                    <TableCell>{loginTypes(u.loginTypes)}</TableCell>
                    <TableCell className={s.mono}>{u.objectId ?? "—"}</TableCell>
                    <TableCell>{u.role}</TableCell>
                    <TableCell>{u.teams.length ? u.teams.map((t) => t.name).join(", ") : "—"}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            {pages > 1 && (
              <nav className={s.pager} aria-label="Users pages">
                <Button icon={<ChevronLeftRegular />} disabledFocusable={page <= 1} onClick={() => setPage(page - 1)}>
                  Previous page
                </Button>
                <Text>
                  Page {data.page} of {pages}
                </Text>
                <Button icon={<ChevronRightRegular />} iconPosition="after" disabledFocusable={page >= pages} onClick={() => setPage(page + 1)}>
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
