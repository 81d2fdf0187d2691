// vue-i18n over the catalogues in i18n*.ts (one object per language, flat dotted keys, `{name}`
// placeholders). The catalogues stay plain TypeScript objects so that the pure modules and the
// vitest tests use them without Vue (translate, t); components use `useI18n().t` (or `$t`).
// A custom resolver looks keys up flat (no nesting by dots) and a custom compiler only fills
// `{name}` placeholders: no `@`/`|` syntax to escape, and no run-time code generation (the CSP
// forbids eval). The language is stored in localStorage and mirrored to the legacy `setLang`.

import { createI18n } from "vue-i18n";
import type { MessageContext } from "vue-i18n";
import { dictionaries, LANGS, STORAGE_KEY, pickLang, setLang, type Lang } from "./i18n";

function storedLang(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

const initial: Lang = pickLang(typeof navigator !== "undefined" ? navigator.languages : undefined, typeof localStorage !== "undefined" ? storedLang() : null);
setLang(initial);

export const i18n = createI18n({
  legacy: false,
  locale: initial,
  fallbackLocale: "en",
  messages: dictionaries as unknown as Record<string, Record<string, string>>,
  missingWarn: false,
  fallbackWarn: false,
  messageResolver: (obj: unknown, path: string) => ((obj as Record<string, unknown>)[path] as string | undefined) ?? null,
  messageCompiler: (message: unknown) => {
    const text = typeof message === "string" ? message : "";
    return (ctx: MessageContext) =>
      text.replace(/\{(\w+)\}/g, (m, name: string) => {
        const v = ctx.named(name);
        return v === undefined || v === null ? m : String(v);
      });
  },
});

export function currentLang(): Lang {
  return i18n.global.locale.value as Lang;
}

// setLocale switches the whole UI's language and remembers the choice.
export function setLocale(l: Lang): void {
  if (!LANGS.includes(l)) return;
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    /* private mode: the choice lasts this page */
  }
  setLang(l);
  i18n.global.locale.value = l;
}
