package callfloor

import (
	"errors"
	"fmt"
	"time"
)

// This file holds the contact-centre KPI formulas defined in
// shared/design/metrics.md. Vendors disagree on almost every KPI, so callfloor
// stores raw counters (QueueCounters) and derives one default per metric plus
// the common variants from the same counters. Dashboards, reports and
// Prometheus series must all call these functions so that a metric with one
// name is computed one way everywhere.
//
// Every ratio returns (value, ok). Values are fractions (0.819, not 81.9);
// ok == false means "n/a" because the denominator is zero or negative. An n/a
// must never be shown as 100 %: a queue that offered no calls did not meet its
// service level, it has no service level.

// QueueCounters are the raw counters produced by queue legs (one contact's
// stay in one queue). They are attributed to the interval in which the call
// entered the queue (cohort), so that numerator and denominator of every
// ratio speak of the same calls. All durations are in milliseconds.
type QueueCounters struct {
	Offered          int64 // legs that entered the queue
	Answered         int64 // Ans: answered by an agent
	Abandoned        int64 // Ab: caller hung up while waiting
	ShortAbandoned   int64 // SAb: abandoned with W <= S
	AnsweredWithinT  int64 // Ans_T: answered with W <= T
	AbandonedWithinT int64 // Ab_T: abandoned with W <= T
	FlowedOut        int64 // left by timeout, overflow or exit key
	Lost             int64 // cut off by an Asterisk crash or restart while waiting (OutcomeLost): a system fault, out of the abandon rate

	SumWaitAnsweredMs  int64 // Σ W over answered legs
	SumWaitAbandonedMs int64 // Σ W over abandoned legs
	SumTalkMs          int64
	SumHoldMs          int64
	SumWrapMs          int64 // after-call work
	Handled            int64 // contacts whose talk/hold/wrap are in the sums
	MaxWaitMs          int64 // longest W seen (answered or abandoned)
}

// Add accumulates o into c, so that intervals, queues or shards can be rolled
// up before a ratio is taken (ratios of sums, never averages of ratios).
// MaxWaitMs is a maximum, not a sum.
func (c *QueueCounters) Add(o QueueCounters) {
	c.Offered += o.Offered
	c.Answered += o.Answered
	c.Abandoned += o.Abandoned
	c.ShortAbandoned += o.ShortAbandoned
	c.AnsweredWithinT += o.AnsweredWithinT
	c.AbandonedWithinT += o.AbandonedWithinT
	c.FlowedOut += o.FlowedOut
	c.Lost += o.Lost
	c.SumWaitAnsweredMs += o.SumWaitAnsweredMs
	c.SumWaitAbandonedMs += o.SumWaitAbandonedMs
	c.SumTalkMs += o.SumTalkMs
	c.SumHoldMs += o.SumHoldMs
	c.SumWrapMs += o.SumWrapMs
	c.Handled += o.Handled
	if o.MaxWaitMs > c.MaxWaitMs {
		c.MaxWaitMs = o.MaxWaitMs
	}
}

// ratio is the single place where "n/a" is decided: a zero or negative
// denominator has no meaningful ratio.
func ratio(num, den float64) (float64, bool) {
	if den <= 0 {
		return 0, false
	}
	return num / den, true
}

func ratioInt(num, den int64) (float64, bool) {
	return ratio(float64(num), float64(den))
}

// ServiceLevel is callfloor's default service level,
// Ans_T ÷ (Ans + Ab − SAb): short abandons (callers who hung up within S,
// typically wrong numbers or impatient redials) are removed from the
// denominator because no staffing could have answered them, while every
// other abandon counts against the queue.
func (c QueueCounters) ServiceLevel() (float64, bool) {
	return ratioInt(c.AnsweredWithinT, c.Answered+c.Abandoned-c.ShortAbandoned)
}

// SLa is Ans_T ÷ (Ans + Ab): every abandon counts against the queue
// (Cisco "abandons count against").
func (c QueueCounters) SLa() (float64, bool) {
	return ratioInt(c.AnsweredWithinT, c.Answered+c.Abandoned)
}

// SLb is (Ans_T + Ab_T) ÷ (Ans + Ab): abandons within T count in favour
// (Asterisk ServicelevelPerf2).
func (c QueueCounters) SLb() (float64, bool) {
	return ratioInt(c.AnsweredWithinT+c.AbandonedWithinT, c.Answered+c.Abandoned)
}

// SLc is Ans_T ÷ (Ans + Ab − Ab_T): abandons within T are ignored
// (Cisco "abandons within T ignored").
func (c QueueCounters) SLc() (float64, bool) {
	return ratioInt(c.AnsweredWithinT, c.Answered+c.Abandoned-c.AbandonedWithinT)
}

// SLe is Ans_T ÷ Ans: abandons are ignored entirely
// (Asterisk ServicelevelPerf, Avaya CMS).
func (c QueueCounters) SLe() (float64, bool) {
	return ratioInt(c.AnsweredWithinT, c.Answered)
}

// AbandonRate is the default abandon rate, (Ab − SAb) ÷ (Offered − SAb − Lost):
// short abandons are excluded from both sides for the same reason as in
// ServiceLevel, and so are the calls lost to an Asterisk crash or restart
// (they say nothing about callers' patience).
func (c QueueCounters) AbandonRate() (float64, bool) {
	return ratioInt(c.Abandoned-c.ShortAbandoned, c.Offered-c.ShortAbandoned-c.Lost)
}

// GrossAbandonRate is Ab ÷ (Offered − Lost), shown beside AbandonRate so that a
// rise in short abandons (e.g. a broken IVR) stays visible.
func (c QueueCounters) GrossAbandonRate() (float64, bool) {
	return ratioInt(c.Abandoned, c.Offered-c.Lost)
}

// ASA is the average speed of answer in seconds, Σ W of answered ÷ Ans.
// W includes ring time at agents, so ASA is what the caller experienced.
func (c QueueCounters) ASA() (float64, bool) {
	return ratio(float64(c.SumWaitAnsweredMs)/1000, float64(c.Answered))
}

// AHT is the average handle time in seconds, (talk + hold + wrap) ÷ handled.
// Outbound dialling and ring time are deliberately not part of it.
func (c QueueCounters) AHT() (float64, bool) {
	return ratio(float64(c.SumTalkMs+c.SumHoldMs+c.SumWrapMs)/1000, float64(c.Handled))
}

// Occupancy is handling time ÷ (handling time + available time), measured
// over logged-in, not paused, time: it says how busy agents were while they
// could take calls, which is what Erlang C's A ÷ N predicts.
func Occupancy(handlingMs, availableMs int64) (float64, bool) {
	return ratioInt(handlingMs, handlingMs+availableMs)
}

// Utilisation is handling time ÷ logged-in time (pauses included in the
// denominator), i.e. how much of paid presence went into contacts.
func Utilisation(handlingMs, loggedInMs int64) (float64, bool) {
	return ratioInt(handlingMs, loggedInMs)
}

// AnswerWithinThresholdRate is an agent's offers answered within the ring
// threshold R ÷ offers made to that agent. R defaults to 15 s ("answer
// within three rings" at China's 1 s on, 4 s off cadence).
func AnswerWithinThresholdRate(answeredWithinR, offers int64) (float64, bool) {
	return ratioInt(answeredWithinR, offers)
}

// OutboundConnectRate is answered ÷ dials; busy, no answer and failed are
// reported as separate outcomes, not folded into this rate.
func OutboundConnectRate(answered, dials int64) (float64, bool) {
	return ratioInt(answered, dials)
}

// CallsPerHour is handled ÷ logged-in hours.
func CallsPerHour(handled, loggedInMs int64) (float64, bool) {
	return ratio(float64(handled), float64(loggedInMs)/float64(time.Hour/time.Millisecond))
}

// FormatPercent renders a fraction as a percentage with two decimals
// ("81.90 %"), or "n/a" when ok is false, so that every surface shows the
// same text for the same value.
func FormatPercent(v float64, ok bool) string {
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf("%.2f %%", v*100)
}

// Thresholds are a queue's service-level threshold T (default 20 s) and
// short-abandon threshold S (default 5 s, S < T).
type Thresholds struct {
	ServiceLevelT time.Duration
	ShortAbandonS time.Duration
}

// Validate reports thresholds that would make the SL formulas meaningless:
// negative values, or S ≥ T (a short abandon must also be within T,
// otherwise SAb could exceed Ab_T and the variants stop being comparable).
func (t Thresholds) Validate() error {
	switch {
	case t.ServiceLevelT < 0 || t.ShortAbandonS < 0:
		return errors.New("callfloor: thresholds must not be negative")
	case t.ShortAbandonS >= t.ServiceLevelT:
		return fmt.Errorf("callfloor: short-abandon threshold %v must be below service-level threshold %v",
			t.ShortAbandonS, t.ServiceLevelT)
	}
	return nil
}

// Classify tells which threshold counters a finished leg with wait waitMs
// feeds. Both comparisons are inclusive (W ≤ T, W ≤ S), as Asterisk's
// app_queue counts them, so a call answered at exactly 20 s is within a
// 20 s threshold. withinT applies to answered and abandoned legs alike
// (Ans_T or Ab_T); short is only ever true for abandoned legs.
//
// waitMs is whole milliseconds, so comparing against the threshold
// truncated to milliseconds is exact.
func (t Thresholds) Classify(waitMs int64, answered bool) (withinT, short bool) {
	withinT = waitMs <= t.ServiceLevelT.Milliseconds()
	short = !answered && waitMs <= t.ShortAbandonS.Milliseconds()
	return withinT, short
}
