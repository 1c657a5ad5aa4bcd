// Production sign-in: OpenID Connect, authorization code flow with PKCE (oidc-client-ts),
// against the identity provider whose JWKS the services verify tokens with.
//
// The provider, client id and scopes come from /config.json, which the gateway renders
// from its environment (infra/nginx/lingban.conf.template), so one build serves every
// deployment; without an issuer there the sign-in page offers the development sign-in
// only. The browser never sees a token in a URL: the provider sends back a one-time code
// that is exchanged here, with the PKCE verifier, at the token endpoint. The code and
// state leave the address bar before anything else happens. `state` (and the verifier)
// wait in the tab's sessionStorage; the library checks `state`, and `nonce` against the
// ID token. The access token then lives where the development sign-in's does (session.ts).
import { OidcClient, WebStorageStateStore } from "oidc-client-ts";

export interface OidcSettings {
  issuer: string;
  client_id: string;
  scope: string;
  redirect_uri: string;
  resource: string;
}

export interface RuntimeConfig {
  oidc: OidcSettings | null;
}

export const CALLBACK_PATH = "/sign-in/callback";
let loaded: Promise<RuntimeConfig> | null = null;

/** /config.json of this deployment; missing or unreadable means: no OIDC sign-in. */
export function runtimeConfig(): Promise<RuntimeConfig> {
  loaded ??= fetch("/config.json", { cache: "no-store", headers: { Accept: "application/json" } })
    .then(async (response) => {
      if (!response.ok || !(response.headers.get("content-type") ?? "").includes("json")) return { oidc: null };
      const body = (await response.json()) as { oidc?: Partial<OidcSettings> };
      const o = body.oidc;
      if (!o?.issuer || !o.client_id) return { oidc: null };
      return {
        oidc: {
          issuer: o.issuer,
          client_id: o.client_id,
          scope: o.scope || "openid profile",
          redirect_uri: o.redirect_uri || `${window.location.origin}${CALLBACK_PATH}`,
          resource: o.resource ?? "",
        },
      };
    })
    .catch(() => ({ oidc: null }));
  return loaded;
}

function clientFor(settings: OidcSettings): OidcClient {
  return new OidcClient({
    authority: settings.issuer,
    client_id: settings.client_id,
    redirect_uri: settings.redirect_uri,
    response_type: "code",
    scope: settings.scope,
    ...(settings.resource ? { resource: settings.resource } : {}),
    // The verifier and state stay in this tab only, and go once used.
    stateStore: new WebStorageStateStore({ store: window.sessionStorage, prefix: "lingban.oidc." }),
    loadUserInfo: false,
    // The user sees the sign-in page of the provider in their language.
    ui_locales: document.documentElement.lang || "zh-CN",
  });
}

function randomNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Leave for the provider's sign-in page; `next` is where to come back to afterwards. */
export async function startSignIn(settings: OidcSettings, next: string): Promise<void> {
  const client = clientFor(settings);
  await client.clearStaleState();
  const request = await client.createSigninRequest({ state: { next }, nonce: randomNonce() });
  window.location.assign(request.url);
}

export interface SignedIn {
  accessToken: string;
  expiresIn: number;
  claims: Record<string, unknown>;
  next: string;
}

/**
 * Take the provider's answer off the address bar at once (history, Referer, screenshots),
 * then exchange the code. Call before anything awaits.
 */
export function takeCallbackUrl(): string {
  const url = window.location.href;
  window.history.replaceState({ ...(window.history.state ?? {}), current: CALLBACK_PATH }, "", CALLBACK_PATH);
  return url;
}

/** Exchange the code (checking state and nonce); throws with the provider's error. */
export async function finishSignIn(settings: OidcSettings, url: string): Promise<SignedIn> {
  const response = await clientFor(settings).processSigninResponse(url);
  const state = (response.userState ?? {}) as { next?: unknown };
  const next = typeof state.next === "string" && state.next.startsWith("/") && !state.next.startsWith("//") ? state.next : "/";
  return {
    accessToken: response.access_token,
    expiresIn: response.expires_in ?? 300,
    claims: response.profile as Record<string, unknown>,
    next,
  };
}
