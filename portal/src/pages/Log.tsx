import { useEffect, useMemo, useState, type FormEvent } from "react";
import { Button, Field, Input, Select, Text, makeStyles, tokens } from "@fluentui/react-components";
import { ArrowDownloadRegular } from "@fluentui/react-icons";
import { withQuery, type AuditEvent, type AuditOperationInfo, type HourBucket } from "../api";
import { useGet } from "../hooks";
import { navigate, useSearch } from "../router";
import { AuditTable } from "../components/AuditTable";
import { HourlyChart } from "../components/HourlyChart";
import { EmptyState, ErrorState, LoadingState, PageHeader, Section } from "../components/common";

const useStyles = makeStyles({
  filters: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "end", flexWrap: "wrap" },
  resource: { minWidth: "min(100%, 320px)" },
  pager: {
    display: "flex",
    gap: tokens.spacingHorizontalM,
    alignItems: "center",
    flexWrap: "wrap",
    marginTop: tokens.spacingVerticalM,
  },
  export: {
    display: "flex",
    gap: tokens.spacingHorizontalM,
    alignItems: "center",
    flexWrap: "wrap",
    marginBottom: tokens.spacingVerticalM,
  },
});

/** The log's filters as the address keeps them (`?operation=&resource=&status=&from=&to=&page=`); from/to as ISO 8601. */
interface Filters {
  operation: string;
  resource: string;
  status: string;
  from: string;
  to: string;
}
const FILTER_KEYS = ["operation", "resource", "status", "from", "to"] as const;
const noFilters: Filters = { operation: "", resource: "", status: "", from: "", to: "" };
const PAGE_SIZE = 50;
/** The export holds at most this many events (the server's limit, functions/api-audit-export.ts). */
const EXPORT_LIMIT = 10_000;

function fromSearch(search: string): { filters: Filters; page: number } {
  const params = new URLSearchParams(search);
  const filters = { ...noFilters };
  for (const k of FILTER_KEYS) filters[k] = params.get(k) ?? "";
  const page = Number(params.get("page"));
  return { filters, page: Number.isInteger(page) && page > 1 ? page : 1 };
}

function toSearch(filters: Filters, page: number): string {
  const params = new URLSearchParams();
  for (const k of FILTER_KEYS) if (filters[k]) params.set(k, filters[k]);
  if (page > 1) params.set("page", String(page));
  const qs = params.toString();
  return qs ? `?${qs}` : "";
}

/** "2026-12-01T09:30" (the datetime-local input, local time) ⇄ ISO 8601 in UTC (the address and the API). */
function localToIso(local: string): string {
  if (!local) return "";
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString();
}
function isoToLocal(iso: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The draft of the form: from/to as the inputs hold them (local time). */
const draftOf = (f: Filters): Filters => ({ ...f, from: isoToLocal(f.from), to: isoToLocal(f.to) });

/**
 * Provisioning log: hourly chart, filters (kept in the address, so reload, back and a shared link
 * keep them), newest-first events a page at a time, and a CSV export of what the filters match.
 */
export default function LogPage() {
  const s = useStyles();
  const search = useSearch();
  const { filters: applied, page } = useMemo(() => fromSearch(search), [search]);
  const hourly = useGet<{ hours: HourBucket[] }>("/api/admin/audit/hourly?days=7");
  const operations = useGet<{ operations: AuditOperationInfo[] }>("/api/admin/audit/operations");
  const query = { ...applied };
  const list = useGet<{ events: AuditEvent[]; page: number; total: number; hasMore: boolean }>(
    withQuery("/api/admin/audit", { ...query, page, pageSize: PAGE_SIZE }),
  );
  const [draft, setDraft] = useState<Filters>(() => draftOf(applied));
  // Back, forward or a link changed the address: the form follows it.
  useEffect(() => setDraft(draftOf(applied)), [applied]);

  const rangeError = draft.from && draft.to && draft.from >= draft.to ? "“To” must be after “From”." : undefined;
  const go = (filters: Filters, to: number) => navigate(`/log${toSearch(filters, to)}`);
  const apply = (e: FormEvent) => {
    e.preventDefault();
    if (rangeError) return;
    go({ ...draft, resource: draft.resource.trim(), from: localToIso(draft.from), to: localToIso(draft.to) }, 1);
  };
  const clear = () => go(noFilters, 1);
  const set = (k: keyof Filters) => (_: unknown, d: { value: string }) => setDraft((f) => ({ ...f, [k]: d.value }));
  const filtered = Object.values(applied).some(Boolean);

  const groups = new Map<string, string[]>();
  for (const o of operations.data?.operations ?? []) groups.set(o.group, [...(groups.get(o.group) ?? []), o.operation]);
  // An operation in the address that the list does not (yet) hold still shows as selected.
  if (draft.operation && ![...groups.values()].flat().includes(draft.operation)) groups.set("Other", [draft.operation]);

  const data = list.data;
  const first = data && data.events.length ? (data.page - 1) * PAGE_SIZE + 1 : 0;
  const last = data ? first + data.events.length - 1 : 0;
  const exportHref = withQuery("/api/admin/audit/export", { ...query });

  return (
    <>
      <PageHeader
        title="Provisioning log"
        help="Every request Entra sent with one of this tenant's tokens, and every change an admin made, newest first: what changed (old and new values), what the product ignored, and why a request failed."
      />
      <Section title="Requests per hour">
        {hourly.loading && !hourly.data ? (
          <LoadingState label="Loading chart…" />
        ) : hourly.error ? (
          <ErrorState error={hourly.error} what="the hourly chart" onRetry={hourly.reload} />
        ) : hourly.data ? (
          <HourlyChart hours={hourly.data.hours} />
        ) : null}
      </Section>
      <Section title="Events">
        <form className={s.filters} onSubmit={apply} noValidate>
          <Field label="Operation">
            <Select value={draft.operation} onChange={set("operation")}>
              <option value="">All operations</option>
              {[...groups].map(([group, ops]) => (
                <optgroup key={group} label={group}>
                  {ops.map((o) => (
                    <option key={o} value={o}>
                      {o}
                    </option>
                  ))}
                </optgroup>
              ))}
            </Select>
          </Field>
          <Field
            label="Resource ID or name"
            className={s.resource}
            validationMessage={list.error?.fieldError("resource")}
          >
            <Input
              value={draft.resource}
              onChange={set("resource")}
              autoComplete="off"
              placeholder="ID, user name, group name or part of a name"
            />
          </Field>
          <Field label="Result">
            <Select value={draft.status} onChange={set("status")}>
              <option value="">Success and failure</option>
              <option value="success">Success</option>
              <option value="failure">Failure</option>
            </Select>
          </Field>
          <Field label="From">
            <Input type="datetime-local" value={draft.from} onChange={set("from")} />
          </Field>
          <Field label="To" validationMessage={rangeError}>
            <Input type="datetime-local" value={draft.to} onChange={set("to")} />
          </Field>
          <Button type="submit" appearance="primary">
            Apply filters
          </Button>
          <Button onClick={clear} disabledFocusable={!filtered && !Object.values(draft).some(Boolean)}>
            Clear filters
          </Button>
        </form>
        {list.error && <ErrorState error={list.error} what="the provisioning log" onRetry={list.reload} />}
        {list.loading && !data ? (
          <LoadingState label="Loading events…" />
        ) : data && data.events.length === 0 && !list.error ? (
          filtered || page > 1 ? (
            <EmptyState title="No event matches these filters" action={<Button onClick={clear}>Clear filters</Button>}>
              Widen the time range, search for part of a name, or clear a filter.
            </EmptyState>
          ) : (
            <EmptyState title="No provisioning requests yet">
              Entra has not called yet. Create a token (Integrations → Tokens), paste it with the Tenant URL into Entra,
              then run Test Connection or start provisioning.
            </EmptyState>
          )
        ) : data && !list.error ? (
          <>
            <div className={s.export}>
              <Button as="a" href={exportHref} download icon={<ArrowDownloadRegular />}>
                Export CSV
              </Button>
              <Text size={200}>
                {data.total > EXPORT_LIMIT
                  ? `The file holds the newest ${EXPORT_LIMIT.toLocaleString("en-US")} of the ${data.total.toLocaleString("en-US")} matching events; narrow the time range for the rest.`
                  : `All ${data.total.toLocaleString("en-US")} matching event${data.total === 1 ? "" : "s"}, with old and new values.`}
              </Text>
            </div>
            <AuditTable events={data.events} label="Provisioning events" />
            <nav className={s.pager} aria-label="Pages of events">
              <Button onClick={() => go(applied, page - 1)} disabledFocusable={page <= 1 || list.loading}>
                Previous page
              </Button>
              <Text aria-live="polite">
                Page {page}: events {first.toLocaleString("en-US")}–{last.toLocaleString("en-US")} of{" "}
                {data.total.toLocaleString("en-US")}
              </Text>
              <Button onClick={() => go(applied, page + 1)} disabledFocusable={!data.hasMore || list.loading}>
                Next page
              </Button>
            </nav>
          </>
        ) : null}
      </Section>
    </>
  );
}
