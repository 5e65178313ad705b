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
import type { AuditEvent } from "../api";
import { fmtDateTime } from "../format";
import { HttpStatusBadge } from "./common";

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
  summary: {
    color: tokens.colorNeutralForeground2,
    overflowWrap: "anywhere",
    display: "-webkit-box",
    WebkitLineClamp: "2",
    WebkitBoxOrient: "vertical",
    overflow: "hidden",
  },
});

export function summarize(e: AuditEvent): string {
  const parts: string[] = [];
  if (e.changedAttributes?.length) parts.push(`changed ${e.changedAttributes.join(", ")}`);
  if (e.members && (e.members.added || e.members.removed)) parts.push(`members +${e.members.added} −${e.members.removed}`);
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
      aria-label={`Details of ${event.operation} ${event.resourceId ?? ""} at ${fmtDateTime(event.time)}`}
      {...restore}
    >
      Details
    </Button>
  );
}

/** A list of provisioning events with a Details dialog per event. */
export function AuditTable({ events, label, showResource = true }: { events: AuditEvent[]; label: string; showResource?: boolean }) {
  const s = useStyles();
  const [open, setOpen] = useState<AuditEvent>();
  return (
    <>
      <Table aria-label={label} size="small">
        <TableHeader>
          <TableRow>
            <TableHeaderCell style={{ width: "170px" }}>Time</TableHeaderCell>
            <TableHeaderCell style={{ width: "90px" }}>Operation</TableHeaderCell>
            {showResource && <TableHeaderCell style={{ width: "150px" }}>Resource</TableHeaderCell>}
            <TableHeaderCell style={{ width: "110px" }}>Status</TableHeaderCell>
            <TableHeaderCell style={{ width: "150px" }}>Token</TableHeaderCell>
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
                <TableCell>
                  {e.resourceType ?? ""} <span className={s.mono}>{e.resourceId ?? ""}</span>
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
      <Dialog open={!!open} onOpenChange={(_, d) => !d.open && setOpen(undefined)}>
        <DialogSurface>
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

export function EventDetails({ event: e }: { event: AuditEvent }) {
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
        {e.resourceType ?? "—"} <span className={s.mono}>{e.resourceId ?? ""}</span>
      </dd>
      <dt>Status</dt>
      <dd>
        <HttpStatusBadge status={e.status} />
      </dd>
      <dt>Token</dt>
      <dd>{e.tokenName ?? "—"}</dd>
      <dt>Changed attributes</dt>
      <dd className={s.mono}>{list(e.changedAttributes)}</dd>
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
