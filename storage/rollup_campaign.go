package storage

// The outbound report's rollups (migration 00041): the campaign calls per 15-minute bucket and
// local day, campaign and agent — the additive counts (rollup_campaign), the dispositions
// (rollup_campaign_dispositions) and the set of numbers and leads dialled
// (rollup_campaign_leads, for the distinct counts). They are three more rollup tables of
// rollup_diff.go: the history writer maintains them by difference in its batches, under the
// calls' (and the dispositions') advisory locks of the same buckets; RebuildRollups recomputes
// them; an attempt's disposition (RecordAttempt) and a call's disposition (SetCallDisposition)
// recompute the dispositions of the call's bucket.
//
// The figures' definitions are outbound_report.go's, from the same expressions.

// The campaign call's derived flags (outbound_report.go's definitions): picked up, dropped, and
// the unanswered dial's result.
const (
	outAnsweredSQL = `(c.answered_at IS NOT NULL OR c.outcome = 'dropped')`
	outDroppedSQL  = `(c.outcome = 'dropped' OR (c.answered_at IS NOT NULL AND c.agent_id IS NULL))`
	outResultSQL   = `CASE WHEN c.answered_at IS NOT NULL OR c.outcome = 'dropped' THEN ''
      WHEN c.cause = 17 THEN 'busy' WHEN c.cause IN (16, 18, 19) THEN 'no_answer'
      WHEN c.cause IN (1, 22, 28) THEN 'unallocated' WHEN c.cause IN (20, 27) THEN 'switched_off'
      WHEN c.outcome IN ('busy', 'no_answer') THEN c.outcome ELSE 'failed' END`
	// outDispositionSQL: the attempt's disposition, else the desk's (la, d joined by outDispJoins)
	outDispositionSQL = `coalesce(la.disposition, d.code)`
	outDispJoins      = ` LEFT JOIN lead_attempts la ON la.lead_id = c.lead_id AND la.dial_id = c.id AND la.campaign_id = c.campaign_id
  LEFT JOIN call_dispositions d ON d.call_id = c.id`
	outCampaignCall = `c.campaign_id IS NOT NULL AND c.direction = 'outbound'`
)

var campaignPartCols = []string{"dials", "answered", "connected", "dropped", "busy", "no_answer", "unallocated", "switched_off", "failed", "talk_ms"}

// campaignPartsOver: the additive counts of the campaign calls c of from.
func campaignPartsOver(from, where string) string {
	return `SELECT bucket, campaign_id, agent_id, count(*) AS dials, count(*) FILTER (WHERE ans) AS answered,
  count(*) FILTER (WHERE ans AND NOT drp) AS connected, count(*) FILTER (WHERE drp) AS dropped,
  count(*) FILTER (WHERE res = 'busy') AS busy, count(*) FILTER (WHERE res = 'no_answer') AS no_answer,
  count(*) FILTER (WHERE res = 'unallocated') AS unallocated, count(*) FILTER (WHERE res = 'switched_off') AS switched_off,
  count(*) FILTER (WHERE res = 'failed') AS failed, coalesce(sum(talk) FILTER (WHERE ans AND NOT drp), 0)::bigint AS talk_ms
FROM (SELECT date_bin('15 minutes', c.entered_at, ` + bucketOrigin + `) AS bucket, c.campaign_id, coalesce(c.agent_id, '') AS agent_id,
    ` + outAnsweredSQL + ` AS ans, ` + outDroppedSQL + ` AS drp, ` + outResultSQL + ` AS res, coalesce(c.talk_ms, 0) AS talk
  FROM ` + from + ` WHERE ` + outCampaignCall + ` ` + where + `) x
GROUP BY 1, 2, 3`
}

// campaignDispositionPartsOver: the dispositions of the campaign calls c of from.
func campaignDispositionPartsOver(from, where string) string {
	return `SELECT date_bin('15 minutes', c.entered_at, ` + bucketOrigin + `) AS bucket, c.campaign_id, coalesce(c.agent_id, '') AS agent_id,
  ` + outDispositionSQL + ` AS code, count(*) AS calls
FROM ` + from + outDispJoins + `
WHERE ` + outCampaignCall + ` AND ` + outDispositionSQL + ` IS NOT NULL ` + where + `
GROUP BY 1, 2, 3, 4`
}

// campaignLeadPartsOver: the numbers and leads the campaign calls c of from dialled, with
// their dials and connected calls.
func campaignLeadPartsOver(from, where string) string {
	return `SELECT date_bin('15 minutes', c.entered_at, ` + bucketOrigin + `) AS bucket, c.campaign_id, coalesce(c.agent_id, '') AS agent_id,
  coalesce(c.called_number, '') AS called_number, coalesce(c.lead_id, 0) AS lead_id, count(*) AS dials,
  count(*) FILTER (WHERE ` + outAnsweredSQL + ` AND NOT ` + outDroppedSQL + `) AS connects
FROM ` + from + `
WHERE ` + outCampaignCall + ` ` + where + `
GROUP BY 1, 2, 3, 4, 5`
}

// rawCalls: the calls that entered in [$1, $2) (a rebuild's parts).
const rawCalls = `calls c`
const rawCallsRange = `AND c.entered_at >= $1 AND c.entered_at < $2 `

// campaignRollupTables are rollupTables' campaign tables (after the five others: their buckets
// are the calls' and the dispositions', whose locks cover them).
var campaignRollupTables = []rollupTable{
	{"rollup_campaign", "rollup_campaign_day", []string{"campaign_id", "agent_id"}, campaignPartCols, nil, "dials",
		func(extra string) string { return campaignPartsOver(rawCalls, rawCallsRange+extra) },
		"AND date_bin('15 minutes', c.entered_at, " + bucketOrigin + ") = ANY($3)",
		func(f bool, w string) string { return campaignPartsOver(touchedFrom(f), w) }},
	{"rollup_campaign_dispositions", "rollup_campaign_dispositions_day", []string{"campaign_id", "agent_id", "code"}, []string{"calls"}, nil, "calls",
		func(extra string) string { return campaignDispositionPartsOver(rawCalls, rawCallsRange+extra) },
		"AND date_bin('15 minutes', c.entered_at, " + bucketOrigin + ") = ANY($3)",
		func(f bool, w string) string { return campaignDispositionPartsOver(touchedFrom(f), w) }},
	{"rollup_campaign_leads", "rollup_campaign_leads_day", []string{"campaign_id", "agent_id", "called_number", "lead_id"}, []string{"dials", "connects"}, nil, "dials",
		func(extra string) string { return campaignLeadPartsOver(rawCalls, rawCallsRange+extra) },
		"AND date_bin('15 minutes', c.entered_at, " + bucketOrigin + ") = ANY($3)",
		func(f bool, w string) string { return campaignLeadPartsOver(touchedFrom(f), w) }},
}
