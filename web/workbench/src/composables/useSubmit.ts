// Sending a form, the one way every screen does it: optionally ask first, show progress,
// send, then either
// - the service took it: forget the tab's draft, say so (a toast), and go on (navigate,
//   reload, reset the form), or
// - it did not: its message for the whole form (`problem`, shown inline by the page) and
//   its messages next to the fields (`fields`, until the user changes that field), a
//   toast when fields need fixing (422), and on a 409 — someone else moved the record
//   on — the page reloads it.
// What was typed stays in the form on any failure. The messages come from the API's
// error body in the user's language (`api/errors.ts`: zh-CN first, English from the
// top bar); an unanswered request says the content is kept and to try again.
import { ref, watch } from "vue";
import { useI18n } from "vue-i18n";
import { ElMessage, ElMessageBox, type ElMessageBoxOptions } from "element-plus";
import { call, networkProblem, type ApiProblem } from "../api/errors";

type Outcome<T> = { ok: true; data: T } | { ok: false; problem: ApiProblem };
/** What openapi-fetch answers, or what `call` (or a client helper built on it) made of it. */
type Answer<T> = { data?: T; error?: unknown; response: Response } | Outcome<T>;

async function outcome<T>(request: () => Promise<Answer<T>>): Promise<Outcome<T>> {
  let sent: Answer<T>;
  try {
    sent = await request();
  } catch {
    return { ok: false, problem: networkProblem() };
  }
  return "ok" in sent ? sent : call(async () => sent);
}

export interface SubmitOptions<T> {
  /** Asked first (确定 / 取消); cancelling sends nothing and `submit` answers null. */
  confirm?: { message: string; title: string; options?: ElMessageBoxOptions };
  /** The tab's copy of the form, forgotten once the service took it. */
  draft?: { clear(): void };
  /** The toast once the service took it. */
  success?: string | ((saved: T) => string);
  /** Then: show the record returned, reset the form, navigate or reload. */
  then?: (saved: T) => unknown;
  /** A 409: the record moved on meanwhile; reload it (the form keeps what was typed). */
  conflict?: () => unknown;
  /** Any failure, after `problem` and `fields` are set (and after `conflict`). */
  failed?: (problem: ApiProblem) => unknown;
}

export interface UseSubmitOptions {
  /** The "fix the fields marked in red" toast on a 422; off where no fields are marked. */
  fieldsToast?: boolean;
}

export function useSubmit({ fieldsToast = true }: UseSubmitOptions = {}) {
  const { t } = useI18n();
  const saving = ref(false);
  const problem = ref<ApiProblem | null>(null);
  const fields = ref<Record<string, string>>({});

  /** Forget the messages of the last attempt. */
  function reset() {
    problem.value = null;
    fields.value = {};
  }

  async function confirmed(ask: NonNullable<SubmitOptions<unknown>["confirm"]>): Promise<boolean> {
    try {
      await ElMessageBox.confirm(ask.message, ask.title, { confirmButtonText: t("common.yes"), cancelButtonText: t("common.no"), ...ask.options });
      return true;
    } catch {
      return false; // cancelled
    }
  }

  /** Send; the service's answer when it took it, otherwise null (the reasons are in `problem`/`fields`). */
  async function submit<T>(request: () => Promise<Answer<T>>, options: SubmitOptions<T> = {}): Promise<T | null> {
    if (options.confirm && !(await confirmed(options.confirm))) return null;
    saving.value = true;
    reset();
    const answer = await outcome(request);
    saving.value = false;
    if (!answer.ok) {
      problem.value = answer.problem;
      fields.value = answer.problem.fields;
      if (fieldsToast && answer.problem.status === 422) ElMessage.error(t("form.fixFields"));
      if (answer.problem.status === 409) await options.conflict?.();
      await options.failed?.(answer.problem);
      return null;
    }
    const saved = answer.data;
    options.draft?.clear();
    if (options.success) ElMessage.success(typeof options.success === "string" ? options.success : options.success(saved));
    await options.then?.(saved);
    return saved;
  }

  /**
   * Forget the service's message for a field once the user changes that field; the
   * form-wide message goes with the last of them. `source` names each field by the
   * API's path for it ("scores.precision", "reasons").
   */
  function clearWhenEdited(source: () => Record<string, unknown>) {
    watch(
      () => Object.fromEntries(Object.entries(source()).map(([k, v]) => [k, JSON.stringify(v)])),
      (now, before) => {
        const changed = Object.keys(now).filter((k) => now[k] !== before?.[k]);
        if (!changed.length || !Object.keys(fields.value).length) return;
        fields.value = Object.fromEntries(
          Object.entries(fields.value).filter(([f]) => !changed.some((k) => f === k || f.startsWith(`${k}.`))),
        );
        if (!Object.keys(fields.value).length && problem.value?.status === 422) problem.value = null;
      },
    );
  }

  return { saving, problem, fields, submit, reset, clearWhenEdited };
}
