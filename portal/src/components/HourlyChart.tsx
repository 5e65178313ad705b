import { makeStyles, tokens } from "@fluentui/react-components";
import type { HourBucket } from "../api";
import { fmtDateTime } from "../format";

const useStyles = makeStyles({
  // Below 600 px the chart keeps that width (its labels stay readable) and scrolls inside its own box.
  scroll: { overflowX: "auto", maxWidth: "100%" },
  svg: { width: "100%", minWidth: "600px", height: "auto", display: "block" },
  legend: {
    display: "flex",
    gap: tokens.spacingHorizontalL,
    fontSize: tokens.fontSizeBase200,
    color: tokens.colorNeutralForeground2,
  },
  swatch: { display: "inline-block", width: "10px", height: "10px", marginRight: "4px", verticalAlign: "middle" },
});

const W = 840;
const H = 200;
const PAD = { left: 40, right: 8, top: 12, bottom: 28 };

/** Requests and failures per hour as a bar chart (failures drawn over the requests they are part of). */
export function HourlyChart({ hours, titleId = "hourly-chart-title" }: { hours: HourBucket[]; titleId?: string }) {
  const s = useStyles();
  const total = hours.reduce((n, h) => n + h.requests, 0);
  const failed = hours.reduce((n, h) => n + h.failures, 0);
  const peak = hours.reduce<HourBucket | undefined>((p, h) => (!p || h.requests > p.requests ? h : p), undefined);
  const max = Math.max(1, ...hours.map((h) => h.requests));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const bw = plotW / Math.max(1, hours.length);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const days = hours
    .map((h, i) => ({ h, i }))
    .filter(({ h, i }) => new Date(h.hour).getUTCHours() === 0 && PAD.left + i * bw < W - PAD.right - 44);
  const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", timeZone: "UTC" });
  const description =
    `${total} requests and ${failed} failures in ${hours.length} hours` +
    (peak && peak.requests > 0 ? `; busiest hour ${fmtDateTime(peak.hour)} with ${peak.requests} requests.` : ".");

  return (
    <figure style={{ margin: 0 }}>
      <div
        className={s.scroll}
        tabIndex={0}
        role="group"
        aria-label="Hourly chart (scrolls sideways on narrow screens)"
      >
        <svg
          className={s.svg}
          viewBox={`0 0 ${W} ${H}`}
          role="img"
          aria-labelledby={titleId}
          aria-describedby={`${titleId}-desc`}
          data-testid="hourly-chart"
        >
          <title id={titleId}>Requests and failures per hour, last 7 days (UTC)</title>
          <desc id={`${titleId}-desc`}>{description}</desc>
          <line x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} stroke={tokens.colorNeutralStroke1} />
          <line
            x1={PAD.left}
            x2={W - PAD.right}
            y1={y(max)}
            y2={y(max)}
            stroke={tokens.colorNeutralStroke2}
            strokeDasharray="2 3"
          />
          <text x={PAD.left - 4} y={y(max) + 4} textAnchor="end" fontSize="10" fill={tokens.colorNeutralForeground3}>
            {max}
          </text>
          <text x={PAD.left - 4} y={y(0) + 4} textAnchor="end" fontSize="10" fill={tokens.colorNeutralForeground3}>
            0
          </text>
          {hours.map((h, i) => (
            <g key={h.hour}>
              {h.requests > 0 && (
                <rect
                  x={PAD.left + i * bw + 0.5}
                  y={y(h.requests)}
                  width={Math.max(1, bw - 1)}
                  height={y(0) - y(h.requests)}
                  fill={tokens.colorBrandBackground}
                >
                  <title>{`${h.hour}: ${h.requests} requests, ${h.failures} failures`}</title>
                </rect>
              )}
              {h.failures > 0 && (
                <rect
                  x={PAD.left + i * bw + 0.5}
                  y={y(h.failures)}
                  width={Math.max(1, bw - 1)}
                  height={y(0) - y(h.failures)}
                  fill={tokens.colorPaletteRedBackground3}
                />
              )}
            </g>
          ))}
          {days.map(({ h, i }) => (
            <g key={`d${h.hour}`}>
              <line
                x1={PAD.left + i * bw}
                x2={PAD.left + i * bw}
                y1={y(0)}
                y2={y(0) + 4}
                stroke={tokens.colorNeutralStroke1}
              />
              <text x={PAD.left + i * bw + 2} y={H - 8} fontSize="10" fill={tokens.colorNeutralForeground3}>
                {dayFmt.format(new Date(h.hour))}
              </text>
            </g>
          ))}
        </svg>
      </div>
      <figcaption className={s.legend}>
        <span>
          <span className={s.swatch} style={{ backgroundColor: tokens.colorBrandBackground }} aria-hidden="true" />
          Requests ({total})
        </span>
        <span>
          <span
            className={s.swatch}
            style={{ backgroundColor: tokens.colorPaletteRedBackground3 }}
            aria-hidden="true"
          />
          Failures ({failed})
        </span>
      </figcaption>
    </figure>
  );
}
