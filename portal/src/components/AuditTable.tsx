import { Fragment, useState } from "react";
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
  useRestoreFocusTarget,
} from "@fluentui/react-components";
import type { AuditChange, AuditEvent } from "../api";
import { fmtDateTime } from "../format";
import { HttpStatusBadge, TableScroll } from "./common";

/** "portal:ann@contoso.com" with line-break opportunities after ":" and before "@", so a narrow column wraps it there. */
export function breakable(text: string) {
  return text.split(/(?<=:)|(?=@)/).map((part, i) => (
    <Fragment key={i}>
      {i > 0 && <wbr />}
      {part}
    </Fragment>
  ));
}

const useStyles = makeStyles({
  // Long ids and names wrap where they must, not in the middle of every word (break-all split "Managers").
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, overflowWrap: "anywhere" },
  // "portal:ann@contoso.com" has no space to wrap at: without this it runs into the next column.
  wrap: { overflowWrap: "anywhere", minWidth: 0 },
  dl: {
    display: "grid",
    gridTemplateColumns: "max-content 1fr",
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalS,
    margin: 0,
    "& dt": { fontWeight: tokens.fontWeightSemibold },
    "& dd": { margin: 0, overflowWrap: "anywhere", minWidth: 0 },
  },
  changes: {
    width: "100%",
    tableLayout: "fixed",
    borderCollapse: "collapse",
    "& th, & td": {
      textAlign: "left",
      verticalAlign: "top",
      padding: `${tokens.spacingVerticalXXS} ${tokens.spacingHorizontalS}`,
      overflowWrap: "anywhere",
    },
    "& th": { fontWeight: tokens.fontWeightSemibold },
  },
  attributeColumn: { width: "40%" },
  surface: { maxWidth: "min(860px, calc(100vw - 32px))" },
  muted: { color: tokens.colorNeutralForeground3 },
  summary: {
    color: tokens.colorNeutralForeground2,
    overflowWrap: "anywhere",
    display: "-webkit-box",
    WebkitLineClamp: "3",
    WebkitBoxOrient: "vertical",
    overflow: "hidden",
  },
});

/** "Job title: Engineer → Manager": one change as a line; its name only when the event kept no values. */
function changeText(c: AuditChange): string {
  if (c.redacted) return `${c.label} (secret, not shown)`;
  if (!c.valuesKept) return c.label;
  return `${c.label}: ${c.old ?? "(none)"} → ${c.new ?? "(none)"}`;
}

/** The changes of an event: with values and display names when the server sent them, else the attribute names. */
function changesOf(e: AuditEvent): AuditChange[] {
  if (e.changes) return e.changes;
  return (e.changedAttributes ?? []).map((a) => ({
    attribute: a,
    label: a,
    old: null,
    new: null,
    valuesKept: false,
    truncated: false,
    redacted: false,
  }));
}

/** A resource as the log names it: "ann@contoso.com (Ann Lee)", or the id when the event has no name. */
function resourceLabel(e: AuditEvent): string {
  if (!e.resourceName) return e.resourceId ?? "";
  return e.resourceDisplayName && e.resourceDisplayName !== e.resourceName
    ? `${e.resourceName} (${e.resourceDisplayName})`
    : e.resourceName;
}

function summarize(e: AuditEvent): string {
  const parts: string[] = [];
  const changes = changesOf(e).filter((c) => c.attribute !== "members");
  if (changes.length) parts.push(changes.map(changeText).join("; "));
  if (e.members && (e.members.added || e.members.removed))
    parts.push(`members +${e.members.added} −${e.members.removed}`);
  if (e.ignoredAttributes?.length) parts.push(`${e.ignoredAttributes.length} ignored`);
  if (e.status >= 400 && e.detail) parts.push(e.detail);
  return parts.join("; ");
}

function DetailsButton({ event, onOpen }: { event: AuditEvent; onOpen: (e: AuditEvent) => void }) {
  const restore = useRestoreFocusTarget();
  return (
    <Button
      size="small"
      onClick={() => onOpen(event)}
      aria-label={`Details of ${event.operation} ${resourceLabel(event)} at ${fmtDateTime(event.time)}`}
      {...restore}
    >
      Details
    </Button>
  );
}

/** A list of provisioning events with a Details dialog per event. */
export function AuditTable({
  events,
  label,
  showResource = true,
}: {
  events: AuditEvent[];
  label: string;
  showResource?: boolean;
}) {
  const s = useStyles();
  const [open, setOpen] = useState<AuditEvent>();
  return (
    <>
      <TableScroll label={`${label} table`}>
        <Table aria-label={label} size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell style={{ width: "170px" }}>Time</TableHeaderCell>
              <TableHeaderCell style={{ width: "90px" }}>Operation</TableHeaderCell>
              {showResource && <TableHeaderCell style={{ width: "150px" }}>Resource</TableHeaderCell>}
              <TableHeaderCell style={{ width: "110px" }}>Status</TableHeaderCell>
              <TableHeaderCell style={{ width: "150px" }}>Changed by</TableHeaderCell>
              <TableHeaderCell>Summary</TableHeaderCell>
              <TableHeaderCell style={{ width: "80px" }}>
                <span className="visually-hidden">Details</span>
              </TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {events.map((e) => (
              <TableRow key={e.id}>
                <TableCell>{fmtDateTime(e.time)}</TableCell>
                <TableCell>{e.operation}</TableCell>
                {showResource && (
                  <TableCell className={s.wrap}>
                    {e.resourceName ? (
                      <>
                        <Text weight="semibold">{breakable(resourceLabel(e))}</Text>
                        <Text block size={200} className={s.muted}>
                          {e.resourceType ?? ""} <span className={s.mono}>{e.resourceId ?? ""}</span>
                        </Text>
                      </>
                    ) : (
                      <>
                        {e.resourceType ?? ""} <span className={s.mono}>{e.resourceId ?? ""}</span>
                      </>
                    )}
                  </TableCell>
                )}
                <TableCell>
                  <HttpStatusBadge status={e.status} />
                </TableCell>
                <TableCell className={s.wrap}>{e.tokenName ? breakable(e.tokenName) : "—"}</TableCell>
                <TableCell>
                  <Text className={s.summary} size={200} title={summarize(e)}>
                    {summarize(e) || "—"}
                  </Text>
                </TableCell>
                <TableCell>
                  <DetailsButton event={e} onOpen={setOpen} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableScroll>
      <Dialog open={!!open} onOpenChange={(_, d) => !d.open && setOpen(undefined)}>
        <DialogSurface className={s.surface}>
          <DialogBody>
            <DialogTitle>Event details</DialogTitle>
            <DialogContent>{open && <EventDetails event={open} />}</DialogContent>
            <DialogActions>
              <Button appearance="primary" onClick={() => setOpen(undefined)}>
                Close
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </>
  );
}

function EventDetails({ event: e }: { event: AuditEvent }) {
  const s = useStyles();
  const list = (xs: string[] | null | undefined) => (xs && xs.length ? xs.join(", ") : "None");
  return (
    <dl className={s.dl}>
      <dt>Time</dt>
      <dd>
        {fmtDateTime(e.time)} <span className={s.mono}>({e.time})</span>
      </dd>
      <dt>Operation</dt>
      <dd>{e.operation}</dd>
      <dt>Resource</dt>
      <dd>
        {e.resourceName && <Text block>{resourceLabel(e)}</Text>}
        {e.resourceType ?? "—"} <span className={s.mono}>{e.resourceId ?? ""}</span>
      </dd>
      <dt>Status</dt>
      <dd>
        <HttpStatusBadge status={e.status} />
      </dd>
      <dt>Changed by</dt>
      <dd>{e.tokenName ?? "—"}</dd>
      <dt>Changes</dt>
      <dd>
        <ChangesTable event={e} />
      </dd>
      <dt>Members</dt>
      <dd>{e.members ? `${e.members.added} added, ${e.members.removed} removed` : "—"}</dd>
      <dt>Ignored attributes</dt>
      <dd className={s.mono}>
        {list(e.ignoredAttributes)}
        {e.ignoredAttributes && e.ignoredAttributes.length > 0 && (
          <Text block size={200}>
            The product does not use these: remove their attribute mappings in Entra.
          </Text>
        )}
      </dd>
      <dt>Error detail</dt>
      <dd>{e.detail ?? "—"}</dd>
    </dl>
  );
}

/** Old and new value of each changed attribute, by display name ("Employee number", not its URN). */
function ChangesTable({ event: e }: { event: AuditEvent }) {
  const s = useStyles();
  const changes = changesOf(e);
  if (changes.length === 0) return <>None</>;
  const anyValues = changes.some((c) => c.valuesKept || c.redacted);
  return (
    <>
      <table className={s.changes} aria-label="Changed attributes">
        <thead>
          <tr>
            <th scope="col" className={s.attributeColumn}>
              Attribute
            </th>
            {anyValues && <th scope="col">Old value</th>}
            {anyValues && <th scope="col">New value</th>}
          </tr>
        </thead>
        <tbody>
          {changes.map((c) => (
            <tr key={c.attribute}>
              <td title={c.attribute}>
                {c.label}
                {c.label !== c.attribute && (
                  <Text block size={100} className={s.mono}>
                    {c.attribute}
                  </Text>
                )}
              </td>
              {anyValues &&
                (c.redacted ? (
                  <td colSpan={2} className={s.muted}>
                    Secret: changed, never shown or stored
                  </td>
                ) : c.valuesKept ? (
                  <>
                    <td className={c.old === null ? s.muted : undefined}>{c.old ?? "(none)"}</td>
                    <td className={c.new === null ? s.muted : undefined}>
                      {c.new ?? "(none)"}
                      {c.truncated && (
                        <Text block size={100} className={s.muted}>
                          (cut: the log keeps the first 200 characters)
                        </Text>
                      )}
                    </td>
                  </>
                ) : (
                  <td colSpan={2} className={s.muted}>
                    Not recorded
                  </td>
                ))}
            </tr>
          ))}
        </tbody>
      </table>
      {(e.changesOmitted ?? 0) > 0 && (
        <Text block size={200} className={s.muted}>
          The values of {e.changesOmitted} more changed attribute{e.changesOmitted === 1 ? "" : "s"} were not kept (the
          log keeps those of 25 per event).
        </Text>
      )}
    </>
  );
}
