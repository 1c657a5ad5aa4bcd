import { createRouter, createWebHistory } from "vue-router";
import { session } from "./session";
import { inspectionIdOf } from "./api/supervision";

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: "/sign-in", name: "sign-in", component: () => import("./views/SignIn.vue"), meta: { public: true } },
    // The identity provider's redirect back (OIDC code flow); the code never stays in the address bar.
    { path: "/sign-in/callback", name: "sign-in-callback", component: () => import("./views/SignInCallback.vue"), meta: { public: true } },
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
    // Supervision (督导): inspections and their rectification, groups, draws, the problem
    // list and visit logs. A rectification's link opens its inspection's page at it.
    { path: "/inspections", name: "sup-inspections", component: () => import("./views/supervision/InspectionList.vue") },
    { path: "/inspections/new", name: "sup-plan", component: () => import("./views/supervision/InspectionPlanForm.vue") },
    { path: "/inspections/:id", name: "inspection", component: () => import("./views/supervision/InspectionPage.vue"), props: true },
    { path: "/inspections/:id/result", name: "sup-record", component: () => import("./views/supervision/InspectionResultForm.vue"), props: true },
    {
      path: "/rectifications/:id",
      name: "rectification",
      component: () => import("./views/supervision/InspectionPage.vue"),
      props: (route) => ({ id: inspectionIdOf(String(route.params.id)), focus: "rectification" }),
    },
    { path: "/supervision/groups", name: "sup-groups", component: () => import("./views/supervision/GroupList.vue") },
    { path: "/supervision/groups/new", name: "sup-group-new", component: () => import("./views/supervision/GroupForm.vue") },
    { path: "/supervision/groups/:id", name: "sup-group", component: () => import("./views/supervision/GroupPage.vue"), props: true },
    { path: "/supervision/groups/:id/edit", name: "sup-group-edit", component: () => import("./views/supervision/GroupForm.vue"), props: true },
    { path: "/supervision/draws", name: "sup-draws", component: () => import("./views/supervision/DrawPage.vue") },
    { path: "/problems", name: "sup-problems", component: () => import("./views/supervision/ProblemList.vue") },
    { path: "/problems/new", name: "sup-problem-new", component: () => import("./views/supervision/ProblemForm.vue") },
    { path: "/problems/:id", name: "sup-problem", component: () => import("./views/supervision/ProblemPage.vue"), props: true },
    { path: "/visits", name: "sup-visits", component: () => import("./views/supervision/VisitList.vue") },
    { path: "/visits/new", name: "sup-visit-new", component: () => import("./views/supervision/VisitForm.vue") },
    // Stationed contact (驻点联系): the township's roster of a year, everyone's month, and
    // one person's month (residence, leave, visit plan), recorded on a phone.
    { path: "/stationing", name: "sup-stationing", component: () => import("./views/stationing/RosterPage.vue") },
    { path: "/stationing/new", name: "sup-roster-new", component: () => import("./views/stationing/RosterForm.vue") },
    { path: "/stationing/:rosterId/months/:month", name: "sup-stationed-months", component: () => import("./views/stationing/MonthPage.vue"), props: true },
    {
      path: "/stationing/:rosterId/people/:personId/months/:month",
      name: "sup-stationed-person",
      component: () => import("./views/stationing/PersonMonth.vue"),
      props: true,
    },
    // The roster reminders' links (services/notifications …/subjects/rosters.py):
    // /rosters/<township>-<year> and /rosters/<township>-<year>/months/<YYYY-MM>.
    {
      path: "/rosters/:rosterId",
      redirect: (to) => {
        const id = String(to.params.rosterId);
        const cut = id.lastIndexOf("-");
        return { path: "/stationing", query: { township: id.slice(0, cut), year: id.slice(cut + 1) } };
      },
    },
    { path: "/rosters/:rosterId/months/:month", redirect: (to) => `/stationing/${String(to.params.rosterId)}/months/${String(to.params.month)}` },
    // The reminder contacts and rules (organisation department, township secretaries and staff).
    { path: "/contacts", name: "dir-contacts", component: () => import("./views/directory/ContactList.vue") },
    { path: "/contacts/new", name: "dir-contact-new", component: () => import("./views/directory/ContactForm.vue") },
    { path: "/contacts/:id", name: "dir-contact", component: () => import("./views/directory/ContactForm.vue"), props: true },
    { path: "/reminder-rules", name: "dir-rules", component: () => import("./views/directory/RulesPage.vue") },
    // The division tree (区划管理): the organisation department shapes it, townships record secretaries.
    { path: "/units", name: "dir-units", component: () => import("./views/directory/UnitTree.vue") },
    // Dispatch (调度): meetings and the tasks they assign; notices link to /tasks/<id>.
    { path: "/dispatch", name: "dis-meetings", component: () => import("./views/dispatch/MeetingList.vue") },
    { path: "/dispatch/meetings/new", name: "dis-meeting-new", component: () => import("./views/dispatch/MeetingForm.vue") },
    { path: "/dispatch/meetings/:id", name: "dis-meeting", component: () => import("./views/dispatch/MeetingPage.vue"), props: true },
    { path: "/tasks", name: "dis-tasks", component: () => import("./views/dispatch/TaskList.vue") },
    { path: "/tasks/:id", name: "dis-task", component: () => import("./views/dispatch/TaskPage.vue"), props: true },
    // A member department's digest links to /dispatch/tasks?department=<slug>: the task list.
    { path: "/dispatch/tasks", redirect: (to) => ({ path: "/tasks", query: to.query }) },
    // Assessment (考核): scores and lists of a year, the scheme, the model-case library.
    { path: "/assessment", name: "ass-scores", component: () => import("./views/assessment/ScoresPage.vue") },
    // Assessment notices link to /assessments/<year>?unit=<code>: that year's scores.
    { path: "/assessments/:year", redirect: (to) => ({ path: "/assessment", query: { ...to.query, year: String(to.params.year) } }) },
    { path: "/assessment/scheme", name: "ass-scheme", component: () => import("./views/assessment/SchemeForm.vue") },
    { path: "/model-cases", name: "ass-cases", component: () => import("./views/assessment/ModelCases.vue") },
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
