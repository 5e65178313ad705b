import { useEffect, useState } from "react";
import {
  Badge,
  Button,
  MessageBar,
  MessageBarBody,
  ProgressBar,
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
import { ArrowClockwiseRegular } from "@fluentui/react-icons";
import { api, type Job, type JobState } from "../api";
import { useAction, useGet } from "../hooks";
import { fmtDateTime, jobProgress, jobTitle } from "../format";
import { breakable } from "./AuditTable";
import {
  EmptyState,
  ErrorState,
  LoadingState,
  ProblemBar,
  RouteLink,
  Section,
  TableScroll,
  focusSection,
} from "./common";

/** How often the list is read again while a job is queued or running. */
const JOBS_REFRESH_MS = 3000;
const SECTION_ID = "jobs-heading";

const useStyles = makeStyles({
  // Column widths (the table lays its columns out fixed): room for the job's title, the error and its Retry button.
  job: { width: "17%" },
  group: { width: "12%" },
  state: { width: "8%" },
  progressColumn: { width: "13%" },
  steps: { width: "6%" },
  time: { width: "10%" },
  startedBy: { width: "11%" },
  errorColumn: { width: "13%" },
  progress: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXS },
  wrap: { overflowWrap: "anywhere", minWidth: 0 },
  error: {
    display: "flex",
    flexDirection: "column",
    alignItems: "flex-start",
    gap: tokens.spacingVerticalS,
    minWidth: 0,
  },
  errorText: { color: tokens.colorPaletteRedForeground1, overflowWrap: "anywhere" },
  hint: { color: tokens.colorNeutralForeground2 },
});

const stateBadge: Record<JobState, { label: string; color: "informative" | "brand" | "success" | "danger" }> = {
  queued: { label: "Queued", color: "informative" },
  running: { label: "Running", color: "brand" },
  done: { label: "Done", color: "success" },
  failed: { label: "Failed", color: "danger" },
};

function JobStateBadge({ state }: { state: JobState }) {
  const b = stateBadge[state] ?? { label: state, color: "informative" as const };
  return (
    <Badge appearance="tint" color={b.color} shape="rounded">
      {b.label}
    </Badge>
  );
}

const active = (j: Job) => j.state === "queued" || j.state === "running";
const groupOf = (j: Job) => j.groupName ?? j.groupId;

/**
 * Background jobs: a large group's members' roles recomputed (a role mapping, a rename) or its
 * memberships removed (a delete), in steps. Read again every few seconds while one is queued or
 * running; a failed one can be retried (Admins only, as the whole page).
 */
export function BackgroundJobs() {
  const s = useStyles();
  const jobs = useGet<{ jobs: Job[] }>("/api/admin/jobs");
  const retry = useAction();
  const [retried, setRetried] = useState<string>();
  const list = jobs.data?.jobs;
  const running = list?.some(active) ?? false;

  useEffect(() => {
    if (!running || jobs.loading) return undefined;
    const timer = setTimeout(jobs.reload, JOBS_REFRESH_MS);
    return () => clearTimeout(timer);
  }, [running, jobs.data, jobs.loading, jobs.reload]);

  const retryJob = async (job: Job) => {
    setRetried(undefined);
    const res = await retry.run(() => api.post<{ job: Job }>(`/api/admin/jobs/${encodeURIComponent(job.id)}/retry`));
    if (!res) return; // the error is shown above the table; focus stays on the button
    jobs.setData({ jobs: (list ?? []).map((j) => (j.id === res.job.id ? res.job : j)) });
    setRetried(`The job for ${groupOf(job)} runs again from where it stopped.`);
    // The row's Retry button is gone: focus the section's heading rather than the start of the page.
    focusSection(SECTION_ID);
  };

  return (
    <Section title="Background jobs" id={SECTION_ID}>
      <Text className={s.hint}>
        Role mappings, renames and deletes of large groups update their members in the background, in steps: the newest
        50 jobs of the last 30 days.
        {running ? ` The list refreshes every ${JOBS_REFRESH_MS / 1000} seconds while a job is queued or running.` : ""}
      </Text>
      {jobs.loading && !list ? (
        <LoadingState label="Loading background jobs…" />
      ) : jobs.error && !list ? (
        <ErrorState error={jobs.error} what="the background jobs" onRetry={jobs.reload} />
      ) : list && list.length === 0 ? (
        <EmptyState title="No background jobs">
          A job starts when a role mapping, a rename or a delete touches a group with more members than are handled at
          once (100 by default). Map a large group to a role on <RouteLink to="/teams">Teams and roles</RouteLink> and
          its progress shows here.
        </EmptyState>
      ) : list ? (
        <>
          {jobs.error && <ErrorState error={jobs.error} what="the latest state of the jobs" onRetry={jobs.reload} />}
          <ProblemBar error={retry.error} title="The job was not retried" />
          {retried && (
            <MessageBar intent="success" role="status">
              <MessageBarBody>{retried}</MessageBarBody>
            </MessageBar>
          )}
          <TableScroll label="Background jobs table">
            <Table aria-label="Background jobs" size="small">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell className={s.job}>Job</TableHeaderCell>
                  <TableHeaderCell className={s.group}>Group</TableHeaderCell>
                  <TableHeaderCell className={s.state}>State</TableHeaderCell>
                  <TableHeaderCell className={s.progressColumn}>Progress</TableHeaderCell>
                  <TableHeaderCell className={s.steps}>Steps</TableHeaderCell>
                  <TableHeaderCell className={s.time}>Started</TableHeaderCell>
                  <TableHeaderCell className={s.time}>Finished</TableHeaderCell>
                  <TableHeaderCell className={s.startedBy}>Started by</TableHeaderCell>
                  <TableHeaderCell className={s.errorColumn}>Error</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {list.map((j) => (
                  <TableRow key={j.id} data-testid="job-row">
                    <TableCell>{jobTitle(j.kind, j.reason)}</TableCell>
                    <TableCell className={s.wrap}>{groupOf(j)}</TableCell>
                    <TableCell>
                      <JobStateBadge state={j.state} />
                    </TableCell>
                    <TableCell>
                      <div className={s.progress}>
                        <Text size={200}>{jobProgress(j.processed, j.total)}</Text>
                        {j.state === "running" && (
                          <ProgressBar
                            value={j.total ? Math.min(j.processed, j.total) : undefined}
                            max={j.total || undefined}
                            aria-label={`Progress of the job for ${groupOf(j)}: ${jobProgress(j.processed, j.total)}`}
                          />
                        )}
                      </div>
                    </TableCell>
                    <TableCell>{j.steps}</TableCell>
                    <TableCell>{fmtDateTime(j.startedAt)}</TableCell>
                    <TableCell>{fmtDateTime(j.finishedAt)}</TableCell>
                    <TableCell className={s.wrap}>{breakable(j.startedBy)}</TableCell>
                    <TableCell>
                      {j.state === "failed" ? (
                        <div className={s.error}>
                          <Text size={200} className={s.errorText}>
                            {j.error ?? "It failed"} (after {j.failedAttempts} attempt
                            {j.failedAttempts === 1 ? "" : "s"})
                          </Text>
                          <Button
                            size="small"
                            icon={<ArrowClockwiseRegular />}
                            onClick={() => retryJob(j)}
                            disabledFocusable={retry.busy}
                            aria-label={`Retry the job for ${groupOf(j)}`}
                          >
                            Retry
                          </Button>
                        </div>
                      ) : (
                        "—"
                      )}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableScroll>
        </>
      ) : null}
    </Section>
  );
}
