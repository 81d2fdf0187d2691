// The single-page app (Vue 3 + Element Plus): the shell (App.vue), the routes (router.ts), the
// catalogues through vue-i18n (locale.ts). Routes are real paths; the Go server answers every
// non-asset path with index.html.

import "@fontsource/inter/latin-400.css";
import "@fontsource/inter/latin-600.css";
import "@fontsource/inter/latin-700.css";
import "element-plus/dist/index.css";
import "element-plus/theme-chalk/dark/css-vars.css";
import "uplot/dist/uPlot.min.css";
import "./style.css";
import "./shell.css";

import { createApp } from "vue";
import App from "./App.vue";
import { i18n } from "./locale";
import { router } from "./router";
import { setOnUnauthorized } from "./api";
import { setLiveHooks } from "./live";
import { session } from "./session";

document.documentElement.classList.add("dark"); // Element Plus's dark theme, like the rest of the UI

setOnUnauthorized(() => {
  session.me = null;
  if (router.currentRoute.value.path !== "/login") void router.push("/login");
});

// A live connection ended by the server: revoked → sign in again (saying why); role changed →
// re-read who I am and go to my (new) home page, whose live view is scoped by the new role.
setLiveHooks({
  revoked: (notice) => {
    session.me = null;
    session.liveUp = null;
    session.loginNotice = notice;
    void router.push("/login");
  },
  rescope: () => {
    session.me = null;
    void router.replace("/");
  },
  notice: (key) => {
    session.liveNote = key;
  },
});

router.afterEach(() => {
  session.liveUp = null; // the next page says whether it has a live connection
  session.liveNote = null;
});

createApp(App).use(i18n).use(router).mount("#app");
