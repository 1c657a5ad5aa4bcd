// Typed clients of the four services, through the gateway (/api/<service>/…), on the
// paths generated from their OpenAPI documents (src/api/generated, by `npm run build`).
import createClient, { type Middleware } from "openapi-fetch";
import type { paths as ProjectsPaths } from "./generated/projects";
import type { paths as NotificationsPaths } from "./generated/notifications";
import type { components as ProjectsComponents } from "./generated/projects";
import type { components as NotificationsComponents } from "./generated/notifications";
import { session } from "../session";
import { currentLanguage } from "../i18n";
import { settle, withIdempotencyKey } from "./idempotency";

export type Project = ProjectsComponents["schemas"]["ProjectOut"];
export type DeclarationForm = ProjectsComponents["schemas"]["DeclarationFormIn"];
export type DeclarationIn = ProjectsComponents["schemas"]["DeclarationIn"];
export type StageTask = ProjectsComponents["schemas"]["StageTask"];
export type History = ProjectsComponents["schemas"]["HistoryOut"];
export type DemoUser = ProjectsComponents["schemas"]["DemoUserOut"];
export type Notice = NotificationsComponents["schemas"]["NotificationView"];
export type Unit = ProjectsComponents["schemas"]["UnitOut"];
export type ReviewIn = ProjectsComponents["schemas"]["ReviewIn"];
export type ReviewCriterion = ProjectsComponents["schemas"]["ReviewCriterion"];
export type CriterionJudgement = ProjectsComponents["schemas"]["CriterionJudgement"];
export type StageReportIn = ProjectsComponents["schemas"]["StageReportIn"];
export type WeeklyReportIn = ProjectsComponents["schemas"]["WeeklyReportIn"];
export type CompletionDecisionIn = ProjectsComponents["schemas"]["CompletionDecisionIn"];
export type EvaluationIn = ProjectsComponents["schemas"]["EvaluationIn"];

export const authenticate: Middleware = {
  onRequest({ request }) {
    const token = session.token();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    request.headers.set("Accept-Language", currentLanguage() === "en" ? "en" : "zh-CN");
    // Every client uses this middleware: each POST carries its submission's key, so a
    // retry after a lost answer is answered from what the first attempt stored.
    return withIdempotencyKey(request);
  },
  onResponse({ request, response }) {
    settle(request, response);
    // An expired or revoked sign-in: forget it; the page keeps what the user typed
    // and the router sends them to sign in again (see App.vue).
    if (response.status === 401 && request.headers.has("Authorization")) session.signOut(true);
    return response;
  },
};

export const projectsApi = createClient<ProjectsPaths>({ baseUrl: "/api/projects" });
export const notificationsApi = createClient<NotificationsPaths>({ baseUrl: "/api/notifications" });
projectsApi.use(authenticate);
notificationsApi.use(authenticate);
export { call } from "./errors";
