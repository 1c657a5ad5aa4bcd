// Sending a form that is not a project step (supervision, contacts, rules): the API's
// message for the whole form, its messages next to the fields until the user changes
// that field, and progress while it is under way. What was typed stays in the form on
// any failure; the caller reloads on a 409.
import { ref, watch } from "vue";
import { useI18n } from "vue-i18n";
import { ElMessage } from "element-plus";
import { call } from "../api/client";
import type { ApiProblem } from "../api/errors";

export function useApiForm() {
  const { t } = useI18n();
  const saving = ref(false);
  const problem = ref<ApiProblem | null>(null);
  const fields = ref<Record<string, string>>({});

  async function submit<T>(request: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T | null> {
    saving.value = true;
    problem.value = null;
    fields.value = {};
    const result = await call(request);
    saving.value = false;
    if (!result.ok) {
      problem.value = result.problem;
      fields.value = result.problem.fields;
      if (result.problem.status === 422) ElMessage.error(t("form.fixFields"));
      return null;
    }
    return result.data;
  }

  /** Forget a field's message once the user changes it (`source` names fields by API path). */
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

  return { saving, problem, fields, submit, clearWhenEdited };
}
