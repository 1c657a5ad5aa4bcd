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
  deductions: "扣分 Deductions",
  deduction_score: "扣分 Deductions",
  rectifications_open: "待整改 Open",
  problems: "问题 Problems",
  resolution_rate: "解决率 Resolution",
  score: "得分 Score",
};

function cell(key, value) {
  if (value && typeof value === "object") return value.name ?? JSON.stringify(value);
  if (typeof value === "number") return key.endsWith("_rate") ? pct(value) : num(value);
  return value ?? "—";
}

function rowsOf(bulletin) {
  return bulletin.items ?? bulletin.rows ?? bulletin.townships ?? [];
}

function render(bulletin) {
  const unit = bulletin.region;
  const title = bulletin.title ?? `${unit?.name ?? ""}${t("bulletin_title")}`;
  $("#bulletin-title").textContent = title;
  document.title = title;
  const generated = bulletin.generated_at ?? bulletin.as_of;
  $("#bulletin-meta").textContent = `${bulletin.period ?? period}${unit ? ` · ${t("bulletin_region")}：${unit.name}` : ""}${generated ? ` · ${t("bulletin_generated")}：${dateTime(generated)}` : ""}`;
  const rows = rowsOf(bulletin);
  const keys = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!keys.includes(key)) keys.push(key);
  $("#bulletin-table thead").replaceChildren(el("tr", {}, keys.map((k) => el("th", {}, HEADINGS[k] ?? k))));
  $("#bulletin-table tbody").replaceChildren(
    ...rows.map((row) => el("tr", { dataset: { code: row.unit?.code ?? "" } }, keys.map((k) => el("td", { class: typeof row[k] === "number" ? "n" : "" }, cell(k, row[k]))))),
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
