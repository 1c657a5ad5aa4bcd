import { watch, type Ref } from "vue";

// What a user typed into a form, kept in sessionStorage until the server accepted it:
// an expired sign-in, a reload or a lost connection does not lose it. Cleared on success.
export function useDraft<T>(key: string, value: Ref<T>) {
  const storageKey = `lingban.draft.${key}`;
  const stop = watch(value, (v) => sessionStorage.setItem(storageKey, JSON.stringify(v)), { deep: true });
  return {
    restore(): T | null {
      const raw = sessionStorage.getItem(storageKey);
      if (!raw) return null;
      try {
        return JSON.parse(raw) as T;
      } catch {
        return null;
      }
    },
    clear(): void {
      stop();
      sessionStorage.removeItem(storageKey);
    },
  };
}
