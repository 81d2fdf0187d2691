import { describe, expect, it } from "vitest";
import { blankSurvey, surveyBody } from "./survey_settings";

describe("survey settings", () => {
  it("fills a new survey with the API's defaults and both languages", () => {
    const s = blankSurvey();
    expect(s.timeout_s).toBe(8);
    expect([s.satisfied, s.neutral, s.dissatisfied]).toEqual(["1", "2", "3"]);
    expect(Object.keys(s.prompts).sort()).toEqual(["en", "zh"]);
  });
  it("sends seconds, never the old nanoseconds, and leaves out empty languages and Q2", () => {
    const s = blankSurvey({ enabled: true, timeout_s: 12, timeout: 12e9, prompts: { zh: { q1: " sound:a ", q2: "sound:b", thanks: "sound:c" } } } as any);
    const b = surveyBody(s);
    expect(b.timeout_s).toBe(12);
    expect(b).not.toHaveProperty("timeout");
    expect(b.prompts).toEqual({ zh: { q1: "sound:a", thanks: "sound:c" } });
    expect(b).not.toHaveProperty("q2_digits");
    s.second_question = true;
    expect((surveyBody(s).prompts as any).zh.q2).toBe("sound:b");
    expect(surveyBody(s).q2_digits).toBe("12");
  });
});
