// One step on a project from its own page (review, announce, report…): load the
// project, send the step with the version it was based on (If-Match), show the API's
// messages next to the fields, and go back to the project page once it is done.
import { ref, watch } from "vue";
import { useRouter } from "vue-router";
import { useI18n } from "vue-i18n";
import { ElMessage } from "element-plus";
import { projectsApi, call, type Project } from "../api/client";
import type { ApiProblem } from "../api/errors";

type Answer = Promise<{ data?: Project; error?: unknown; response: Response }>;

export function useProjectAction(id: () => string) {
  const { t } = useI18n();
  const router = useRouter();
  const project = ref<Project | null>(null);
  const loading = ref(true);
  const saving = ref(false);
  const problem = ref<ApiProblem | null>(null);
  const fields = ref<Record<string, string>>({});

  async function load() {
    loading.value = true;
    const result = await call(() => projectsApi.GET("/v1/projects/{project_id}", { params: { path: { project_id: id() } } }));
    loading.value = false;
    if (result.ok) project.value = result.data;
    else problem.value = result.problem.status === 404 ? { ...result.problem, message: t("project.notFound") } : result.problem;
  }

  /** Send the step; true when the server took it (then the project page opens). */
  async function act(send: (ifMatch: { "if-match": string }) => Answer, done: string): Promise<boolean> {
    if (!project.value) return false;
    saving.value = true;
    problem.value = null;
    fields.value = {};
    const result = await call(() => send({ "if-match": `"${project.value!.version}"` }));
    saving.value = false;
    if (!result.ok) {
      problem.value = result.problem;
      fields.value = result.problem.fields;
      if (result.problem.status === 422) ElMessage.error(t("form.fixFields"));
      // Someone else moved the project on: show its current state, keep what was typed.
      if (result.problem.status === 409) await load();
      return false;
    }
    project.value = result.data;
    ElMessage.success(done);
    await router.push(`/projects/${result.data.id}`);
    return true;
  }

  /**
   * Forget the server's message for a field once the user changes that field; the
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

  return { project, loading, saving, problem, fields, load, act, clearWhenEdited };
}
