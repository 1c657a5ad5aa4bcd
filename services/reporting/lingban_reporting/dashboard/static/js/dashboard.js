// The leaders' dashboard: overview figures, charts, tables and the drill-down
// city → township → village → project. Every figure comes from the query API.
import { ApiError, BASE, download, getJson, initToken, setToken, token } from "./api.js";
import { renderCategoriesChart, renderUnitsChart, resizeAll } from "./charts.js";
import { dateTime, el, num, pct } from "./format.js";
import { applyText, lang, setLang, t } from "./i18n.js";

const $ = (selector) => document.querySelector(selector);
const pageParams = new URLSearchParams(location.search);
// Seconds between freshness checks (the API's /v1/freshness is one small read).
const POLL_SECONDS = Math.max(1, Number(pageParams.get("poll")) || 10);

const state = {
  year: Number(pageParams.get("year")) || null, // ?year= opens another year; default: the API's

  path: [], // Units from the viewer's own region down to the one shown
  project: null, // the project shown, when drilled down to one
  metric: "completion_rate",
  freshness: null,
  loading: null,
  again: false,
  reloads: 0,
};
// Exposed for people debugging in the console and for the browser test.
window.lingbanDashboard = state;

function region() {
  return state.path.at(-1);
}

// ------------------------------------------------------------------ messages

function showMessage(text) {
  const box = $("#message");
  box.textContent = text;
  box.hidden = !text;
}

function setStatus(status) {
  document.body.dataset.state = status;
}

// ------------------------------------------------------------------ loading

function freshnessKey(fresh) {
  return `${fresh.applied_events}|${fresh.as_of}`;
}

async function load() {
  // Read first: an event applied while the figures load then shows as a change.
  const fresh = freshnessKey(await getJson("/v1/freshness"));
  const unit = region();
  const base = { year: state.year ?? undefined, region: unit?.code };
  const overview = await getJson("/v1/overview", base);
  if (!unit) {
    // First load: the API answers for the viewer's own region and the current year.
    state.path = [overview.region];
    state.year = overview.year;
  }
  const params = { year: overview.year, region: overview.region.code };
  const level = overview.region.level;
  const optional = (promise) => promise.catch((error) => (error instanceof ApiError && error.status === 403 ? null : Promise.reject(error)));
  const [units, categories, coverage, overdue, rectifications, projects, ranking] = await Promise.all([
    getJson("/v1/breakdown/units", params),
    getJson("/v1/breakdown/categories", params),
    getJson("/v1/coverage", params),
    getJson("/v1/overdue-stages", { ...params, limit: 20 }),
    getJson("/v1/rectifications", { region: params.region, status: "open", limit: 20 }),
    level === "city" ? null : getJson("/v1/projects", { ...params, limit: 100 }),
    level === "city" ? optional(getJson("/v1/rankings/townships", { year: params.year, metric: state.metric })) : null,
  ]);
  const [assessment, modelCases] = await Promise.all([getJson("/v1/assessments", params), getJson("/v1/model-cases", params)]);
  // This month in the current year, December in an earlier one.
  const now = new Date();
  const month = overview.year === now.getFullYear() ? `${overview.year}-${String(now.getMonth() + 1).padStart(2, "0")}` : `${overview.year}-12`;
  const [meetings, tasks, stationing] = await Promise.all([
    optional(getJson("/v1/dispatch/meetings-per-month", params)),
    optional(getJson("/v1/dispatch/tasks-per-unit", params)),
    level === "village" ? null : optional(getJson("/v1/stationing/figures", { region: params.region, month })),
  ]);
  const project = state.project ? await getJson(`/v1/projects/${encodeURIComponent(state.project)}`) : null;
  return { fresh, overview, units, categories, coverage, overdue, rectifications, projects, ranking, project, assessment, modelCases, meetings, tasks, stationing };
}

async function refresh() {
  // A drill-down clicked while loading is not lost: load again once this load ends.
  if (state.loading) {
    state.again = true;
    return state.loading;
  }
  setStatus("loading");
  state.loading = (async () => {
    try {
      const data = await load();
      render(data);
      state.freshness = data.fresh;
      showMessage("");
      state.reloads += 1;
      setStatus("ready");
    } catch (error) {
      showMessage(error.message);
      setStatus(error instanceof ApiError && (error.status === 401 || error.status === 403) ? "denied" : "error");
      if (error instanceof ApiError && error.status === 401) $("#token-panel").open = true;
    } finally {
      state.loading = null;
      if (state.again) {
        state.again = false;
        refresh();
      }
    }
  })();
  return state.loading;
}

async function poll() {
  if (!token() || document.hidden) return;
  try {
    const key = freshnessKey(await getJson("/v1/freshness"));
    if (state.freshness !== null && key !== state.freshness) await refresh();
    $("#live").classList.add("on");
  } catch {
    $("#live").classList.remove("on");
  }
}

// ------------------------------------------------------------------ navigation

function drillTo(unit) {
  state.path.push(unit);
  state.project = null;
  refresh();
}

function openProject(id) {
  state.project = id;
  refresh();
}

function backTo(index) {
  state.path = state.path.slice(0, index + 1);
  state.project = null;
  refresh();
}

// ------------------------------------------------------------------ rendering

function render(data) {
  const unit = data.overview.region;
  document.body.dataset.region = unit.code;
  document.body.dataset.level = unit.level;
  renderBreadcrumb(data.project);
  renderYear();
  $("#as-of").textContent = dateTime(data.overview.as_of);
  renderOverview(data.overview);
  renderUnits(unit, data.units);
  renderCategories(data.categories);
  renderCoverage(data.coverage);
  renderProjects(data.projects);
  renderProject(data.project);
  renderOverdue(data.overdue);
  renderRectifications(data.rectifications);
  renderRanking(data.ranking);
  renderAssessment(unit, data.assessment);
  renderModelCases(data.modelCases);
  renderDispatch(data.meetings, data.tasks);
  renderStationing(data.stationing);
  renderBulletinLinks();
}

function renderBreadcrumb(project) {
  const crumbs = state.path.map((unit, index) => {
    const last = index === state.path.length - 1 && !project;
    return el("li", {}, last ? el("span", { "aria-current": "page" }, unit.name) : el("a", { href: "#", dataset: { code: unit.code }, onclick: (e) => { e.preventDefault(); backTo(index); } }, unit.name));
  });
  if (project) crumbs.push(el("li", {}, el("span", { "aria-current": "page" }, project.title)));
  $("#breadcrumb").replaceChildren(...crumbs);
}

function renderYear() {
  const select = $("#year");
  const now = new Date().getFullYear();
  const years = new Set([now, now - 1, now - 2, state.year]);
  select.replaceChildren(...[...years].sort((a, b) => b - a).map((y) => el("option", { value: y, selected: y === state.year }, y)));
}

function figure(key, value, hint, warn = false) {
  return el("div", { class: `figure${warn ? " warn" : ""}`, dataset: { figure: key } }, el("div", { class: "label" }, t(key)), el("div", { class: "value" }, value), hint ? el("div", { class: "hint" }, hint) : null);
}

function renderOverview(o) {
  const p = o.projects;
  const s = o.supervision;
  $("#figures").replaceChildren(
    figure("declared", num(p.declared)),
    figure("approved", num(p.passed_review)),
    figure("in_execution", num(p.in_execution)),
    figure("completed", num(p.accepted)),
    figure("completion_rate", pct(p.completion_rate)),
    figure("overdue_projects", num(p.overdue_projects), `${t("overdue_stages")} ${num(p.overdue_stages)}`, p.overdue_projects > 0),
    figure("coverage", `${num(o.coverage.covered)}/${num(o.coverage.units)}`, `${t("uncovered_units")} ${num(o.coverage.uncovered)}`, o.coverage.uncovered > 0),
    figure("inspections", num(s.inspections), `${t("failure_rate")} ${pct(s.failure_rate)}`),
    figure("rectifications_open", num(s.rectifications_open), `${t("closure_rate")} ${pct(s.closure_rate)}`, s.rectifications_overdue > 0),
    figure("resolution_rate", pct(o.problems.resolution_rate), `${t("problems")} ${num(o.problems.total)}`),
    figure("visit_rate", pct(o.visits.visit_rate), `${t("resolution_rate")} ${pct(o.visits.resolution_rate)}`),
    figure("ack_rate", pct(o.notifications.acknowledgement_rate)),
  );
}

function renderUnits(unit, units) {
  const items = units.items;
  const childLevel = unit.level === "city" ? "township" : "village";
  $("#units-section").hidden = items.length === 0;
  $("#units-table-section").hidden = items.length === 0;
  $("#units-title").textContent = t(childLevel === "township" ? "by_unit_township" : "by_unit_village");
  if (items.length === 0) return;
  renderUnitsChart($("#chart-units"), items, drillTo);
  const rows = items.map((item) => {
    const cov = item.coverage;
    const noProject = item.declared === 0;
    return el(
      "tr",
      { class: `clickable${cov.uncovered > 0 ? " uncovered" : ""}`, dataset: { code: item.unit.code }, onclick: () => drillTo(item.unit), title: t("units_table") },
      el("td", {}, item.unit.name, noProject ? el("span", { class: "badge" }, t("no_project")) : null),
      el("td", { class: "n" }, num(item.declared)),
      el("td", { class: "n" }, num(item.in_execution)),
      el("td", { class: "n" }, num(item.completed)),
      el("td", { class: "n" }, pct(item.completion_rate)),
      el("td", { class: `n${item.overdue_projects > 0 ? " bad" : ""}` }, num(item.overdue_projects)),
      el("td", { class: "n" }, num(item.overdue_stages)),
      el("td", { class: `n${cov.uncovered > 0 ? " bad" : ""}` }, `${num(cov.covered)}/${num(cov.units)}`),
      el("td", { class: "n" }, num(item.deductions)),
    );
  });
  $("#units-table tbody").replaceChildren(...rows);
}

function renderCategories(categories) {
  const has = categories.items.length > 0;
  $("#chart-categories").hidden = !has;
  $("#categories-empty").hidden = has;
  if (has) renderCategoriesChart($("#chart-categories"), categories.items);
}

function renderCoverage(coverage) {
  const list = coverage.uncovered;
  $("#uncovered-count").textContent = `${num(list.length)} / ${num(coverage.units)}`;
  const shown = list.slice(0, 80).map((u) => el("li", { dataset: { code: u.code } }, u.name, u.parent_name ? el("small", {}, ` ${u.parent_name}`) : null));
  if (list.length > shown.length) shown.push(el("li", { class: "more" }, `+${list.length - shown.length}`));
  $("#uncovered").replaceChildren(...(shown.length ? shown : [el("li", { class: "ok" }, t("all_covered"))]));
}

function renderProjects(projects) {
  $("#projects-section").hidden = !projects;
  if (!projects) return;
  $("#projects-total").textContent = num(projects.total);
  const rows = projects.items.map((p) =>
    el(
      "tr",
      { class: `clickable${p.overdue_months.length ? " overdue" : ""}`, dataset: { project: p.id }, onclick: () => openProject(p.id) },
      el("td", {}, p.title),
      el("td", {}, p.unit_name),
      el("td", {}, p.category),
      el("td", {}, p.status_zh && lang === "zh" ? p.status_zh : p.status),
      el("td", { class: "n" }, `${p.stages_done}/${p.stages_total}`),
      el("td", {}, p.deadline),
    ),
  );
  $("#projects-table tbody").replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 6, class: "empty" }, t("no_data")))]));
}

function renderProject(p) {
  $("#project-section").hidden = !p;
  if (!p) return;
  const rows = [
    ["unit", p.unit_name],
    ["category", p.category],
    ["status", lang === "zh" && p.status_zh ? p.status_zh : p.status],
    ["lead_secretary", p.lead_secretary],
    ["deadline", p.deadline],
    ["stages", `${p.stages_done}/${p.stages_total}`],
    ["overdue_stages", p.overdue_months.length ? p.overdue_months.join("、") : "—"],
    ["rating", rating(p.rating, p.rating_zh)],
    ["model_case", p.model_case ? t("yes") : t("no")],
  ];
  $("#project-title").textContent = p.title;
  $("#project-details").replaceChildren(...rows.flatMap(([key, value]) => [el("dt", {}, t(key)), el("dd", {}, value)]));
}

function renderOverdue(overdue) {
  const rows = overdue.items.map((o) => el("tr", { class: "clickable", onclick: () => openProject(o.project_id) }, el("td", {}, o.title), el("td", {}, o.unit.name), el("td", {}, o.month)));
  $("#overdue-table tbody").replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 3, class: "empty" }, t("no_data")))]));
}

function renderRectifications(rectifications) {
  const rows = rectifications.items.map((r) => el("tr", { class: r.status === "overdue" ? "overdue" : "" }, el("td", {}, r.title), el("td", {}, r.unit.name), el("td", {}, r.deadline ?? "—")));
  $("#rectifications-table tbody").replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 3, class: "empty" }, t("no_data")))]));
}

function renderRanking(ranking) {
  $("#ranking-section").hidden = !ranking;
  if (!ranking) return;
  const value = (v) => (state.metric === "deduction_score" ? num(v) : pct(v));
  const rows = ranking.items.map((r) =>
    el(
      "tr",
      { class: "clickable", dataset: { code: r.unit.code }, onclick: () => drillTo(r.unit) },
      el("td", { class: "n" }, r.rank),
      el("td", {}, r.unit.name),
      el("td", { class: "n strong" }, value(r.value)),
      el("td", { class: "n" }, pct(r.completion_rate)),
      el("td", { class: "n" }, pct(r.overdue_rate)),
      el("td", { class: "n" }, num(r.deduction_score)),
    ),
  );
  $("#ranking-table tbody").replaceChildren(...rows);
}

/** A rating as the API gives it, in Chinese unless the viewer asked for English. */
function rating(code, label) {
  if (!code) return "—";
  return lang === "zh" && label ? label : code;
}

function renderAssessment(unit, a) {
  const finalized = a.status === "finalized";
  $("#assessment-status").textContent = a.status_zh;
  $("#assessment-summary").textContent = finalized
    ? `${t("assessment_average")} ${num(a.average_score)} · ${t("assessment_share")} ${num(a.party_building_share)}%`
    : t("assessment_none");
  // The units one level down (the city's townships, a township's villages), by rank.
  const childLevel = unit.level === "city" ? "township" : "village";
  const rows = a.scores
    .filter((s) => s.unit.code === unit.code || s.unit.level === childLevel)
    .slice(0, 60)
    .map((s) =>
      el(
        "tr",
        { dataset: { code: s.unit.code } },
        el("td", { class: "n" }, s.rank),
        el("td", {}, s.unit.name),
        el("td", {}, rating(s.rating, s.rating_zh)),
        el("td", { class: "n strong" }, num(s.score)),
        el("td", { class: "n" }, num(s.party_building_points)),
      ),
    );
  $("#assessment-table tbody").replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 5, class: "empty" }, t("no_data")))]));
  $("#praise-count").textContent = num(a.praise.length);
  const praised = a.praise.map((e) => el("li", { dataset: { code: e.unit.code }, title: e.reason ?? e.basis_zh }, e.unit.name, el("small", {}, ` ${e.rating_zh || num(e.score)}`)));
  $("#praise-list").replaceChildren(...(praised.length ? praised : [el("li", { class: "ok" }, t("no_data"))]));
  $("#talks-count").textContent = num(a.talks.length);
  const talks = a.talks.map((e) =>
    el(
      "tr",
      { dataset: { code: e.unit.code } },
      el("td", {}, e.unit.name),
      el("td", {}, lang === "zh" ? e.basis_zh : e.basis, e.reason ? el("small", {}, ` ${e.reason}`) : null),
      el("td", {}, e.talks_held.length ? e.talks_held.map((h) => `${h.held_on} ${h.held_by}`).join("；") : t("talk_pending")),
    ),
  );
  $("#talks-table tbody").replaceChildren(...(talks.length ? talks : [el("tr", {}, el("td", { colspan: 3, class: "empty" }, t("no_data")))]));
}

function renderModelCases(cases) {
  $("#model-cases-count").textContent = num(cases.length);
  const items = cases.map((c) => el("li", { dataset: { case: c.id } }, el("h3", {}, c.title), el("small", {}, `${lang === "zh" ? c.kind_zh : c.kind} · ${c.unit.name} · ${c.published_on ?? ""}`), el("p", {}, c.summary)));
  $("#model-cases").replaceChildren(...(items.length ? items : [el("li", { class: "empty" }, t("no_data"))]));
}

function emptyRow(columns) {
  return el("tr", {}, el("td", { colspan: columns, class: "empty" }, t("no_data")));
}

/** 一月一调度: meetings held this year, and the assigned tasks' follow-up by unit. */
function renderDispatch(meetings, tasks) {
  $("#dispatch-meetings").textContent = meetings ? `${t("meetings_held")} ${num(meetings.total)}` : "";
  if (!tasks) {
    $("#dispatch-summary").textContent = t("no_data");
    $("#dispatch-table tbody").replaceChildren(emptyRow(5));
    return;
  }
  const s = tasks.total;
  $("#dispatch-summary").textContent =
    `${t("tasks_assigned")} ${num(s.assigned)} · ${t("tasks_closed")} ${num(s.closed)} · ` +
    `${t("tasks_waiting")} ${num(s.waiting + s.reported)} · ${t("tasks_overdue")} ${num(s.overdue)} · ${t("closure_rate")} ${pct(s.closure_rate)}`;
  const rows = [...tasks.units]
    .sort((a, b) => b.overdue - a.overdue || a.closure_rate - b.closure_rate)
    .slice(0, 15)
    .map((u) =>
      el(
        "tr",
        { dataset: { code: u.unit_code } },
        el("td", {}, u.unit_name),
        el("td", { class: "n" }, num(u.assigned)),
        el("td", { class: "n" }, num(u.closed)),
        el("td", { class: u.overdue ? "n bad" : "n" }, num(u.overdue)),
        el("td", { class: "n" }, pct(u.closure_rate)),
      ),
    );
  $("#dispatch-table tbody").replaceChildren(...(rows.length ? rows : [emptyRow(5)]));
}

// The four must-visit groups (四必访).
const MUST_VISIT_ZH = { veteran_party_member: "老党员", lifted_out_of_poverty: "脱贫户", petitioner: "信访户", in_difficulty: "困难户" };

/** 驻点联系 this month: households covered, the 四必访 groups, residence and leave;
 *  township secretaries and mayors apart. */
function renderStationing(f) {
  if (!f) {
    $("#stationing-month").textContent = "";
    $("#stationing-summary").textContent = t("no_data");
    $("#stationing-table tbody").replaceChildren(emptyRow(6));
    return;
  }
  $("#stationing-month").textContent = f.month;
  const all = f.townships.map((row) => row.all);
  const sum = (key) => all.reduce((total, row) => total + row[key], 0);
  const households = sum("households");
  const rate = households ? Math.min(1, sum("households_covered") / households) : 0;
  const groups = new Map();
  for (const row of all) {
    for (const g of row.must_visit) {
      const label = lang === "zh" ? (MUST_VISIT_ZH[g.kind] ?? g.kind) : g.kind.replaceAll("_", " ");
      const seen = groups.get(g.kind) ?? { households: 0, covered: 0, label };
      seen.households += g.households;
      seen.covered += g.covered;
      groups.set(g.kind, seen);
    }
  }
  const mustVisit = [...groups.values()].map((g) => `${g.label} ${pct(g.households ? Math.min(1, g.covered / g.households) : 0)}`).join(" · ");
  $("#stationing-summary").textContent =
    `${t("household_visit_rate")} ${pct(rate)}` + (mustVisit ? ` · ${mustVisit}` : "") +
    ` · ${t("residence_short")} ${num(sum("residence_flagged_count"))} · ${t("leaves")} ${num(sum("leaves"))}`;
  const line = (label, x) =>
    el(
      "tr",
      {},
      el("td", {}, label),
      el("td", { class: "n" }, num(x.people)),
      el("td", { class: "n" }, num(x.stationed_days)),
      el("td", { class: "n" }, num(x.kept_days)),
      el("td", { class: "n" }, num(x.residence_days)),
      el("td", { class: "n" }, pct(x.visit_rate)),
    );
  $("#stationing-table tbody").replaceChildren(line(t("township_secretaries"), f.secretaries), line(t("mayors"), f.mayors));
}

function quarter() {
  return Number($("#quarter").value);
}

function renderBulletinLinks() {
  const now = new Date();
  if (!$("#quarter").dataset.touched) $("#quarter").value = state.year === now.getFullYear() ? String(Math.floor(now.getMonth() / 3) + 1) : "4";
  const q = new URLSearchParams({ region: region().code });
  $("#bulletin-print").href = `${BASE}/bulletins/${state.year}-Q${quarter()}/print?${q}`;
}

// ------------------------------------------------------------------ wiring

function wire() {
  $("#lang").addEventListener("click", () => {
    setLang(lang === "zh" ? "en" : "zh");
    refresh();
  });
  $("#year").addEventListener("change", (e) => {
    state.year = Number(e.target.value);
    state.project = null;
    refresh();
  });
  $("#metric").addEventListener("change", (e) => {
    state.metric = e.target.value;
    refresh();
  });
  $("#quarter").addEventListener("change", () => {
    $("#quarter").dataset.touched = "1";
    renderBulletinLinks();
  });
  $("#bulletin-xlsx").addEventListener("click", async () => {
    try {
      await download(`/v1/bulletins/${state.year}-Q${quarter()}`, { region: region().code, format: "xlsx" }, `通报-${region().name}-${state.year}-Q${quarter()}.xlsx`);
    } catch (error) {
      showMessage(error.message);
    }
  });
  $("#token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    setToken($("#token-input").value);
    $("#token-input").value = "";
    $("#token-panel").open = false;
    state.path = [];
    state.year = null;
    state.project = null;
    refresh();
  });
  $("#token-clear").addEventListener("click", () => {
    setToken("");
    location.reload();
  });
  window.addEventListener("resize", resizeAll);
}

applyText();
wire();
initToken();
// Opened from the workbench, behind the gateway: a way back to it.
$("#to-workbench").hidden = BASE === "";
if (token()) {
  refresh();
} else {
  showMessage(t("err_no_token"));
  setStatus("denied");
  $("#token-panel").open = true;
}
setInterval(poll, POLL_SECONDS * 1000);
