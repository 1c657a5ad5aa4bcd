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
    { path: "/inbox", name: "inbox", component: () => import("./views/Inbox.vue") },
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
