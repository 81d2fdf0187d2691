// Every visible string, in English and Simplified Chinese. The language comes from the user's
// choice (localStorage) if any, else from navigator.languages, else English.

export type Lang = "en" | "zh-CN";
export const LANGS: Lang[] = ["en", "zh-CN"];
export const STORAGE_KEY = "callfloor.lang";

import { qaEn, qaZh } from "./i18n_qa";
import { callsEn, callsZh } from "./i18n_calls";
import { calibEn, calibZh } from "./i18n_calib";
import { reportsEn, reportsZh } from "./i18n_reports";
import { scorecardsEn, scorecardsZh } from "./i18n_scorecards";
import { sheetsEn, sheetsZh } from "./i18n_sheets";
import { adminEn, adminZh } from "./i18n_admin";
import { floorEn, floorZh } from "./i18n_floor";
import { desktopEn, desktopZh } from "./i18n_desktop";
import { wallEn, wallZh } from "./i18n_wall";
import { errorsEn, errorsZh } from "./i18n_errors";
import { projectsEn, projectsZh } from "./i18n_projects";
import { productionEn, productionZh } from "./i18n_production";
import { forecastEn, forecastZh } from "./i18n_forecast";
import { bulletinsEn, bulletinsZh } from "./i18n_bulletins";
import { attendanceEn, attendanceZh } from "./i18n_attendance";
import { rosterEn, rosterZh } from "./i18n_roster";
import { scoresEn, scoresZh } from "./i18n_scores";
import { leaveEn, leaveZh } from "./i18n_leave";
import { deskLeadsEn, deskLeadsZh } from "./i18n_desk_leads";
import { campaignsEn, campaignsZh } from "./i18n_campaigns";
import { ticketsEn, ticketsZh } from "./i18n_tickets";
import { customersEn, customersZh } from "./i18n_customers";
import { kbEn, kbZh } from "./i18n_kb";
import { callbacksEn, callbacksZh } from "./i18n_callbacks";
import { surveysEn, surveysZh } from "./i18n_surveys";
import { surveySettingsEn, surveySettingsZh } from "./i18n_survey_settings";
import { navEn, navZh } from "./i18n_nav";

const en = {
  ...qaEn,
  ...callsEn,
  ...calibEn,
  ...reportsEn,
  ...scorecardsEn,
  ...sheetsEn,
  ...adminEn,
  ...floorEn,
  ...desktopEn,
  ...wallEn,
  ...productionEn,
  ...forecastEn,
  ...errorsEn,
  ...projectsEn,
  ...bulletinsEn,
  ...attendanceEn,
  ...rosterEn,
  ...scoresEn,
  ...leaveEn,
  ...deskLeadsEn,
  ...campaignsEn,
  ...ticketsEn,
  ...customersEn,
  ...kbEn,
  ...callbacksEn,
  ...surveysEn,
  ...surveySettingsEn,
  ...navEn,
  "app.name": "callfloor",
  "nav.wallboard": "Wallboard",
  "nav.desktop": "My desktop",
  "nav.logout": "Log out",
  "nav.admin": "Administration",
  "nav.group.floor": "Floor",
  "nav.group.qa": "Quality",
  "nav.group.manage": "Manage",
  "admin.title": "Administration",
  "admin.tab.users": "Users",
  "admin.tab.agents": "Agents",
  "admin.tab.teams": "Teams",
  "admin.tab.queues": "Queues",
  "admin.tab.pause_reasons": "Pause reasons",
  "admin.tab.dispositions": "Dispositions",
  "admin.tab.audit": "Audit log",
  "common.loading": "Loading…",
  "lang.label": "Language",
  "live.up": "Live",
  "live.down": "Live updates reconnecting…",
  "live.limit": "Too many live connections open: close other callfloor tabs. Retrying in 30 s…",
  "login.ended": "Your session has ended. Please sign in again.",
  "login.ended_logout": "You were signed out.",
  "login.ended_expired": "Your session has expired. Please sign in again.",
  "login.ended_disabled": "Your account has been disabled. Ask an administrator.",
  "login.title": "Sign in to callfloor",
  "login.subtitle": "Call-centre floor, live.",
  "login.username": "Username",
  "login.password": "Password",
  "login.submit": "Sign in",
  "login.busy": "Signing in…",
  "login.failed": "Wrong username or password.",
  "login.ratelimited": "Too many attempts, try again in {n} s.",
  "error.network": "The server cannot be reached.",
  "error.generic": "Something went wrong: {msg}",
  "error.unavailable": "The database is unavailable right now, and this needs it. Try again shortly — the live floor (pause, unpause, calls, wallboards) still works.",
  "state.logged_out": "Logged out",
  "state.available": "Available",
  "state.ringing": "Ringing",
  "state.on_call": "On call",
  "state.wrap_up": "Wrap-up",
  "state.paused": "Paused",
  "reason.break": "Break",
  "reason.lunch": "Lunch",
  "reason.training": "Training",
  "reason.meeting": "Meeting",
  "reason.coaching": "Coaching",
  "reason.missed": "Missed call",
  "status.ok": "Within target",
  "status.amber": "Warning",
  "status.red": "Alert",
  "wall.title": "Wallboard",
  "wall.floor": "Floor",
  "wall.waiting": "Waiting",
  "wall.longest": "Longest wait",
  "wall.sl_today": "SL today",
  "wall.sl_window": "SL {n} min",
  "wall.answered": "Answered",
  "wall.abandoned": "Abandoned",
  "wall.lost": "+{n} lost",
  "wall.lost.title": "Calls cut off by an Asterisk crash or restart: a system fault, not counted as abandoned nor in the abandon rate",
  "wall.available": "Available",
  "wall.on_call": "On call",
  "wall.paused": "Paused",
  "wall.occupancy": "Occupancy",
  "wall.agents": "Agents",
  "wall.queues": "Queues",
  "wall.trend": "Waiting calls and service level this session",
  "wall.trend.time": "Time",
  "wall.trend.waiting": "Waiting",
  "wall.trend.sl": "SL %",
  "wall.filter.team": "Team",
  "wall.filter.queue": "Queue",
  "wall.filter.all": "All",
  "wall.tv": "TV mode",
  "wall.tv.exit": "Exit TV mode",
  "wall.alert": "{queue} is red: {reason}",
  "wall.alert.dismiss": "Dismiss",
  "wall.no_agents": "No agents match the filters.",
  "wall.no_queues": "No queues match the filters.",
  "wall.calls_today": "{n} calls today",
  "wall.idle": "No call",
  "act.title": "{name} ({id})",
  "act.pause": "Force pause",
  "act.reason": "Reason",
  "act.logout": "Log out agent",
  "act.listen": "Listen",
  "act.whisper": "Whisper",
  "act.barge": "Barge",
  "act.close": "Close",
  "act.done": "Done: {what}",
  "act.monitoring": "{mode} started on {name}",
  "desk.title": "Agent desktop",
  "desk.no_agent": "Your user is not linked to an agent. Ask an administrator to set your agent ID.",
  "desk.my_state": "My state",
  "desk.available": "Available",
  "desk.pause": "Pause",
  "desk.logout": "Log out of queues",
  "desk.reason": "Pause reason",
  "desk.call": "Current call",
  "desk.no_call": "No call right now.",
  "call.on_hold": "On hold",
  "desk.hold": "Hold",
  "desk.resume": "Resume the call",
  "desk.number": "Number",
  "desk.queue": "Queue",
  "desk.duration": "Duration",
  "desk.direction.inbound": "Inbound",
  "desk.direction.outbound": "Outbound",
  "desk.wrap": "Wrap-up ends in",
  "desk.dial": "Click-to-call",
  "desk.dial.placeholder": "Phone number",
  "desk.dial.submit": "Call",
  "desk.dial.placed": "Calling {number}: your phone rings first.",
  "desk.today": "My day",
  "desk.handled": "Handled",
  "desk.aht": "Avg handle time",
  "desk.occupancy": "Occupancy",
  "desk.missed": "Missed",
  "desk.in_state": "for {t}",
  "na": "—",
};

export type Key = keyof typeof en;

const zh: Record<Key, string> = {
  ...qaZh,
  ...callsZh,
  ...calibZh,
  ...reportsZh,
  ...scorecardsZh,
  ...sheetsZh,
  ...adminZh,
  ...floorZh,
  ...desktopZh,
  ...wallZh,
  ...productionZh,
  ...forecastZh,
  ...errorsZh,
  ...projectsZh,
  ...bulletinsZh,
  ...attendanceZh,
  ...rosterZh,
  ...scoresZh,
  ...leaveZh,
  ...deskLeadsZh,
  ...campaignsZh,
  ...ticketsZh,
  ...customersZh,
  ...kbZh,
  ...callbacksZh,
  ...surveysZh,
  ...surveySettingsZh,
  ...navZh,
  "app.name": "callfloor",
  "nav.wallboard": "监控大屏",
  "nav.desktop": "我的工作台",
  "nav.logout": "退出登录",
  "nav.admin": "系统管理",
  "nav.group.floor": "现场",
  "nav.group.qa": "质检",
  "nav.group.manage": "管理",
  "admin.title": "系统管理",
  "admin.tab.users": "用户",
  "admin.tab.agents": "坐席",
  "admin.tab.teams": "班组",
  "admin.tab.queues": "队列",
  "admin.tab.pause_reasons": "暂停原因",
  "admin.tab.dispositions": "通话结果",
  "admin.tab.audit": "审计日志",
  "common.loading": "加载中…",
  "lang.label": "语言",
  "live.up": "实时",
  "live.down": "实时更新正在重新连接…",
  "live.limit": "打开的实时连接过多：请关闭其他 callfloor 标签页。30 秒后重试…",
  "login.ended": "您的会话已结束，请重新登录。",
  "login.ended_logout": "您已退出登录。",
  "login.ended_expired": "您的会话已过期，请重新登录。",
  "login.ended_disabled": "您的账户已被停用，请联系管理员。",
  "login.title": "登录 callfloor",
  "login.subtitle": "呼叫中心现场，实时呈现。",
  "login.username": "用户名",
  "login.password": "密码",
  "login.submit": "登录",
  "login.busy": "正在登录…",
  "login.failed": "用户名或密码错误。",
  "login.ratelimited": "尝试次数过多，请 {n} 秒后再试。",
  "error.network": "无法连接服务器。",
  "error.generic": "出错了：{msg}",
  "error.unavailable": "数据库暂时不可用，此操作需要数据库。请稍后再试——实时现场功能（暂停、恢复、通话、大屏）仍可使用。",
  "state.logged_out": "已签出",
  "state.available": "空闲",
  "state.ringing": "振铃中",
  "state.on_call": "通话中",
  "state.wrap_up": "话后处理",
  "state.paused": "暂停",
  "reason.break": "休息",
  "reason.lunch": "午餐",
  "reason.training": "培训",
  "reason.meeting": "会议",
  "reason.coaching": "辅导",
  "reason.missed": "未接来电",
  "status.ok": "达标",
  "status.amber": "预警",
  "status.red": "告警",
  "wall.title": "监控大屏",
  "wall.floor": "全场",
  "wall.waiting": "排队",
  "wall.longest": "最长等待",
  "wall.sl_today": "今日服务水平",
  "wall.sl_window": "{n} 分钟服务水平",
  "wall.answered": "已接听",
  "wall.abandoned": "已放弃",
  "wall.lost": "+{n} 丢失",
  "wall.lost.title": "因 Asterisk 崩溃或重启而中断的来电：属系统故障，不计为放弃，也不计入放弃率",
  "wall.available": "空闲",
  "wall.on_call": "通话中",
  "wall.paused": "暂停",
  "wall.occupancy": "占用率",
  "wall.agents": "坐席",
  "wall.queues": "队列",
  "wall.trend": "本次会话的排队数与服务水平",
  "wall.trend.time": "时间",
  "wall.trend.waiting": "排队",
  "wall.trend.sl": "服务水平 %",
  "wall.filter.team": "班组",
  "wall.filter.queue": "队列",
  "wall.filter.all": "全部",
  "wall.tv": "电视模式",
  "wall.tv.exit": "退出电视模式",
  "wall.alert": "{queue} 告警：{reason}",
  "wall.alert.dismiss": "关闭",
  "wall.no_agents": "没有符合筛选条件的坐席。",
  "wall.no_queues": "没有符合筛选条件的队列。",
  "wall.calls_today": "今日 {n} 通",
  "wall.idle": "无通话",
  "act.title": "{name}（{id}）",
  "act.pause": "强制暂停",
  "act.reason": "原因",
  "act.logout": "签出坐席",
  "act.listen": "监听",
  "act.whisper": "耳语",
  "act.barge": "强插",
  "act.close": "关闭",
  "act.done": "已完成：{what}",
  "act.monitoring": "已对 {name} 开始{mode}",
  "desk.title": "坐席工作台",
  "desk.no_agent": "您的账号未关联坐席，请联系管理员设置坐席工号。",
  "desk.my_state": "我的状态",
  "desk.available": "空闲",
  "desk.pause": "暂停",
  "desk.logout": "签出队列",
  "desk.reason": "暂停原因",
  "desk.call": "当前通话",
  "desk.no_call": "当前没有通话。",
  "call.on_hold": "保持中",
  "desk.hold": "保持",
  "desk.resume": "恢复通话",
  "desk.number": "号码",
  "desk.queue": "队列",
  "desk.duration": "时长",
  "desk.direction.inbound": "呼入",
  "desk.direction.outbound": "呼出",
  "desk.wrap": "话后处理剩余",
  "desk.dial": "点击呼叫",
  "desk.dial.placeholder": "电话号码",
  "desk.dial.submit": "呼叫",
  "desk.dial.placed": "正在呼叫 {number}：您的话机会先振铃。",
  "desk.today": "我的今日",
  "desk.handled": "已处理",
  "desk.aht": "平均处理时长",
  "desk.occupancy": "占用率",
  "desk.missed": "未接",
  "desk.in_state": "已持续 {t}",
  "na": "—",
};

export const dictionaries: Record<Lang, Record<Key, string>> = { en, "zh-CN": zh };

// pickLang chooses the UI language: a stored choice wins, then the first of the browser's
// languages we have (any Chinese variant gets Simplified Chinese), then English.
export function pickLang(languages: readonly string[] | undefined, stored: string | null): Lang {
  if (stored && (LANGS as string[]).includes(stored)) return stored as Lang;
  for (const l of languages ?? []) {
    const low = l.toLowerCase();
    if (low.startsWith("zh")) return "zh-CN";
    if (low.startsWith("en")) return "en";
  }
  return "en";
}

// translate looks a key up in a language, falling back to English, then to the key itself,
// and fills {name} placeholders.
export function translate(lang: Lang, key: string, vars?: Record<string, string | number>): string {
  const d = dictionaries[lang] as Record<string, string>;
  let s = d[key] ?? (en as Record<string, string>)[key] ?? key;
  if (vars) {
    s = s.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
  }
  return s;
}

let current: Lang = "en";

export function setLang(l: Lang): void {
  current = l;
  if (typeof document !== "undefined") document.documentElement.lang = l;
}
export function lang(): Lang {
  return current;
}
export function t(key: Key, vars?: Record<string, string | number>): string {
  return translate(current, key, vars);
}
// tx translates a key built at run time (a state or a reason); unknown ones show as they are.
export function tx(prefix: "state" | "reason" | "status", value: string): string {
  const key = `${prefix}.${value}`;
  const s = translate(current, key);
  return s === key ? value : s;
}
