// The query API, called with the viewer's bearer token. The API limits every answer
// to the viewer's jurisdiction; the page shows whatever it is given.
import { lang, t } from "./i18n.js";

const TOKEN_KEY = "lingban.token";
// The workbench's sign-in (same origin behind the gateway): a leader who opens the
// dashboard from the workbench is already signed in, with no token in any URL.
const WORKBENCH_SESSION_KEY = "lingban.session";

// Where the service is mounted: "" when the page is the service's own /dashboard,
// "/api/reporting" behind the gateway. API calls and page links start with it.
export const BASE = location.pathname.replace(/\/(dashboard|bulletins\/[^/]+\/print)\/?$/, "");

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Take a token passed as #token=… (then drop it from the address bar), else the stored one. */
export function initToken() {
  const params = new URLSearchParams(location.hash.slice(1));
  const fromUrl = params.get("token");
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
  }
  return token();
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || workbenchToken();
}

function workbenchToken() {
  try {
    const signedIn = JSON.parse(sessionStorage.getItem(WORKBENCH_SESSION_KEY) || "null");
    return signedIn && signedIn.expiresAt > Date.now() ? String(signedIn.token || "") : "";
  } catch {
    return "";
  }
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value.trim().replace(/^Bearer\s+/i, ""));
  else sessionStorage.removeItem(TOKEN_KEY);
}

function url(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  }
  const qs = query.toString();
  return qs ? `${BASE}${path}?${qs}` : `${BASE}${path}`;
}

async function request(path, params) {
  if (!token()) throw new ApiError(401, t("err_no_token"));
  let response;
  try {
    response = await fetch(url(path, params), {
      headers: { Authorization: `Bearer ${token()}`, "Accept-Language": lang === "en" ? "en" : "zh-CN" },
    });
  } catch {
    throw new ApiError(0, t("err_network"));
  }
  if (response.ok) return response;
  let message = "";
  try {
    message = (await response.json()).error?.message ?? "";
  } catch {
    // not JSON: keep the generic message below
  }
  if (response.status === 401) throw new ApiError(401, t("err_401"));
  if (response.status === 403) throw new ApiError(403, `${t("err_403")}${message ? ` ${message}` : ""}`);
  throw new ApiError(response.status, message || `HTTP ${response.status}`);
}

export async function getJson(path, params) {
  return (await request(path, params)).json();
}

/** Download a file the API serves only with the token (a plain link cannot send it). */
export async function download(path, params, filename) {
  const blob = await (await request(path, params)).blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
