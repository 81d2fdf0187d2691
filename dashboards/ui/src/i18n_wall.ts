// The wall strings (issue 10). English first; the Chinese object must have every key.
export const wallEn = {
  "wall.asa": "ASA",
  "wall.aht": "AHT",
  "wall.abandon_rate": "Abandon rate",
  "wall.sl_target": "target {pct}",
  "wall.team_title": "Team {team}",
  "wall.my_projects": "My projects ({n})",
  "wall.more": "+{n} more",
  "wall.group.title": "Agents by state",
  "wall.paused_since": "{reason} since {time}",
  "wall.paused_over": "Paused longer than {max} allows",
  "wall.back_at": "back at {time}",
  "act.available": "Make available",
  "act.state": "State",
} as const;

export const wallZh: Record<keyof typeof wallEn, string> = {
  "wall.asa": "平均应答速度",
  "wall.aht": "平均处理时长",
  "wall.abandon_rate": "放弃率",
  "wall.sl_target": "目标 {pct}",
  "wall.team_title": "班组 {team}",
  "wall.my_projects": "我的项目（{n}）",
  "wall.more": "另有 {n} 人",
  "wall.group.title": "各状态坐席数",
  "wall.paused_since": "{reason}，自 {time} 起",
  "wall.paused_over": "暂停时长已超过 {max} 上限",
  "wall.back_at": "{time} 恢复",
  "act.available": "设为空闲",
  "act.state": "状态",
} as const;
