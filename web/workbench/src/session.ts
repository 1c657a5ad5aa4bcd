// Who is signed in. The token lives in memory and in sessionStorage (so a reload of
// the tab keeps the sign-in, a closed tab forgets it); it is never put in a URL.
import { computed, reactive } from "vue";

export interface SessionUser {
  id: string;
  name: string;
  role: string;
  role_label: string;
  region: string;
  unit_name: string;
}

interface Stored {
  token: string;
  expiresAt: number; // epoch ms
  user: SessionUser;
}

const KEY = "lingban.session";

function load(): Stored | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const stored = JSON.parse(raw) as Stored;
    return stored.expiresAt > Date.now() ? stored : null;
  } catch {
    return null;
  }
}

const state = reactive<{ current: Stored | null; expired: boolean }>({ current: load(), expired: false });

export const session = {
  user: computed(() => state.current?.user ?? null),
  signedIn: computed(() => state.current !== null && state.current.expiresAt > Date.now()),
  expired: computed(() => state.expired),
  token(): string | null {
    return state.current && state.current.expiresAt > Date.now() ? state.current.token : null;
  },
  signIn(token: string, expiresInSeconds: number, user: SessionUser): void {
    state.current = { token, expiresAt: Date.now() + expiresInSeconds * 1000, user };
    state.expired = false;
    sessionStorage.setItem(KEY, JSON.stringify(state.current));
  },
  signOut(expired = false): void {
    state.current = null;
    state.expired = expired;
    sessionStorage.removeItem(KEY);
  },
  is(role: string): boolean {
    return state.current?.user.role === role;
  },
};
