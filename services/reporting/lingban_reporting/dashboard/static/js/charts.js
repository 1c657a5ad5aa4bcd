// Apache ECharts (the npm-locked bundle loaded by a classic <script>, as window.echarts).
import { t } from "./i18n.js";

const PALETTE = ["#c0392b", "#2e86de", "#27ae60", "#f39c12", "#8e44ad", "#16a085", "#d35400", "#7f8c8d"];

// Viewers who ask their system for less motion get charts without animation.
const animation = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;

function instance(node) {
  const echarts = window.echarts;
  if (!echarts) throw new Error(t("err_echarts"));
  return echarts.getInstanceByDom(node) ?? echarts.init(node, null, { renderer: "canvas" });
}

/** Declared / completed / overdue projects of each child unit; a click drills into the unit. */
export function renderUnitsChart(node, items, onPick) {
  const chart = instance(node);
  const names = items.map((i) => i.unit.name);
  const series = [
    ["declared", "declared", PALETTE[1]],
    ["completed", "completed", PALETTE[2]],
    ["overdue_projects", "overdue_projects", PALETTE[0]],
  ].map(([field, label, color]) => ({
    name: t(label),
    type: "bar",
    itemStyle: { color },
    emphasis: { focus: "series" },
    data: items.map((i) => i[field]),
  }));
  chart.setOption(
    {
      animation,
      color: PALETTE,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 36, bottom: 70 },
      xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 8 ? 40 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series,
    },
    { notMerge: true },
  );
  chart.off("click");
  chart.on("click", (params) => {
    const item = items[params.dataIndex];
    if (item) onPick(item.unit);
  });
  return chart;
}

/** Declared projects by category, a doughnut. */
export function renderCategoriesChart(node, items) {
  const chart = instance(node);
  chart.setOption(
    {
      animation,
      color: PALETTE,
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { type: "scroll", bottom: 0 },
      series: [
        {
          name: t("by_category"),
          type: "pie",
          radius: ["38%", "66%"],
          center: ["50%", "45%"],
          label: { formatter: "{b}\n{c}" },
          data: items.map((i) => ({ name: i.category, value: i.declared })),
        },
      ],
    },
    { notMerge: true },
  );
  return chart;
}

export function resizeAll() {
  for (const node of document.querySelectorAll(".chart")) window.echarts?.getInstanceByDom(node)?.resize();
}
