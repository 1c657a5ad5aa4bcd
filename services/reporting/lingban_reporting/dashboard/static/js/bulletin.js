// The quarterly bulletin (通报) as a printable page, rendered from the JSON bulletin.
import { ApiError, getJson, initToken } from "./api.js";
import { dateTime, el, num, pct } from "./format.js";
import { applyText, t } from "./i18n.js";

const $ = (selector) => document.querySelector(selector);
const [, period] = location.pathname.match(/\/bulletins\/(\d{4}-Q[1-4])\/print/) ?? [];
const region = new URLSearchParams(location.search).get("region") ?? undefined;

// Column headings of the bulletin's rows; unknown fields show their own name.
const HEADINGS = {
  rank: "名次 Rank",
  unit: "单位 Unit",
  declared: "申报 Declared",
  approved: "通过 Approved",
  in_execution: "实施中 In execution",
  completed: "完成 Completed",
  completion_rate: "完成率 Completion",
  overdue_projects: "逾期项目 Overdue",
  overdue_stages: "逾期阶段 Overdue stages",
  overdue_rate: "逾期率 Overdue rate",
  inspections: "督导 Inspections",
  failed: "不合格 Failed",
  failed_inspections: "不合格 Failed",
  deductions: "扣分 Deductions",
  deduction_score: "扣分 Deductions",
  rectifications_open: "待整改 Open",
  rectifications_closed: "已整改 Rectified",
  problems: "问题 Problems",
  problems_resolved: "已解决 Resolved",
  resolution_rate: "解决率 Resolution",
  problem_resolution_rate: "解决率 Resolution",
  visits: "走访 Visits",
  visit_rate: "村走访覆盖率 Villages visited",
  rank_overdue_rate: "逾期率名次 Rank (overdue)",
  rank_deduction_score: "扣分名次 Rank (deductions)",
  score: "得分 Score",
};
// Rank and unit first, the other ranks last, the figures in between as the API orders them.
const FIRST = ["rank", "unit"];
const LAST = ["rank_overdue_rate", "rank_deduction_score"];

function cell(key, value) {
  if (value && typeof value === "object") return value.name ?? JSON.stringify(value);
  if (typeof value === "number") return key.endsWith("_rate") && !key.startsWith("rank") ? pct(value) : num(value);
  return value ?? "—";
}

function rowsOf(bulletin) {
  return bulletin.items ?? bulletin.rows ?? bulletin.townships ?? [];
}

function periodText(bulletin) {
  const p = bulletin.period;
  if (p && typeof p === "object") return `${period}（${p.start} – ${p.end}）`;
  return p ?? period;
}

function columns(rows) {
  const keys = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!keys.includes(key)) keys.push(key);
  const middle = keys.filter((k) => !FIRST.includes(k) && !LAST.includes(k));
  return [...FIRST.filter((k) => keys.includes(k)), ...middle, ...LAST.filter((k) => keys.includes(k))];
}

function render(bulletin) {
  const unit = bulletin.region;
  const title = `${unit?.name ?? ""}${bulletin.title ?? t("bulletin_title")}`;
  $("#bulletin-title").textContent = title;
  document.title = title;
  const generated = bulletin.generated_at ?? bulletin.as_of;
  $("#bulletin-meta").textContent = `${periodText(bulletin)}${unit ? ` · ${t("bulletin_region")}：${unit.name}` : ""}${generated ? ` · ${t("as_of")}：${dateTime(generated)}` : ""}`;
  const rows = rowsOf(bulletin);
  const keys = columns(rows);
  $("#bulletin-table thead").replaceChildren(el("tr", {}, keys.map((k) => el("th", {}, HEADINGS[k] ?? k))));
  $("#bulletin-table tbody").replaceChildren(
    ...rows.map((row) => el("tr", { dataset: { code: row.unit?.code ?? "" } }, keys.map((k) => el("td", { class: typeof row[k] === "number" ? "n" : k === "unit" ? "name" : "" }, cell(k, row[k]))))),
  );
  const totals = bulletin.totals ?? bulletin.summary;
  $("#bulletin-summary").replaceChildren(
    ...Object.entries(totals ?? {})
      .filter(([, v]) => typeof v === "number")
      .map(([k, v]) => el("div", { class: "figure", dataset: { figure: k } }, el("div", { class: "label" }, HEADINGS[k] ?? k), el("div", { class: "value" }, cell(k, v)))),
  );
}

async function main() {
  applyText();
  $("#print").addEventListener("click", () => window.print());
  initToken();
  try {
    render(await getJson(`/v1/bulletins/${period}`, { region, format: "json" }));
    document.body.dataset.state = "ready";
  } catch (error) {
    $("#message").textContent = error.message;
    $("#message").hidden = false;
    document.body.dataset.state = error instanceof ApiError && error.status < 500 && error.status >= 400 ? "denied" : "error";
  }
}

main();
