import { createRouter, createWebHistory } from "vue-router";
import { session } from "./session";

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: "/sign-in", name: "sign-in", component: () => import("./views/SignIn.vue"), meta: { public: true } },
    { path: "/", name: "home", component: () => import("./views/Home.vue") },
    { path: "/projects", name: "projects", component: () => import("./views/ProjectList.vue") },
    { path: "/projects/new", name: "declare", component: () => import("./views/ProjectForm.vue") },
    { path: "/projects/:id", name: "project", component: () => import("./views/ProjectPage.vue"), props: true },
    { path: "/projects/:id/edit", name: "revise", component: () => import("./views/ProjectForm.vue"), props: true },
    // The steps of a project's year; notices link to several of these (see below).
    { path: "/projects/:id/review", name: "project-review", component: () => import("./views/ReviewForm.vue"), props: true },
    { path: "/projects/:id/announce", name: "project-announce", component: () => import("./views/AnnounceForm.vue"), props: true },
    { path: "/projects/:id/stages/:month?", name: "project-stage", component: () => import("./views/StageReportForm.vue"), props: true },
    { path: "/projects/:id/weekly-reports", name: "project-weekly", component: () => import("./views/WeeklyReportForm.vue"), props: true },
    { path: "/projects/:id/completion-request", name: "project-completion-request", component: () => import("./views/CompletionRequestForm.vue"), props: true },
    { path: "/projects/:id/completion-decision", name: "project-completion-decision", component: () => import("./views/CompletionDecisionForm.vue"), props: true },
    { path: "/projects/:id/evaluation", name: "project-evaluation", component: () => import("./views/EvaluationForm.vue"), props: true },
    { path: "/inbox", name: "inbox", component: () => import("./views/Inbox.vue") },
    // Paths the notifications service links to (services/notifications …/scheduling):
    // /projects/<id>[/review|/stages/<month>|/weekly-reports], /inbox/<id>,
    // /units/<code>/cards/<month>, /inspections/<id>, /rectifications/<id>.
    { path: "/inbox/:id", name: "inbox-notice", component: () => import("./views/Inbox.vue"), props: true },
    { path: "/units/:code/cards/:month", name: "monthly-card", component: () => import("./views/MonthlyCard.vue"), props: true },
    {
      path: "/inspections/:id",
      name: "inspection",
      component: () => import("./views/SupervisionLink.vue"),
      props: (route) => ({ kind: "inspection", id: route.params.id }),
    },
    {
      path: "/rectifications/:id",
      name: "rectification",
      component: () => import("./views/SupervisionLink.vue"),
      props: (route) => ({ kind: "rectification", id: route.params.id }),
    },
    { path: "/:rest(.*)*", redirect: "/" },
  ],
});

// Every page but sign-in needs a sign-in; afterwards the user comes back where they were
// (a notice's link, or the form they were filling in when the sign-in expired).
router.beforeEach((to) => {
  if (!to.meta.public && !session.signedIn.value) {
    return { name: "sign-in", query: to.fullPath !== "/" ? { next: to.fullPath } : {} };
  }
  return true;
});
