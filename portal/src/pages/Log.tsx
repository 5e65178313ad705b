import { useEffect, useState, type FormEvent } from "react";
import { Button, Field, Input, Select, makeStyles, tokens } from "@fluentui/react-components";
import { api, ApiError, withQuery, type AuditEvent, type HourBucket } from "../api";
import { useGet } from "../hooks";
import { AuditTable } from "../components/AuditTable";
import { HourlyChart } from "../components/HourlyChart";
import { EmptyState, ErrorState, LoadingState, PageHeader, Section } from "../components/common";

const useStyles = makeStyles({
  filters: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "end", flexWrap: "wrap" },
  more: { marginTop: tokens.spacingVerticalM },
});

interface Filters {
  operation: string;
  resource: string;
  status: string;
  from: string;
  to: string;
}
const noFilters: Filters = { operation: "", resource: "", status: "", from: "", to: "" };
const operations = ["create", "get", "list", "replace", "patch", "delete"];
const PAGE_SIZE = 50;

function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Provisioning log: hourly chart, filters, newest-first events with "Load more". */
export default function LogPage() {
  const s = useStyles();
  const hourly = useGet<{ hours: HourBucket[] }>("/api/admin/audit/hourly?days=7");
  const [draft, setDraft] = useState<Filters>(noFilters);
  const [applied, setApplied] = useState<Filters>(noFilters);
  const [events, setEvents] = useState<AuditEvent[]>();
  const [page, setPage] = useState(1);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError>();
  const [nonce, setNonce] = useState(0);
  const rangeError = draft.from && draft.to && draft.from > draft.to ? "“To” must be after “From”." : undefined;

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    setError(undefined);
    const path = withQuery("/api/admin/audit", {
      operation: applied.operation,
      resource: applied.resource.trim(),
      status: applied.status,
      from: toIso(applied.from),
      to: toIso(applied.to),
      page,
      pageSize: PAGE_SIZE,
    });
    api
      .get<{ events: AuditEvent[]; page: number; hasMore: boolean }>(path, ctrl.signal)
      .then((r) => {
        setEvents((prev) => (page === 1 || !prev ? r.events : [...prev, ...r.events]));
        setHasMore(r.hasMore);
        setLoading(false);
      })
      .catch((e: unknown) => {
        if ((e as Error).name === "AbortError") return;
        setError(e instanceof ApiError ? e : new ApiError(0, "Error", String(e)));
        setLoading(false);
      });
    return () => ctrl.abort();
  }, [applied, page, nonce]);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    if (rangeError) return;
    setPage(1);
    setApplied({ ...draft });
  };
  const clear = () => {
    setDraft(noFilters);
    setPage(1);
    setApplied(noFilters);
  };
  const set = (k: keyof Filters) => (_: unknown, d: { value: string }) => setDraft((f) => ({ ...f, [k]: d.value }));
  const filtered = Object.values(applied).some(Boolean);

  return (
    <>
      <PageHeader
        title="Provisioning log"
        help="Every request Entra sent with one of this tenant's tokens, newest first: what it changed, what the product ignored, and why a request failed."
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
              {operations.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Resource ID">
            <Input value={draft.resource} onChange={set("resource")} autoComplete="off" />
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
        {error && <ErrorState error={error} what="the provisioning log" onRetry={() => setNonce((n) => n + 1)} />}
        {loading && !events ? (
          <LoadingState label="Loading events…" />
        ) : events && events.length === 0 && !error ? (
          filtered ? (
            <EmptyState title="No event matches these filters" action={<Button onClick={clear}>Clear filters</Button>}>
              Widen the time range or clear a filter.
            </EmptyState>
          ) : (
            <EmptyState title="No provisioning requests yet">
              Entra has not called yet. Create a token (Integrations → Tokens), paste it with the Tenant URL into Entra, then run Test Connection or start
              provisioning.
            </EmptyState>
          )
        ) : events ? (
          <>
            <AuditTable events={events} label="Provisioning events" />
            {hasMore && (
              <Button className={s.more} onClick={() => setPage((p) => p + 1)} disabledFocusable={loading}>
                {loading ? "Loading…" : "Load more"}
              </Button>
            )}
          </>
        ) : null}
      </Section>
    </>
  );
}
