// Number formatting shared by the dashboard and the bulletin page.
import { lang } from "./i18n.js";

export function num(value) {
  if (value === null || value === undefined) return "—";
  return Number(value).toLocaleString(lang === "en" ? "en-US" : "zh-CN");
}

/** Rates are 0..1 floats from the API, null when there is nothing to divide by. */
export function pct(value) {
  if (value === null || value === undefined) return "—";
  return `${(value * 100).toFixed(1)}%`;
}

export function dateTime(value) {
  if (!value) return "—";
  return new Date(value).toLocaleString(lang === "en" ? "en-GB" : "zh-CN", { hour12: false });
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined).map((c) => (c instanceof Node ? c : String(c))));
  return node;
}
