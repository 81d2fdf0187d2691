// The side navigation's groups (nav.ts) and the narrow window's menu button. English first; the
// Chinese object must have every key.
export const navEn = {
  "nav.group.workforce": "Workforce",
  "nav.group.outbound": "Outbound",
  "nav.open_menu": "Open the menu",
};

export const navZh: Record<keyof typeof navEn, string> = {
  "nav.group.workforce": "排班考勤",
  "nav.group.outbound": "外呼",
  "nav.open_menu": "打开菜单",
};
