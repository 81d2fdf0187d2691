import { describe, expect, it } from "vitest";
import { ApiError, errorMessage } from "./api";
import { errorText, fieldLabel, statusReasonText } from "./errors";

// an ApiError as api() builds it from the server's JSON body
function apiErr(status: number, body: Record<string, unknown>): ApiError {
  return new ApiError(status, String(body.code), String(body.message ?? ""), body.field as string | undefined, undefined, body);
}

describe("errorText", () => {
  it("translates a code with its field and params, in both languages", () => {
    const e = apiErr(400, { code: "out_of_range", kind: "invalid", field: "ring_timeout_s", params: { min: 1, max: 300, unit: "s", value: 301 }, message: "ring_timeout_s: must be between 1s and 5m0s, got 5m1s" });
    expect(errorText(e, "en")).toBe("Ring timeout must be between 1 and 300 s.");
    expect(errorText(e, "zh-CN")).toBe("振铃超时必须在 1 到 300 秒之间。");
  });
  it("fills a code's own params (the swap limit's period, the payback's month)", () => {
    const e = apiErr(400, { code: "swap_limit", kind: "invalid", field: "day", params: { max: 1, period: "2027-01" } });
    expect(errorText(e, "en")).not.toContain("{");
    expect(errorText(e, "en")).toContain("at most 1 such swap(s) in 2027-01");
    expect(errorText(e, "zh-CN")).toContain("2027-01 内最多调换 1 次");
    const p = apiErr(400, { code: "swap_payback_month", kind: "invalid", field: "payback_day", params: { value: "2027-02-01", month: "2027-01" } });
    expect(errorText(p, "zh-CN")).toContain("（2027-01）");
  });
  it("picks the variant the params call for", () => {
    const min = apiErr(400, { code: "out_of_range", kind: "invalid", field: "waiting_red", params: { min: 0, value: -1 }, message: "waiting_red: must not be negative, got -1" });
    expect(errorText(min, "en")).toBe("Waiting callers (red) must be at least 0.");
    const fmt = apiErr(400, { code: "invalid_format", kind: "invalid", field: "queues[2].name", params: { format: "identifier", max: 64, value: "x y" }, message: "…" });
    expect(errorText(fmt, "zh-CN")).toBe("名称：请使用 1 到 64 个字母、数字、'_'、'.' 或 '-'，并以字母或数字开头。");
    const when = apiErr(400, { code: "required", kind: "invalid", field: "agent_id", params: { other: "role", value: "agent" }, message: "agent_id: required for the agent role" });
    expect(errorText(when, "en")).toBe("Agent is required when Role is agent.");
  });
  it("never shows a regular expression or the server's English in Chinese", () => {
    const e = apiErr(400, { code: "invalid_number", kind: "invalid", field: "number", params: { value: "abc" }, message: 'number: "abc" is not a phone number this centre can dial' });
    expect(errorText(e, "zh-CN")).toBe("电话号码不是可拨打的电话号码。");
    const choice = apiErr(400, { code: "invalid_choice", kind: "invalid", field: "strategy", params: { allowed: ["longest_idle", "fewest_calls"], value: "x" }, message: "…" });
    expect(errorText(choice, "en")).toBe("Strategy must be one of: longest_idle, fewest_calls.");
  });
  it("names what is missing or in the way, and the state", () => {
    const nf = apiErr(404, { code: "not_found", kind: "not_found", params: { what: "agent", value: "9999" }, message: 'agent "9999" not found' });
    expect(errorText(nf, "zh-CN")).toBe("未找到坐席 9999。");
    expect(errorText(nf, "en")).toBe("Agent 9999 was not found.");
    const st = apiErr(409, { code: "state_conflict", kind: "conflict", params: { state: "on_call" }, message: 'agent "1001" is on_call: delete them after the call' });
    expect(errorText(st, "zh-CN")).toBe("处于通话中状态时无法执行此操作。");
    expect(errorText(st, "en")).toBe("Not possible while it is On call.");
    const ex = apiErr(409, { code: "already_exists", kind: "conflict", field: "name", params: { what: "queue", value: "sales" }, message: 'queue "sales" already exists' });
    expect(errorText(ex, "en")).toBe("Queue sales already exists.");
  });
  it("falls back to the kind's sentence for an unknown code (Chinese), the server's text in English", () => {
    const e = apiErr(409, { code: "brand_new_conflict", kind: "conflict", message: "a brand new conflict" });
    expect(errorText(e, "zh-CN")).toBe("当前无法执行此操作。");
    expect(errorText(e, "en")).toBe("a brand new conflict");
    const inv = apiErr(400, { code: "something_new", kind: "invalid", field: "number", message: "number: something new" });
    expect(errorText(inv, "zh-CN")).toBe("电话号码无效。");
    const old = new ApiError(500, "http_500", "Internal Server Error");
    expect(errorText(old, "zh-CN")).toBe("服务器出错。请重试；如仍出现，请联系管理员。");
  });
  it("keeps the network and database-down sentences", () => {
    expect(errorText(new ApiError(0, "network", "TypeError"), "zh-CN")).toBe("无法连接服务器。");
    expect(errorText(new ApiError(503, "unavailable", "the database (PostgreSQL) is unavailable"), "en")).toContain("database is unavailable");
  });
  it("fills a rate limit's wait", () => {
    const e = apiErr(429, { code: "rate_limited", kind: "rate_limited", params: { retry_after: 30 }, message: "too many failed logins: try again in 30 s" });
    expect(errorText(e, "zh-CN")).toBe("尝试次数过多，请 30 秒后再试。");
  });
});

describe("the API's messages", () => {
  it("are the catalogue's sentence in Chinese, the server's in English", () => {
    const body = { code: "too_long", kind: "invalid", field: "name", params: { max: 64 } };
    expect(errorMessage("too_long", "name: must be at most 64", "zh-CN", body)).toBe("名称过长（最多 64）。");
    expect(errorMessage("too_long", "name: must be at most 64", "en", body)).toBe("name: must be at most 64");
    expect(errorMessage("made_up", "made up", "zh-CN", { code: "made_up", kind: "conflict" })).toBe("当前无法执行此操作。");
  });
});

describe("fieldLabel", () => {
  it("labels a path by its whole, last or first part", () => {
    expect(fieldLabel("skills.sales", "zh-CN")).toBe("技能");
    expect(fieldLabel("sections[1].items[0].weight", "en")).toBe("Weight");
    expect(fieldLabel("nonsense", "zh-CN")).toBe("该值");
    expect(fieldLabel(undefined, "en")).toBe("This value");
  });
});

describe("statusReasonText", () => {
  it("says a queue's crossed thresholds in the user's language", () => {
    const rs = [{ code: "waiting", value: 7, limit: 5 }, { code: "service_level", value: 55.5, limit: 70 }];
    expect(statusReasonText(rs, "zh-CN")).toBe("排队 7 人 ≥ 5；服务水平 55.5 % < 70 %");
    expect(statusReasonText(rs, "en")).toBe("7 waiting ≥ 5; service level 55.5 % < 70 %");
    expect(statusReasonText([{ code: "new_kind", value: 1, limit: 1 }], "zh-CN")).toBe("");
    expect(statusReasonText(undefined, "en")).toBe("");
  });
});
