import { forwardRef, useState, type ComponentProps, type ReactNode } from "react";
import {
  Badge,
  Body1,
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  Link,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Subtitle2,
  Title2,
  makeStyles,
  mergeClasses,
  tokens,
} from "@fluentui/react-components";
import { CopyRegular, CheckmarkRegular } from "@fluentui/react-icons";
import type { ApiError } from "../api";
import { useAction } from "../hooks";
import { href, linkClick, type RouteLinkProps } from "../router";

const useStyles = makeStyles({
  header: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalXS,
    marginBottom: tokens.spacingVerticalL,
  },
  heading: { margin: 0 },
  help: { color: tokens.colorNeutralForeground2, maxWidth: "72ch" },
  empty: {
    display: "flex",
    flexDirection: "column",
    alignItems: "flex-start",
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingVerticalXL,
    border: `1px dashed ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  dangerPrimary: {
    backgroundColor: tokens.colorStatusDangerBackground3,
    color: tokens.colorNeutralForegroundOnBrand,
    ":hover": {
      backgroundColor: tokens.colorStatusDangerBackground3Hover,
      color: tokens.colorNeutralForegroundOnBrand,
    },
    ":hover:active": {
      backgroundColor: tokens.colorStatusDangerBackground3Pressed,
      color: tokens.colorNeutralForegroundOnBrand,
    },
  },
  dangerSecondary: {
    // Red text with at least 4.5:1 contrast on the card, light and dark.
    color: tokens.colorPaletteRedForeground1,
    ":hover": { color: tokens.colorPaletteRedForeground1, backgroundColor: tokens.colorStatusDangerBackground1 },
    ":hover:active": { color: tokens.colorPaletteRedForeground1, backgroundColor: tokens.colorStatusDangerBackground2 },
  },
  tableScroll: { overflowX: "auto", maxWidth: "100%" },
  dialogBody: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM },
  wideDialog: { maxWidth: "720px" },
  loading: { padding: tokens.spacingVerticalXXL, display: "flex", justifyContent: "flex-start" },
  copyRow: { display: "flex", gap: tokens.spacingHorizontalS, alignItems: "center" },
  copyInput: { flexGrow: 1, fontFamily: tokens.fontFamilyMonospace },
  section: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingVerticalL,
    backgroundColor: tokens.colorNeutralBackground1,
    borderRadius: tokens.borderRadiusMedium,
    boxShadow: tokens.shadow4,
    marginBottom: tokens.spacingVerticalL,
  },
});

/**
 * A button that destroys or takes away something (revoke, remove, switch off, demote): Fluent's
 * Button in the danger colours. `appearance="primary"` (a dialog's confirming button) is filled red;
 * otherwise red text. Disabled, it looks like any disabled button.
 */
export const DangerButton = forwardRef<HTMLButtonElement, ComponentProps<typeof Button>>(function DangerButton(
  { className, ...props },
  ref,
) {
  const s = useStyles();
  const off = props.disabled || props.disabledFocusable;
  const danger = off ? undefined : props.appearance === "primary" ? s.dangerPrimary : s.dangerSecondary;
  return <Button {...props} ref={ref} className={mergeClasses(danger, className)} data-danger="true" />;
});

/**
 * A table's own horizontal scroll box: on a narrow screen the table scrolls inside it and the page
 * keeps the screen's width. Focusable (keyboard users scroll it with the arrow keys) and named.
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  const s = useStyles();
  return (
    <div className={s.tableScroll} role="group" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

/**
 * The confirmation every destructive action asks for: a title that names the action and its object,
 * the body says what changes for whom; "Cancel" comes first (so it has the focus, and Escape cancels)
 * and the action is a danger button. The action runs from here: while it runs the button says so, a
 * refusal stays in the dialog, and `onDone` gets its result (the page then says what was done).
 */
export function ConfirmDialog<R>({
  open,
  title,
  confirmLabel,
  busyLabel,
  failedTitle,
  run,
  onClose,
  onDone,
  describedBy,
  children,
}: {
  open: boolean;
  title: string;
  confirmLabel: string;
  busyLabel: string;
  failedTitle: string;
  run: () => Promise<R>;
  onClose: () => void;
  onDone: (result: R) => void;
  /** The id of the element in `children` that says what changes (read out with the dialog). */
  describedBy?: string;
  children: ReactNode;
}) {
  const s = useStyles();
  const action = useAction();
  const close = () => {
    action.setError(undefined);
    onClose();
  };
  const confirm = async () => {
    if (action.busy) return;
    const result = await action.run(run);
    if (result !== undefined) onDone(result);
  };
  return (
    <Dialog open={open} onOpenChange={(_, d) => !d.open && close()}>
      <DialogSurface aria-describedby={describedBy}>
        <DialogBody>
          <DialogTitle>{title}</DialogTitle>
          <DialogContent className={s.dialogBody}>
            {children}
            <ProblemBar error={action.error} title={failedTitle} />
          </DialogContent>
          <DialogActions>
            <Button onClick={close}>Cancel</Button>
            <DangerButton appearance="primary" onClick={confirm} disabledFocusable={action.busy}>
              {action.busy ? busyLabel : confirmLabel}
            </DangerButton>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

/**
 * A secret shown once (a token, a client secret, an invite link): a warning that names what to copy
 * and why it is not shown again, then the values; only "Done" closes it (modal).
 */
export function ShownOnceDialog({
  open,
  title,
  warning,
  why,
  wide,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  warning: string;
  why: ReactNode;
  wide?: boolean;
  onClose: () => void;
  children: ReactNode;
}) {
  const s = useStyles();
  return (
    <Dialog open={open} onOpenChange={(_, d) => !d.open && onClose()} modalType="modal">
      <DialogSurface aria-describedby="shown-once-warning" className={wide ? s.wideDialog : undefined}>
        <DialogBody>
          <DialogTitle>{title}</DialogTitle>
          <DialogContent className={s.dialogBody}>
            {open && (
              <>
                <MessageBar intent="warning" layout="multiline" id="shown-once-warning">
                  <MessageBarBody>
                    <MessageBarTitle>{warning}</MessageBarTitle>
                    {why}
                  </MessageBarBody>
                </MessageBar>
                {children}
              </>
            )}
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" onClick={onClose}>
              Done
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

/** An in-portal link: a real <a href> (new tab works) that navigates client-side. */
export function RouteLink({ to, children, ...rest }: RouteLinkProps) {
  return (
    <Link href={href(to)} onClick={linkClick(to)} {...rest}>
      {children}
    </Link>
  );
}

export function PageHeader({ title, help, actions }: { title: string; help?: ReactNode; actions?: ReactNode }) {
  const s = useStyles();
  return (
    <header className={s.header}>
      <Title2 as="h1" className={s.heading}>
        {title}
      </Title2>
      {help && <Body1 className={s.help}>{help}</Body1>}
      {actions}
    </header>
  );
}

export function Section({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  const s = useStyles();
  const headingId = id ?? `section-${title.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <section className={s.section} aria-labelledby={headingId}>
      <Subtitle2 as="h2" id={headingId} className={s.heading} tabIndex={-1}>
        {title}
      </Subtitle2>
      {children}
    </section>
  );
}

/** Moves focus to a Section's heading, e.g. after the control that had focus was removed. */
export function focusSection(id: string): void {
  setTimeout(() => document.getElementById(id)?.focus(), 0);
}

export function LoadingState({ label }: { label: string }) {
  const s = useStyles();
  return (
    <div className={s.loading} role="status">
      <Spinner size="small" label={label} labelPosition="after" />
    </div>
  );
}

/** A failed load: what went wrong, what to do, and a Retry button. */
export function ErrorState({ error, what, onRetry }: { error: ApiError; what: string; onRetry?: () => void }) {
  return (
    <MessageBar intent="error" role="alert" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>Could not load {what}</MessageBarTitle>
        {error.detail}
      </MessageBarBody>
      {onRetry && (
        <MessageBarActions>
          <Button onClick={onRetry}>Retry</Button>
        </MessageBarActions>
      )}
    </MessageBar>
  );
}

/** The error of an action (save, revoke, ...), with its detail and any field errors not shown next to a field. */
export function ProblemBar({
  error,
  title,
  hideFields = [],
}: {
  error?: ApiError;
  title: string;
  hideFields?: string[];
}) {
  if (!error) return null;
  const notShown = error.errors.filter((e) => !hideFields.includes(e.field));
  // Every error is already shown next to its field.
  if (error.errors.length > 0 && notShown.length === 0) return null;
  // A field error that only repeats the detail (e.g. a 409 naming clientId) is not listed twice.
  const others = notShown.filter((e) => e.detail !== error.detail);
  return (
    <MessageBar intent="error" role="alert" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{title}</MessageBarTitle>
        {error.detail}
        {others.length > 0 && (
          <ul>
            {others.map((e) => (
              <li key={e.field}>
                {e.field}: {e.detail}
              </li>
            ))}
          </ul>
        )}
      </MessageBarBody>
    </MessageBar>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  const s = useStyles();
  return (
    <div className={s.empty} data-testid="empty-state">
      <Subtitle2 as="p" className={s.heading}>
        {title}
      </Subtitle2>
      {children && <div>{children}</div>}
      {action}
    </div>
  );
}

/** A read-only value with a Copy button (navigator.clipboard); the text stays selectable if copying fails. */
export function CopyField({ label, value, hint }: { label: string; value: string; hint?: string }) {
  const s = useStyles();
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState("copied");
    } catch {
      setState("failed");
    }
  };
  return (
    <Field
      label={label}
      hint={hint}
      validationState={state === "failed" ? "error" : state === "copied" ? "success" : "none"}
      validationMessage={
        state === "failed"
          ? "Copying was blocked by the browser: select the text and press Ctrl+C."
          : state === "copied"
            ? "Copied to the clipboard."
            : undefined
      }
    >
      {(props) => (
        <div className={s.copyRow}>
          <Input {...props} className={s.copyInput} value={value} readOnly onFocus={(e) => e.currentTarget.select()} />
          <Button
            icon={state === "copied" ? <CheckmarkRegular /> : <CopyRegular />}
            onClick={copy}
            aria-label={`Copy ${label}`}
          >
            Copy
          </Button>
        </div>
      )}
    </Field>
  );
}

export function TokenStatusBadge({ status }: { status: string }) {
  const color = status === "active" ? "success" : status === "expired" ? "danger" : "informative";
  return (
    <Badge appearance="tint" color={color} shape="rounded">
      {status === "active" ? "Active" : status === "expired" ? "Expired" : status === "revoked" ? "Revoked" : status}
    </Badge>
  );
}

export function UserStatusBadge({ status }: { status: string }) {
  return (
    <Badge appearance="tint" color={status === "active" ? "success" : "warning"} shape="rounded">
      {status === "active" ? "Active" : status === "disconnected" ? "Disconnected" : status}
    </Badge>
  );
}

export function HttpStatusBadge({ status }: { status: number }) {
  const ok = status < 400;
  return (
    <Badge appearance="tint" color={ok ? "success" : "danger"} shape="rounded">
      {ok ? `Success ${status}` : `Failure ${status}`}
    </Badge>
  );
}
