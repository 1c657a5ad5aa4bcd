// One step on a project from its own page (review, announce, report…): load the
// project, send the step with the version it was based on (If-Match), show the API's
// messages next to the fields, and go back to the project page once it is done.
import { ref } from "vue";
import { useRouter } from "vue-router";
import { useI18n } from "vue-i18n";
import { projectsApi, call, type Project } from "../api/client";
import { useSubmit } from "./useSubmit";

type Answer = Promise<{ data?: Project; error?: unknown; response: Response }>;

export function useProjectAction(id: () => string) {
  const { t } = useI18n();
  const router = useRouter();
  const project = ref<Project | null>(null);
  const loading = ref(true);
  const { saving, problem, fields, submit, clearWhenEdited } = useSubmit();

  async function load() {
    loading.value = true;
    const result = await call(() => projectsApi.GET("/v1/projects/{project_id}", { params: { path: { project_id: id() } } }));
    loading.value = false;
    if (result.ok) project.value = result.data;
    else problem.value = result.problem.status === 404 ? { ...result.problem, message: t("project.notFound") } : result.problem;
  }

  /** Send the step; true when the server took it (then the draft is gone and the project page opens). */
  async function act(send: (ifMatch: { "if-match": string }) => Answer, done: string, draft?: { clear(): void }): Promise<boolean> {
    if (!project.value) return false;
    const version = project.value.version;
    const saved = await submit(() => send({ "if-match": `"${version}"` }), {
      draft,
      success: done,
      then: async (moved) => {
        project.value = moved;
        await router.push(`/projects/${moved.id}`);
      },
      // Someone else moved the project on: show its current state, keep what was typed.
      conflict: load,
    });
    return saved !== null;
  }

  return { project, loading, saving, problem, fields, load, act, clearWhenEdited };
}
