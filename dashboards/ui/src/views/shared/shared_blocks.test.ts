// @vitest-environment happy-dom
// The report pages' shared blocks: the export buttons and the period presets, mounted with the
// real Element Plus components and catalogues.
import { describe, expect, it } from "vitest";
import { mount } from "@vue/test-utils";
import ElementPlus from "element-plus";
import { i18n, setLocale } from "../../locale";
import { dictionaries } from "../../i18n";
import ExportButtons from "./ExportButtons.vue";
import PresetSelect from "./PresetSelect.vue";

const plugins = [ElementPlus, i18n];

describe("ExportButtons", () => {
  it("one download link per format, the page's link and test ids", () => {
    setLocale("en");
    const w = mount(ExportButtons, { props: { prefix: "out", href: (f: string) => `/api/v1/reports/outbound?from=2026-12-01&format=${f}` }, global: { plugins } });
    const csv = w.get('[data-testid="out-csv"]');
    const xlsx = w.get('[data-testid="out-xlsx"]');
    expect(csv.element.tagName).toBe("A");
    expect(csv.attributes("href")).toBe("/api/v1/reports/outbound?from=2026-12-01&format=csv");
    expect(csv.attributes("download")).toBeDefined();
    expect(xlsx.attributes("href")).toContain("format=xlsx");
    expect(csv.text()).toBe(dictionaries.en["prod.csv"]);
  });
  it("in Chinese, and only the formats asked for", () => {
    setLocale("zh-CN");
    const w = mount(ExportButtons, { props: { prefix: "srv", href: () => "/x", formats: ["xlsx"] }, global: { plugins } });
    expect(w.find('[data-testid="srv-csv"]').exists()).toBe(false);
    expect(w.get('[data-testid="srv-xlsx"]').text()).toBe(dictionaries["zh-CN"]["prod.xlsx"]);
    setLocale("en");
  });
});

describe("PresetSelect", () => {
  it("the page's test id and class, its value shown in the page's catalogue, custom offered", async () => {
    setLocale("en");
    const w = mount(PresetSelect, { props: { prefix: "prod", keys: "prod", presets: ["today", "last7"], modelValue: "last7" }, global: { plugins }, attachTo: document.body });
    const sel = w.get('[data-testid="prod-preset"]');
    expect(sel.classes()).toContain("prod-preset");
    const opts = w.findAllComponents({ name: "ElOption" }).map((o) => [o.props("value"), o.props("label")]);
    expect(opts).toEqual([["today", dictionaries.en["prod.preset.today"]], ["last7", dictionaries.en["prod.preset.last7"]], ["custom", dictionaries.en["prod.preset.custom"]]]);
    expect(w.getComponent({ name: "ElSelect" }).props("modelValue")).toBe("last7");
    w.unmount();
  });
  it("a choice updates the model and tells the page", async () => {
    const w = mount(PresetSelect, { props: { prefix: "rep", keys: "rep", presets: ["last28", "this_week"], modelValue: "last28" }, global: { plugins } });
    w.getComponent({ name: "ElSelect" }).vm.$emit("update:modelValue", "this_week");
    w.getComponent({ name: "ElSelect" }).vm.$emit("change", "this_week");
    expect(w.emitted("update:modelValue")?.[0]).toEqual(["this_week"]);
    expect(w.emitted("change")?.[0]).toEqual(["this_week"]);
  });
});
