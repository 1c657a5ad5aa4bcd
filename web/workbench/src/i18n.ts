// Chinese first; English switchable (remembered in localStorage), as the dashboard does.
import { createI18n } from "vue-i18n";
import { zhCN } from "./locales/zh-CN";
import { en } from "./locales/en";

const STORED = "lingban.lang";
export type Language = "zh-CN" | "en";

function initial(): Language {
  return localStorage.getItem(STORED) === "en" ? "en" : "zh-CN";
}

export const i18n = createI18n({
  legacy: false,
  locale: initial(),
  fallbackLocale: "zh-CN",
  messages: { "zh-CN": zhCN, en },
});

export function currentLanguage(): Language {
  return i18n.global.locale.value as Language;
}

export function setLanguage(language: Language): void {
  i18n.global.locale.value = language;
  localStorage.setItem(STORED, language);
  document.documentElement.lang = language;
}

export function translate(key: string, values: Record<string, unknown> = {}): string {
  return i18n.global.t(key, values);
}
