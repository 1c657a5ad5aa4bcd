// A real OpenID provider for the browser tests (never for production): panva's
// oidc-provider, a certified OP, a devDependency of the workbench (package-lock.json).
// tests/web/oidc.py starts it; it signs access tokens (JWT, RS256) for the services'
// audience, which they verify through this provider's JWKS as they would any provider's.
//
// Settings from the environment:
//   OIDC_PORT          port on 127.0.0.1 (the issuer is http://127.0.0.1:<port>)
//   OIDC_CLIENT_ID     the workbench's client id (public client, PKCE S256 required)
//   OIDC_REDIRECT_URI  the workbench's callback, e.g. http://127.0.0.1:18100/sign-in/callback
//   OIDC_AUDIENCE      the services' LINGBAN_AUTH_AUDIENCE (the access token's `aud`)
//   OIDC_ACCOUNTS      JSON {"<login>": {"name", "roles", "region"}}: the test accounts
// Its login and consent pages are the provider's own (devInteractions): any password, but
// only the listed logins are accounts.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT ?? "0");
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.OIDC_CLIENT_ID ?? "lingban-workbench";
const redirectUri = process.env.OIDC_REDIRECT_URI;
const audience = process.env.OIDC_AUDIENCE ?? "lingban";
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS ?? "{}");
const RESOURCE_SCOPE = "lingban";
// The services as one resource server (RFC 8707 wants an absolute URI); its tokens carry
// the services' audience.
const RESOURCE = "urn:lingban:services";
if (!port || !redirectUri) throw new Error("set OIDC_PORT and OIDC_REDIRECT_URI");

// A fresh signing key each run: the services learn it from the JWKS.
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signing = { ...privateKey.export({ format: "jwk" }), kid: randomBytes(8).toString("hex"), use: "sig", alg: "RS256" };

/** The claims the services read (lingban_kit/auth.py): sub, name, roles, region. */
function claimsOf(login) {
  const found = accounts[login];
  return found ? { sub: login, name: found.name, roles: found.roles, region: found.region } : undefined;
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      token_endpoint_auth_method: "none", // a browser app: no secret, PKCE instead
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  pkce: { required: () => true },
  jwks: { keys: [signing] },
  cookies: { keys: [randomBytes(16).toString("hex")] },
  scopes: ["openid", "profile", RESOURCE_SCOPE],
  claims: { openid: ["sub"], profile: ["name", "roles", "region"] },
  // The ID token carries the profile claims, as most providers' do by default.
  conformIdTokenClaims: false,
  async findAccount(_ctx, id) {
    const claims = claimsOf(id);
    return claims ? { accountId: id, claims: async () => claims } : undefined;
  },
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => RESOURCE,
      useGrantedResource: async () => true,
      getResourceServerInfo: async () => ({
        scope: RESOURCE_SCOPE,
        audience,
        accessTokenTTL: 3600,
        accessTokenFormat: "jwt",
        jwt: { sign: { alg: "RS256" } },
      }),
    },
  },
  // The access token carries the user's roles and unit for the services.
  async extraTokenClaims(_ctx, token) {
    const claims = claimsOf(token.accountId);
    return claims ? { name: claims.name, roles: claims.roles, region: claims.region } : {};
  },
  clientBasedCORS: () => true,
  ttl: { AccessToken: 3600, IdToken: 3600, Session: 3600, Grant: 3600, Interaction: 600, AuthorizationCode: 60 },
});
provider.proxy = false;

provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
