package callfloor

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Routing strategies: which available agent gets the next call of a queue.
const (
	StrategyLongestIdle = "longest_idle"
	StrategyFewestCalls = "fewest_calls"
)

// Actions at a queue's max wait or for an unknown queue.
const (
	ActionHangup   = "hangup"
	ActionContinue = "continue" // leave Stasis and continue in the dialplan at Context/Extension/Priority
)

// Destination says what happens to a call callfloor does not keep: hang up, or send it on in
// the dialplan (a voicemail, an overflow queue of another system, a message).
type Destination struct {
	Action    string `yaml:"action" json:"action"`
	Context   string `yaml:"context" json:"context,omitempty"`
	Extension string `yaml:"extension" json:"extension,omitempty"`
	Priority  int    `yaml:"priority" json:"priority,omitempty"`
}

// Queue is one ACD queue and its thresholds.
type Queue struct {
	Name         string        `yaml:"name" json:"name"`
	Strategy     string        `yaml:"strategy" json:"strategy"`
	Priority     int           `yaml:"priority" json:"priority"` // higher wins an agent who serves several queues
	RingTimeout  time.Duration `yaml:"ring_timeout" json:"ring_timeout"`
	WrapUp       time.Duration `yaml:"wrap_up" json:"wrap_up"`
	MaxWait      time.Duration `yaml:"max_wait" json:"max_wait"` // 0 = no limit
	OnMaxWait    Destination   `yaml:"on_max_wait" json:"on_max_wait"`
	MusicClass   string        `yaml:"music_class" json:"music_class"`
	ServiceLevel time.Duration `yaml:"service_level" json:"service_level"` // T of metrics.md
	ShortAbandon time.Duration `yaml:"short_abandon" json:"short_abandon"` // S of metrics.md
	// Wallboard thresholds (amber/red), used by later dashboards.
	SLTarget     float64       `yaml:"sl_target" json:"sl_target"`
	WaitingAmber int           `yaml:"waiting_amber" json:"waiting_amber"`
	WaitingRed   int           `yaml:"waiting_red" json:"waiting_red"`
	LongestAmber time.Duration `yaml:"longest_wait_amber" json:"longest_wait_amber"`
	LongestRed   time.Duration `yaml:"longest_wait_red" json:"longest_wait_red"`
	// MissedPauseSeconds overrides acd.missed_pause_seconds for a ring of this queue the agent
	// missed (nil: the global setting; 0: paused until someone unpauses them).
	MissedPauseSeconds *float64 `yaml:"missed_pause_seconds" json:"missed_pause_seconds,omitempty"`
	// Callback: the call-back offered to waiting callers and the abandoned-caller list (callback.go).
	Callback CallbackConfig `yaml:"callback" json:"callback"`
	// Survey is the post-call satisfaction survey (survey.go); nil: none.
	Survey *Survey `yaml:"survey" json:"survey,omitempty"`
}

// MissedPause is how long a missed ring of this queue pauses the agent (0: until unpaused).
func (q *Queue) MissedPause(acd ACDConfig) time.Duration {
	if q != nil && q.MissedPauseSeconds != nil {
		return time.Duration(*q.MissedPauseSeconds * float64(time.Second))
	}
	if acd.MissedPauseSeconds == nil {
		return DefaultMissedPause
	}
	return time.Duration(*acd.MissedPauseSeconds * float64(time.Second))
}

// DefaultMissedPause is acd.missed_pause_seconds when the file does not set it.
const DefaultMissedPause = 30 * time.Second

// MaxMissedPauseSeconds bounds missed_pause_seconds (a day).
const MaxMissedPauseSeconds = 86400

// PauseReason is a reason an agent may be paused for. In the configuration file a plain string
// is a reason's name (unpaid, no maximum).
type PauseReason struct {
	Name       string `yaml:"name" json:"name"`
	Paid       bool   `yaml:"paid" json:"paid"`
	MaxSeconds int    `yaml:"max_seconds" json:"max_seconds"` // longest expected pause; 0 = none
}

// UnmarshalYAML accepts "lunch" as well as {name: lunch, paid: false, max_seconds: 3600}.
func (r *PauseReason) UnmarshalYAML(unmarshal func(any) error) error {
	var name string
	if err := unmarshal(&name); err == nil {
		*r = PauseReason{Name: name}
		return nil
	}
	type plain PauseReason
	var p plain
	if err := unmarshal(&p); err != nil {
		return err
	}
	*r = PauseReason(p)
	return nil
}

// MaxPauseReasonSeconds bounds a pause reason's maximum duration (a day).
const MaxPauseReasonSeconds = 86400

// ValidatePauseReasons checks a list of pause reasons; field names the list ("acd.pause_reasons").
func ValidatePauseReasons(field string, rs []PauseReason) *Error {
	seen := map[string]bool{}
	for i, r := range rs {
		f := fmt.Sprintf("%s[%d]", field, i)
		if err := ValidateLabel(f+".name", r.Name); err != nil {
			return err
		}
		if seen[r.Name] {
			return invalid(f+".name", "duplicate reason %q", r.Name).With(CodeDuplicate, Params{"value": r.Name})
		}
		seen[r.Name] = true
		if r.MaxSeconds < 0 || r.MaxSeconds > MaxPauseReasonSeconds {
			return invalid(f+".max_seconds", "must be between 0 (no maximum) and %d seconds, got %d", MaxPauseReasonSeconds, r.MaxSeconds).With(CodeOutOfRange, Params{"min": 0, "max": MaxPauseReasonSeconds, "unit": "s", "value": r.MaxSeconds})
		}
	}
	return nil
}

// PauseReasonNamed returns the reason called name, if the list has it.
func PauseReasonNamed(rs []PauseReason, name string) (PauseReason, bool) {
	for _, r := range rs {
		if r.Name == name {
			return r, true
		}
	}
	return PauseReason{}, false
}

// Thresholds returns the queue's metric thresholds.
func (q *Queue) Thresholds() Thresholds {
	return Thresholds{ServiceLevelT: q.ServiceLevel, ShortAbandonS: q.ShortAbandon}
}

// Node is one Asterisk server reached over ARI.
type Node struct {
	Name        string `yaml:"name" json:"name"`
	URL         string `yaml:"url" json:"url"` // http://host:8088 (without /ari)
	Username    string `yaml:"username" json:"username"`
	Password    string `yaml:"password" json:"-"`
	PasswordEnv string `yaml:"password_env" json:"-"` // read the password from this environment variable
}

// OutboundConfig configures agent click-to-call.
type OutboundConfig struct {
	DialString  string        `yaml:"dial_string" json:"dial_string"` // pattern with {number}: PJSIP/{number}@trunk, Local/{number}@outbound
	RingTimeout time.Duration `yaml:"ring_timeout" json:"ring_timeout"`
	CallerID    string        `yaml:"caller_id" json:"caller_id"`
	WrapUp      time.Duration `yaml:"wrap_up" json:"wrap_up"`
	NumberRE    string        `yaml:"number_pattern" json:"number_pattern"` // what a dialled number may look like
	// FrequencyCap limits the attempts at one number across every campaign (the dialler's and
	// the agents' preview dials); absent: DefaultFrequencyCap; {per_day: 0, per_week: 0}: none.
	FrequencyCap *FrequencyCap `yaml:"frequency_cap" json:"frequency_cap"`
}

// DefaultFrequencyCap: a number is dialled at most 3 times a day and 10 times in any 7 days
// across all campaigns unless acd.outbound.frequency_cap says otherwise.
var DefaultFrequencyCap = FrequencyCap{PerDay: 3, PerWeek: 10}

// ACDConfig holds the settings of the ACD itself.
type ACDConfig struct {
	App               string         `yaml:"app"`
	MissedPauseReason string         `yaml:"missed_pause_reason"` // pause reason after a ring-no-answer; "" = do not pause
	UnknownQueue      Destination    `yaml:"unknown_queue"`
	RecordingFormat   string         `yaml:"recording_format"`
	RecordCalls       *bool          `yaml:"record_calls"`
	RequestTimeout    time.Duration  `yaml:"request_timeout"`
	Outbound          OutboundConfig `yaml:"outbound"`
	PauseReasons      []PauseReason  `yaml:"pause_reasons"` // allowed reasons for a manual pause; empty = any (the seed of the database's list)
	// MissedPauseAfter: the agent is paused (MissedPauseReason) after this many missed rings in
	// a row (default 1); an answered call starts the count over.
	MissedPauseAfter int `yaml:"missed_pause_after"`
	// MissedPauseSeconds: how long that pause lasts before the ACD makes the agent available
	// again (nil: DefaultMissedPause; 0: until someone unpauses them). A queue may override it.
	MissedPauseSeconds *float64 `yaml:"missed_pause_seconds"`
	// SessionCloseMargin: a login session still open this long after its rostered shift's end
	// is closed (the agent logged out, reason shift_over); 0: DefaultSessionCloseMargin.
	SessionCloseMargin time.Duration `yaml:"session_close_margin"`
	// Customers: how the ACD treats flagged callers (issue 14).
	Customers CustomerRouting `yaml:"customers"`
	// Lease: active / standby instances per Asterisk node (issue 15).
	Lease LeaseConfig `yaml:"lease"`
}

// LeaseConfig makes several callfloor instances configured for the same Asterisk nodes share
// them: for each node exactly one instance holds a lease in Redis and drives the node; the
// others stand by and take over when the lease expires (telephony/lease.go).
type LeaseConfig struct {
	Enabled bool          `yaml:"enabled"` // false: this instance drives every node it is given (one instance per node)
	TTL     time.Duration `yaml:"ttl"`     // how long the lease lives without a renewal; default 3s
	Renew   time.Duration `yaml:"renew"`   // how often the holder renews it; default 1s (at most a third of TTL)
	Poll    time.Duration `yaml:"poll"`    // how often a standby tries to take it; default 500ms
}

// The lease's defaults: a standby takes over within TTL + Poll (+ the reconciliation) of the
// holder's death.
const (
	DefaultLeaseTTL   = 3 * time.Second
	DefaultLeaseRenew = time.Second
	DefaultLeasePoll  = 500 * time.Millisecond
)

// CustomerRouting says how the ACD treats a VIP or blacklisted caller.
type CustomerRouting struct {
	VIPPriority      int           `yaml:"vip_priority"`       // added to a VIP caller's priority; 0: DefaultVIPPriority
	BlacklistSound   string        `yaml:"blacklist_sound"`    // played to a blacklisted caller before the hang-up; "": DefaultBlacklistSound
	BlacklistPlayFor time.Duration `yaml:"blacklist_play_for"` // the hang-up follows this long after the prompt starts; 0: 3 s
}

// DefaultBlacklistSound is a core Asterisk sound ("your call cannot be completed as dialed").
const DefaultBlacklistSound = "sound:cannot-complete"

// DefaultSessionCloseMargin is acd.session_close_margin's default.
const DefaultSessionCloseMargin = 2 * time.Hour

// Config is the whole configuration file. Secrets may come from environment variables.
type Config struct {
	Listen      string `yaml:"listen"`
	RedisURL    string `yaml:"redis_url"`
	DatabaseURL string `yaml:"database_url"` // PostgreSQL for history, users and audit; CALLFLOOR_DATABASE_URL overrides
	Prefix      string `yaml:"redis_prefix"`
	// ReportsDatabaseURL, when set, is a read-only PostgreSQL (a streaming replica) that
	// reports, QA reads and exports use; ingest and every write keep DatabaseURL.
	// CALLFLOOR_REPORTS_DATABASE_URL overrides.
	ReportsDatabaseURL     string               `yaml:"reports_database_url"`
	ACD                    ACDConfig            `yaml:"acd"`
	Asterisk               []Node               `yaml:"asterisk"`
	Queues                 []Queue              `yaml:"queues"`
	Agents                 []Agent              `yaml:"agents"`
	Sim                    *SimConfig           `yaml:"sim"`
	LogLevel               string               `yaml:"log_level"`
	TimeZone               string               `yaml:"time_zone"`                // IANA zone whose midnight starts a new counter day (default UTC)
	RetentionMonths        int                  `yaml:"history_retention_months"` // drop history months older than this many (0: keep all)
	RecordingRetentionDays int                  `yaml:"recording_retention_days"` // delete recordings older than this many days from the nodes and the catalogue (0: keep all)
	SecureCookie           bool                 `yaml:"secure_cookie"`            // mark the session cookie Secure (set when TLS ends at a proxy in front)
	Live                   LiveConfig           `yaml:"live"`
	RecordingCache         RecordingCacheConfig `yaml:"recording_cache"`
	DataDir                string               `yaml:"data_dir"` // this instance's local state: the durable outbox of writes kept while Redis is down (default .run/data)
	// TrustedProxies are the reverse proxies (CIDRs or addresses, e.g. 10.0.0.5/32) whose
	// X-Forwarded-For / Forwarded / X-Real-IP name the client, and whose X-Forwarded-Host /
	// -Proto name the site. The same headers from any other peer are ignored.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// AllowedOrigins are further origins ("https://callfloor.example.com") whose pages may send
	// cookie-authenticated writes and open the live WebSocket, e.g. the public name of the
	// site behind a proxy that rewrites Host.
	AllowedOrigins []string `yaml:"allowed_origins"`
}

// LiveConfig limits the live WebSocket connections (/api/v1/ws). Both are counted per web node:
// behind a load balancer of N nodes a user may hold up to N × MaxSocketsPerUser in all.
type LiveConfig struct {
	MaxSocketsPerUser int `yaml:"max_sockets_per_user"` // sockets one user may hold open on a node (default 20)
	MaxSocketsPerNode int `yaml:"max_sockets_per_node"` // sockets a node holds in all (default 5000)
}

// RecordingCacheConfig is the local disk cache that recordings are served from (fetched from
// their node once, streamed to disk). Zero values take the defaults.
type RecordingCacheConfig struct {
	Dir            string        `yaml:"dir"`              // default: a fresh temporary directory, removed at shutdown
	MaxMB          int64         `yaml:"max_mb"`           // bound on the cache's size, MiB (default 2048); a longer recording is refused
	MaxAge         time.Duration `yaml:"max_age"`          // a file unused this long is removed (default 24h)
	FetchesPerNode int           `yaml:"fetches_per_node"` // concurrent downloads from one Asterisk node (default 4)
}

// SimConfig turns on the embedded simulated Asterisk with generated traffic (the demo).
type SimConfig struct {
	Listen       string          `yaml:"listen"`
	Speed        float64         `yaml:"speed"`
	Seed         int64           `yaml:"seed"`
	NoAnswerRate float64         `yaml:"no_answer_rate"`
	BusyRate     float64         `yaml:"busy_rate"`
	Traffic      []TrafficConfig `yaml:"traffic"`
	AutoLogin    bool            `yaml:"auto_login"` // log every agent in at start (demo)
	People       bool            `yaml:"people"`     // the agents take breaks and come back, as people do (demo)
	// Numbers: "cn" gives the generated callers mainland numbers (+86 mobiles, Beijing and
	// Shanghai landlines), some of them the customer directory's; "" keeps 555NNNN test numbers
	Numbers string `yaml:"numbers"`
	// Survey: how the generated callers whose agent hangs up (traffic[].agent_hangup) answer
	// the post-call survey; the shares left over press nothing
	Survey SimSurveyMix `yaml:"survey"`
}

// SimNumbersCN is SimConfig.Numbers for mainland Chinese callers.
const SimNumbersCN = "cn"

// SimSurveyMix: shares (0..1, together at most 1) of the survey's answers by simulated callers.
type SimSurveyMix struct {
	Satisfied    float64 `yaml:"satisfied"`    // press 1
	Neutral      float64 `yaml:"neutral"`      // press 2
	Dissatisfied float64 `yaml:"dissatisfied"` // press 3
	HangUp       float64 `yaml:"hang_up"`      // hang up during a question
}

// TrafficConfig is generated inbound traffic for one queue.
type TrafficConfig struct {
	Queue          string        `yaml:"queue"`
	CallsPerMinute float64       `yaml:"calls_per_minute"`
	PatienceMin    time.Duration `yaml:"patience_min"`
	PatienceMax    time.Duration `yaml:"patience_max"`
	TalkMin        time.Duration `yaml:"talk_min"`
	TalkMax        time.Duration `yaml:"talk_max"`
	// CallbackShare: the share of callers who press 1 when offered a call-back (the queue's
	// callback.offer), shortly after the offer (issue 14).
	CallbackShare float64 `yaml:"callback_share"`
	// AgentHangup: the share of callers whose agent ends the conversation (the caller stays on
	// the line: the queue's post-call survey, issue 14); the others hang up first.
	AgentHangup float64 `yaml:"agent_hangup"`
}

// ApplyDefaults fills what the file left out.
func (c *Config) ApplyDefaults() {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8080"
	}
	if c.RedisURL == "" {
		c.RedisURL = "redis://127.0.0.1:6379/0"
	}
	if c.Prefix == "" {
		c.Prefix = "cf:"
	}
	if c.DataDir == "" {
		c.DataDir = ".run/data"
	}
	if c.ACD.App == "" {
		c.ACD.App = "callfloor"
	}
	if c.Live.MaxSocketsPerUser == 0 {
		c.Live.MaxSocketsPerUser = 20
	}
	if c.Live.MaxSocketsPerNode == 0 {
		c.Live.MaxSocketsPerNode = 5000
	}
	if c.ACD.MissedPauseReason == "" {
		c.ACD.MissedPauseReason = "missed"
	}
	if c.ACD.MissedPauseAfter == 0 {
		c.ACD.MissedPauseAfter = 1
	}
	if c.ACD.UnknownQueue.Action == "" {
		c.ACD.UnknownQueue.Action = ActionHangup
	}
	if c.ACD.Customers.VIPPriority == 0 {
		c.ACD.Customers.VIPPriority = DefaultVIPPriority
	}
	if c.ACD.Customers.BlacklistSound == "" {
		c.ACD.Customers.BlacklistSound = DefaultBlacklistSound
	}
	if c.ACD.Customers.BlacklistPlayFor <= 0 {
		c.ACD.Customers.BlacklistPlayFor = 3 * time.Second
	}
	if c.ACD.RecordingFormat == "" {
		c.ACD.RecordingFormat = "wav"
	}
	if c.ACD.RecordCalls == nil {
		t := true
		c.ACD.RecordCalls = &t
	}
	if c.ACD.RequestTimeout == 0 {
		c.ACD.RequestTimeout = 5 * time.Second
	}
	if c.ACD.Lease.TTL == 0 {
		c.ACD.Lease.TTL = DefaultLeaseTTL
	}
	if c.ACD.Lease.Renew == 0 {
		c.ACD.Lease.Renew = DefaultLeaseRenew
	}
	if c.ACD.Lease.Poll == 0 {
		c.ACD.Lease.Poll = DefaultLeasePoll
	}
	if c.ACD.Outbound.RingTimeout == 0 {
		c.ACD.Outbound.RingTimeout = 30 * time.Second
	}
	if c.ACD.Outbound.FrequencyCap == nil {
		fc := DefaultFrequencyCap
		c.ACD.Outbound.FrequencyCap = &fc
	}
	if c.ACD.Outbound.NumberRE == "" {
		c.ACD.Outbound.NumberRE = `^\+?[0-9]{2,20}$`
	}
	for i := range c.Asterisk {
		n := &c.Asterisk[i]
		if n.Username == "" {
			n.Username = "callfloor"
		}
	}
	for i := range c.Queues {
		q := &c.Queues[i]
		if q.Strategy == "" {
			q.Strategy = StrategyLongestIdle
		}
		if q.RingTimeout == 0 {
			q.RingTimeout = 15 * time.Second
		}
		if q.MusicClass == "" {
			q.MusicClass = "default"
		}
		if q.ServiceLevel == 0 {
			q.ServiceLevel = 20 * time.Second
		}
		if q.ShortAbandon == 0 {
			q.ShortAbandon = 5 * time.Second
		}
		if q.OnMaxWait.Action == "" {
			q.OnMaxWait.Action = ActionHangup
		}
		if q.SLTarget == 0 {
			q.SLTarget = 0.8
		}
		q.Callback.applyDefaults()
		if q.Survey != nil {
			q.Survey.ApplyDefaults()
		}
	}
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Limits on what the configuration and the API accept.
const (
	MinRingTimeout = time.Second
	MaxRingTimeout = 300 * time.Second
	MinPriority    = 0   // a queue's priority (higher wins an agent who serves several queues) is
	MaxPriority    = 100 // within MinPriority..MaxPriority
	MaxLabelLen    = 64  // display names (agents, teams) and pause reasons, in characters
	MaxDialLen     = 128 // an agent's endpoint (dial string)
	maxDialplanLen = 80  // a dialplan context or extension (Asterisk's AST_MAX_CONTEXT / AST_MAX_EXTENSION)
)

var labelRE = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N} _.,:'()&/+-]*$`)

// ValidateLabel checks a display name or pause reason: 1 to 64 characters, starting with a
// letter or digit, then letters, digits, spaces and _ . , : ' ( ) & / + - only (no control
// characters, no markup).
func ValidateLabel(field, s string) *Error {
	if n := utf8.RuneCountInString(s); n == 0 || n > MaxLabelLen || !utf8.ValidString(s) || !labelRE.MatchString(s) || strings.TrimSpace(s) != s {
		return invalid(field, "must be 1-%d letters, digits, spaces or _ . , : ' ( ) & / + -, starting with a letter or digit, got %q", MaxLabelLen, s).With(CodeInvalidFormat, Params{"format": "label", "max": MaxLabelLen, "value": s})
	}
	return nil
}

// validDialplanName checks a dialplan context or extension: 1 to 80 printable characters
// without spaces or the separators of a dialplan application's arguments.
func validDialplanName(field, s string) *Error {
	if len(s) > maxDialplanLen || strings.ContainsAny(s, ",|;\"\\") || strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return invalid(field, "must be 1-%d printable characters without spaces, commas, ';' '|' or quotes, got %q", maxDialplanLen, s).With(CodeInvalidFormat, Params{"format": "dialplan", "max": maxDialplanLen, "value": s})
	}
	return nil
}

var (
	userinfoRE  = regexp.MustCompile(`(://[^/@\s:]*:)([^@\s]*)@`) // ${1}: up to the password's colon; ${2}: the password
	secretKeyRE = regexp.MustCompile(`(?i)((?:password|passwd|secret|token)\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,}&]+)`)
)

// Redacted is the placeholder that stands for a secret in messages.
const Redacted = "xxxxx"

// RedactSecrets replaces the passwords in URLs (user:password@) and the values of password,
// secret and token keys ("password: x", "password=x") in text meant for a message or a log. It
// works on text that does not parse as a URL too, so a malformed URL never leaks its password.
func RedactSecrets(s string) string {
	s = userinfoRE.ReplaceAllString(s, "${1}"+Redacted+"@")
	return secretKeyRE.ReplaceAllString(s, "${1}"+Redacted)
}

// SecretsIn lists the secrets written in text (configuration source, a URL): the values of
// password / secret / token keys and the passwords of URLs, to scrub them from messages.
func SecretsIn(s string) []string {
	var out []string
	for _, m := range secretKeyRE.FindAllStringSubmatch(s, -1) {
		out = append(out, strings.Trim(m[2], `"'`))
	}
	for _, m := range userinfoRE.FindAllStringSubmatch(s, -1) {
		out = append(out, m[2])
		if p, err := url.PathUnescape(m[2]); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// Scrub replaces every given secret (of 4 characters or more) found in msg by xxxxx, then
// redacts what still looks like one (RedactSecrets).
func Scrub(msg string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) >= 4 {
			msg = strings.ReplaceAll(msg, s, Redacted)
		}
	}
	return RedactSecrets(msg)
}

// validURL checks a service URL (redis_url, database_url) without ever echoing its password.
func validURL(field, s string, schemes ...string) *Error {
	u, err := url.Parse(s)
	if err != nil { // url.Error quotes the whole URL, password included: never show it
		return invalid(field, "not a valid URL: %s", RedactSecrets(s)).With(CodeInvalidFormat, Params{"format": "url"})
	}
	for _, sc := range schemes {
		if u.Scheme == sc {
			return nil
		}
	}
	return invalid(field, "must be a %s:// URL, got %s", strings.Join(schemes, ":// or "), RedactSecrets(s)).With(CodeInvalidFormat, Params{"format": "url", "allowed": schemes})
}

// invalid is a 400 naming field once; give it its specific code with With.
func invalid(field, format string, args ...any) *Error {
	return Invalid(field, EINVALID, nil, format, args...)
}

// ValidateDestination checks a hang-up / continue destination.
func ValidateDestination(field string, d Destination) *Error {
	switch d.Action {
	case ActionHangup:
	case ActionContinue:
		if d.Context == "" {
			return invalid(field+".context", "required when action is %q", ActionContinue).With(CodeRequired, Params{"other": "action", "value": ActionContinue})
		}
		if d.Extension == "" {
			return invalid(field+".extension", "required when action is %q", ActionContinue).With(CodeRequired, Params{"other": "action", "value": ActionContinue})
		}
		if err := validDialplanName(field+".context", d.Context); err != nil {
			return err
		}
		if err := validDialplanName(field+".extension", d.Extension); err != nil {
			return err
		}
		if d.Priority < 0 || d.Priority > 99999 {
			return invalid(field+".priority", "must be a dialplan priority 1..99999 (0: 1), got %d", d.Priority).With(CodeOutOfRange, Params{"min": 1, "max": 99999, "value": d.Priority})
		}
	default:
		return invalid(field+".action", "must be %q or %q, got %q", ActionHangup, ActionContinue, d.Action).With(CodeInvalidChoice, Params{"allowed": []string{ActionHangup, ActionContinue}, "value": d.Action})
	}
	return nil
}

// ValidateQueue checks one queue definition; field is its position in messages (queues[2]).
func ValidateQueue(field string, q *Queue) *Error {
	if !nameRE.MatchString(q.Name) {
		return invalid(field+".name", "must be 1-64 letters, digits, '_', '.', '-', got %q", q.Name).With(CodeInvalidFormat, Params{"format": "identifier", "max": 64, "value": q.Name})
	}
	switch q.Strategy {
	case StrategyLongestIdle, StrategyFewestCalls:
	default:
		return invalid(field+".strategy", "must be %q or %q, got %q", StrategyLongestIdle, StrategyFewestCalls, q.Strategy).With(CodeInvalidChoice, Params{"allowed": []string{StrategyLongestIdle, StrategyFewestCalls}, "value": q.Strategy})
	}
	if q.RingTimeout < MinRingTimeout || q.RingTimeout > MaxRingTimeout {
		return invalid(field+".ring_timeout", "must be between %s and %s, got %s", MinRingTimeout, MaxRingTimeout, q.RingTimeout).With(CodeOutOfRange, Params{"min": MinRingTimeout.Seconds(), "max": MaxRingTimeout.Seconds(), "unit": "s", "value": q.RingTimeout.Seconds()})
	}
	if q.Priority < MinPriority || q.Priority > MaxPriority {
		return invalid(field+".priority", "must be between %d and %d, got %d", MinPriority, MaxPriority, q.Priority).With(CodeOutOfRange, Params{"min": MinPriority, "max": MaxPriority, "value": q.Priority})
	}
	if !nameRE.MatchString(q.MusicClass) {
		return invalid(field+".music_class", "must be 1-64 letters, digits, '_', '.', '-', got %q", q.MusicClass).With(CodeInvalidFormat, Params{"format": "identifier", "max": 64, "value": q.MusicClass})
	}
	if q.WrapUp < 0 || q.WrapUp > 24*time.Hour {
		return invalid(field+".wrap_up", "must be between 0 and 24h, got %s", q.WrapUp).With(CodeOutOfRange, Params{"min": 0, "max": 86400, "unit": "s", "value": q.WrapUp.Seconds()})
	}
	if q.MaxWait < 0 {
		return invalid(field+".max_wait", "must not be negative, got %s", q.MaxWait).With(CodeOutOfRange, Params{"min": 0, "unit": "s", "value": q.MaxWait.Seconds()})
	}
	if q.ShortAbandon >= q.ServiceLevel {
		return invalid(field+".short_abandon", "must be below service_level (%s), got %s", q.ServiceLevel, q.ShortAbandon).With(CodeMustBeBelow, Params{"other": "service_level", "limit": q.ServiceLevel.Seconds(), "unit": "s", "value": q.ShortAbandon.Seconds()})
	}
	if p := q.MissedPauseSeconds; p != nil && !(*p >= 0 && *p <= MaxMissedPauseSeconds) {
		return invalid(field+".missed_pause_seconds", "must be between 0 (until unpaused) and %d seconds, got %v", MaxMissedPauseSeconds, *p)
	}
	if q.SLTarget <= 0 || q.SLTarget > 1 {
		return invalid(field+".sl_target", "must be in (0, 1], got %v", q.SLTarget).With(CodeOutOfRange, Params{"min": 0, "max": 1, "value": q.SLTarget})
	}
	switch {
	case q.WaitingAmber < 0:
		return invalid(field+".waiting_amber", "must not be negative, got %d", q.WaitingAmber).With(CodeOutOfRange, Params{"min": 0, "value": q.WaitingAmber})
	case q.WaitingRed < 0:
		return invalid(field+".waiting_red", "must not be negative, got %d", q.WaitingRed).With(CodeOutOfRange, Params{"min": 0, "value": q.WaitingRed})
	case q.WaitingRed > 0 && q.WaitingAmber >= q.WaitingRed:
		return invalid(field+".waiting_amber", "must be below waiting_red (%d), got %d", q.WaitingRed, q.WaitingAmber).With(CodeMustBeBelow, Params{"other": "waiting_red", "limit": q.WaitingRed, "value": q.WaitingAmber})
	case q.LongestAmber < 0:
		return invalid(field+".longest_wait_amber", "must not be negative, got %s", q.LongestAmber).With(CodeOutOfRange, Params{"min": 0, "unit": "s", "value": q.LongestAmber.Seconds()})
	case q.LongestRed < 0:
		return invalid(field+".longest_wait_red", "must not be negative, got %s", q.LongestRed).With(CodeOutOfRange, Params{"min": 0, "unit": "s", "value": q.LongestRed.Seconds()})
	case q.LongestRed > 0 && q.LongestAmber >= q.LongestRed:
		return invalid(field+".longest_wait_amber", "must be below longest_wait_red (%s), got %s", q.LongestRed, q.LongestAmber).With(CodeMustBeBelow, Params{"other": "longest_wait_red", "limit": q.LongestRed.Seconds(), "unit": "s", "value": q.LongestAmber.Seconds()})
	}
	if err := ValidateDestination(field+".on_max_wait", q.OnMaxWait); err != nil {
		return err
	}
	if err := q.Callback.validate(field + ".callback"); err != nil {
		return err
	}
	if err := ValidateSurvey(field+".survey", q.Survey); err != nil {
		return err
	}
	return nil
}

// ValidateAgent checks one agent definition against the known queues.
func ValidateAgent(field string, a *Agent, queues map[string]bool) *Error {
	if !nameRE.MatchString(a.ID) {
		return invalid(field+".id", "must be 1-64 letters, digits, '_', '.', '-', got %q", a.ID).With(CodeInvalidFormat, Params{"format": "identifier", "max": 64, "value": a.ID})
	}
	if a.Name != "" {
		if err := ValidateLabel(field+".name", a.Name); err != nil {
			return err
		}
	}
	if a.Endpoint == "" || !strings.Contains(a.Endpoint, "/") {
		return invalid(field+".endpoint", "must be an Asterisk dial string such as PJSIP/1001, got %q", a.Endpoint).With(CodeInvalidFormat, Params{"format": "dial_string", "value": a.Endpoint})
	}
	if len(a.Endpoint) > MaxDialLen || strings.IndexFunc(a.Endpoint, func(r rune) bool { return r <= ' ' || r == 0x7f || r == ',' }) >= 0 {
		return invalid(field+".endpoint", "must be at most %d characters without spaces or commas, got %q", MaxDialLen, a.Endpoint).With(CodeInvalidFormat, Params{"format": "dial_string", "max": MaxDialLen, "value": a.Endpoint})
	}
	if a.Team != "" && !nameRE.MatchString(a.Team) {
		return invalid(field+".team", "must be 1-64 letters, digits, '_', '.', '-', got %q", a.Team).With(CodeInvalidFormat, Params{"format": "identifier", "max": 64, "value": a.Team})
	}
	for q, lvl := range a.Skills {
		if !queues[q] {
			return invalid(field+".skills."+q, "unknown queue %q", q).With(CodeUnknownRef, Params{"what": "queue", "value": q})
		}
		if lvl < 1 || lvl > 99 {
			return invalid(field+".skills."+q, "skill level must be 1..99, got %d", lvl).With(CodeOutOfRange, Params{"min": 1, "max": 99, "value": lvl})
		}
	}
	return nil
}

// Validate checks the whole configuration and returns the first problem, naming the field.
func (c *Config) Validate() error {
	if c.Live.MaxSocketsPerUser < 0 || c.Live.MaxSocketsPerUser > 10000 {
		return invalid("live.max_sockets_per_user", "must be 1 to 10000 (0: the default 20), got %d", c.Live.MaxSocketsPerUser).With(CodeOutOfRange, Params{"min": 0, "max": 10000, "value": c.Live.MaxSocketsPerUser})
	}
	if c.Live.MaxSocketsPerNode < 0 || c.Live.MaxSocketsPerNode > 1000000 {
		return invalid("live.max_sockets_per_node", "must be 1 to 1000000 (0: the default 5000), got %d", c.Live.MaxSocketsPerNode).With(CodeOutOfRange, Params{"min": 0, "max": 1000000, "value": c.Live.MaxSocketsPerNode})
	}
	if len(c.Asterisk) == 0 && c.Sim == nil {
		return invalid("asterisk", "at least one Asterisk node is required (or enable sim)").With(CodeTooFew, Params{"min": 1})
	}
	seenNode := map[string]bool{}
	for i := range c.Asterisk {
		n := &c.Asterisk[i]
		f := fmt.Sprintf("asterisk[%d]", i)
		if !nameRE.MatchString(n.Name) {
			return invalid(f+".name", "must be 1-64 letters, digits, '_', '.', '-', got %q", n.Name).With(CodeInvalidFormat, Params{"format": "identifier", "max": 64, "value": n.Name})
		}
		if seenNode[n.Name] {
			return invalid(f+".name", "duplicate node %q", n.Name).With(CodeDuplicate, Params{"value": n.Name})
		}
		seenNode[n.Name] = true
		u, err := url.Parse(n.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalid(f+".url", "must be an http(s) URL such as http://127.0.0.1:8088, got %q", RedactSecrets(n.URL)).With(CodeInvalidFormat, Params{"format": "url", "allowed": []string{"http", "https"}})
		}
	}
	if c.RedisURL != "" {
		if err := validURL("redis_url", c.RedisURL, "redis", "rediss", "unix", "redis+sentinel", "rediss+sentinel", "redis+cluster", "rediss+cluster"); err != nil {
			return err
		}
	}
	if c.DatabaseURL != "" && strings.Contains(c.DatabaseURL, "://") { // else a key=value DSN
		if err := validURL("database_url", c.DatabaseURL, "postgres", "postgresql"); err != nil {
			return err
		}
	}
	if c.ReportsDatabaseURL != "" && strings.Contains(c.ReportsDatabaseURL, "://") {
		if err := validURL("reports_database_url", c.ReportsDatabaseURL, "postgres", "postgresql"); err != nil {
			return err
		}
	}
	if _, err := ParseTrustedProxies(c.TrustedProxies); err != nil {
		return err
	}
	for i, o := range c.AllowedOrigins {
		u, err := url.Parse(strings.TrimRight(strings.TrimSpace(o), "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
			return invalid(fmt.Sprintf("allowed_origins[%d]", i), "must be an origin such as https://callfloor.example.com (scheme and host, no path), got %q", o).With(CodeInvalidFormat, Params{"format": "origin", "value": o})
		}
	}
	if rc := c.RecordingCache; rc.MaxMB < 0 || rc.MaxMB > 1<<30 {
		return invalid("recording_cache.max_mb", "must be 0 (default) to %d, got %d", 1<<30, rc.MaxMB).With(CodeOutOfRange, Params{"min": 0, "max": 1 << 30, "value": rc.MaxMB})
	}
	if c.RecordingCache.MaxAge < 0 {
		return invalid("recording_cache.max_age", "must not be negative, got %s", c.RecordingCache.MaxAge).With(CodeOutOfRange, Params{"min": 0, "unit": "s", "value": c.RecordingCache.MaxAge.Seconds()})
	}
	if n := c.RecordingCache.FetchesPerNode; n < 0 || n > 64 {
		return invalid("recording_cache.fetches_per_node", "must be 0 (default) to 64, got %d", n).With(CodeOutOfRange, Params{"min": 0, "max": 64, "value": n})
	}
	if c.RecordingRetentionDays < 0 {
		return invalid("recording_retention_days", "must not be negative, got %d", c.RecordingRetentionDays).With(CodeOutOfRange, Params{"min": 0, "value": c.RecordingRetentionDays})
	}
	if c.RetentionMonths < 0 {
		return invalid("history_retention_months", "must not be negative, got %d", c.RetentionMonths).With(CodeOutOfRange, Params{"min": 0, "value": c.RetentionMonths})
	}
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil {
			return invalid("time_zone", "unknown time zone %q", c.TimeZone).With(CodeInvalidFormat, Params{"format": "time_zone", "value": c.TimeZone})
		}
	}
	if !nameRE.MatchString(c.ACD.App) {
		return invalid("acd.app", "invalid Stasis application name %q", c.ACD.App).With(CodeInvalidFormat, Params{"format": "app_name", "value": c.ACD.App})
	}
	if err := ValidateDestination("acd.unknown_queue", c.ACD.UnknownQueue); err != nil {
		return err
	}
	if !strings.Contains(c.ACD.Customers.BlacklistSound, ":") {
		return invalid("acd.customers.blacklist_sound", "%q is not a media URI (sound:…)", c.ACD.Customers.BlacklistSound).With(CodeInvalidFormat, Params{"format": "media", "value": c.ACD.Customers.BlacklistSound})
	}
	switch c.ACD.RecordingFormat {
	case "wav", "gsm", "ulaw", "alaw", "sln", "g722", "wav49":
	default:
		return invalid("acd.recording_format", "unsupported format %q", c.ACD.RecordingFormat).With(CodeInvalidChoice, Params{"allowed": []string{"wav", "gsm", "ulaw", "alaw", "sln", "g722", "wav49"}, "value": c.ACD.RecordingFormat})
	}
	if c.ACD.MissedPauseReason != "" {
		if err := ValidateLabel("acd.missed_pause_reason", c.ACD.MissedPauseReason); err != nil {
			return err
		}
	}
	for i, r := range c.ACD.PauseReasons {
		// a plain string names the reason: its errors name the list entry
		if err := ValidateLabel(fmt.Sprintf("acd.pause_reasons[%d]", i), r.Name); err != nil {
			return err
		}
	}
	if err := ValidatePauseReasons("acd.pause_reasons", c.ACD.PauseReasons); err != nil {
		return err
	}
	if m := c.ACD.SessionCloseMargin; m < 0 || m > 24*time.Hour {
		return invalid("acd.session_close_margin", "must be between 0 and 24h, got %s", m)
	}
	if err := c.ACD.Lease.validate("acd.lease"); err != nil {
		return err
	}
	if n := c.ACD.MissedPauseAfter; n < 1 || n > 100 {
		return invalid("acd.missed_pause_after", "must be between 1 and 100 missed rings, got %d", n)
	}
	if p := c.ACD.MissedPauseSeconds; p != nil && !(*p >= 0 && *p <= MaxMissedPauseSeconds) {
		return invalid("acd.missed_pause_seconds", "must be between 0 (until unpaused) and %d seconds, got %v", MaxMissedPauseSeconds, *p)
	}
	if t := c.ACD.Outbound.RingTimeout; t < MinRingTimeout || t > MaxRingTimeout {
		return invalid("acd.outbound.ring_timeout", "must be between %s and %s, got %s", MinRingTimeout, MaxRingTimeout, t).With(CodeOutOfRange, Params{"min": MinRingTimeout.Seconds(), "max": MaxRingTimeout.Seconds(), "unit": "s", "value": t.Seconds()})
	}
	if d := c.ACD.Outbound.DialString; d != "" && !strings.Contains(d, "{number}") {
		return invalid("acd.outbound.dial_string", "must contain {number}, got %q", d).With(CodeInvalidFormat, Params{"format": "dial_string", "value": d})
	}
	if fc := c.ACD.Outbound.FrequencyCap; fc != nil {
		for _, f := range []struct {
			name string
			v    int
		}{{"per_day", fc.PerDay}, {"per_week", fc.PerWeek}} {
			if f.v < 0 || f.v > 100 {
				return invalid("acd.outbound.frequency_cap."+f.name, "must be between 0 (no cap) and 100 attempts, got %d", f.v).With(CodeOutOfRange, Params{"min": 0, "max": 100, "value": f.v})
			}
		}
	}
	if _, err := regexp.Compile(c.ACD.Outbound.NumberRE); err != nil {
		return invalid("acd.outbound.number_pattern", "not a valid regular expression").With(CodeInvalidFormat, Params{"format": "regexp"})
	}
	if len(c.Queues) == 0 {
		return invalid("queues", "at least one queue is required").With(CodeTooFew, Params{"min": 1})
	}
	queues := map[string]bool{}
	for i := range c.Queues {
		q := &c.Queues[i]
		f := fmt.Sprintf("queues[%d]", i)
		if err := ValidateQueue(f, q); err != nil {
			return err
		}
		if queues[q.Name] {
			return invalid(f+".name", "duplicate queue %q", q.Name).With(CodeDuplicate, Params{"value": q.Name})
		}
		queues[q.Name] = true
	}
	seen := map[string]bool{}
	for i := range c.Agents {
		a := &c.Agents[i]
		f := fmt.Sprintf("agents[%d]", i)
		if err := ValidateAgent(f, a, queues); err != nil {
			return err
		}
		if seen[a.ID] {
			return invalid(f+".id", "duplicate agent %q", a.ID).With(CodeDuplicate, Params{"value": a.ID})
		}
		seen[a.ID] = true
	}
	if s := c.Sim; s != nil {
		if s.Speed < 0 {
			return invalid("sim.speed", "must not be negative, got %v", s.Speed).With(CodeOutOfRange, Params{"min": 0, "value": s.Speed})
		}
		if s.Numbers != "" && s.Numbers != SimNumbersCN {
			return invalid("sim.numbers", "must be %q or empty, got %q", SimNumbersCN, s.Numbers).With(CodeInvalidChoice, Params{"allowed": []string{"", SimNumbersCN}, "value": s.Numbers})
		}
		if err := s.Survey.validate(); err != nil {
			return err
		}
		for i, t := range s.Traffic {
			f := fmt.Sprintf("sim.traffic[%d]", i)
			if !queues[t.Queue] {
				return invalid(f+".queue", "unknown queue %q", t.Queue).With(CodeUnknownRef, Params{"what": "queue", "value": t.Queue})
			}
			if t.CallsPerMinute < 0 {
				return invalid(f+".calls_per_minute", "must not be negative").With(CodeOutOfRange, Params{"min": 0, "value": t.CallsPerMinute})
			}
			if t.PatienceMax < t.PatienceMin {
				return invalid(f+".patience_max", "must be ≥ patience_min").With(CodeOutOfRange, Params{"min": t.PatienceMin.Seconds(), "unit": "s", "value": t.PatienceMax.Seconds()})
			}
			if t.CallbackShare < 0 || t.CallbackShare > 1 {
				return invalid(f+".callback_share", "must be between 0 and 1, got %v", t.CallbackShare).With(CodeOutOfRange, Params{"min": 0, "max": 1, "value": t.CallbackShare})
			}
			if err := checkSimShare(f+".agent_hangup", t.AgentHangup); err != nil {
				return err
			}
			if t.TalkMax < t.TalkMin {
				return invalid(f+".talk_max", "must be ≥ talk_min").With(CodeOutOfRange, Params{"min": t.TalkMin.Seconds(), "unit": "s", "value": t.TalkMax.Seconds()})
			}
		}
	}
	return nil
}

// ParseTrustedProxies reads trusted_proxies: CIDRs, or single addresses (a /32 or /128).
func ParseTrustedProxies(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for i, s := range list {
		s = strings.TrimSpace(s)
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, invalid(fmt.Sprintf("trusted_proxies[%d]", i), "must be a CIDR such as 10.0.0.0/24 or an address, got %q", s).With(CodeInvalidFormat, Params{"format": "cidr", "value": s})
			}
			a = a.Unmap()
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Location is the centre's time zone (time_zone; UTC when unset): its midnights start counter
// days, QA report days, score-sheet days, the team leads' daily draws and sample plans' periods.
func (c *Config) Location() *time.Location {
	if c == nil || c.TimeZone == "" {
		return time.UTC
	}
	if loc, ok := locations.Load(c.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(c.TimeZone) // reads the zoneinfo: once per zone, then cached
	if err != nil {                           // Validate refuses it; never reached for a validated configuration
		return time.UTC
	}
	locations.Store(c.TimeZone, loc)
	return loc
}

var locations sync.Map // zone name → *time.Location

// QueueByName indexes queues.
func (c *Config) QueueByName() map[string]*Queue {
	m := make(map[string]*Queue, len(c.Queues))
	for i := range c.Queues {
		m[c.Queues[i].Name] = &c.Queues[i]
	}
	return m
}

// validate checks the lease's timings: TTL between 1 s and 60 s, renewals at most a third of
// it (two may be lost before the lease expires), a standby's poll at most the TTL.
func (l LeaseConfig) validate(field string) error {
	if l.TTL < time.Second || l.TTL > time.Minute {
		return invalid(field+".ttl", "must be between 1s and 60s, got %s", l.TTL).With(CodeOutOfRange, Params{"min": 1, "max": 60, "unit": "s", "value": l.TTL.Seconds()})
	}
	if l.Renew < 50*time.Millisecond || l.Renew > l.TTL/3 {
		return invalid(field+".renew", "must be between 50ms and a third of acd.lease.ttl (%s), got %s", l.TTL/3, l.Renew).With(CodeOutOfRange, Params{"min": 0.05, "max": (l.TTL / 3).Seconds(), "unit": "s", "value": l.Renew.Seconds()})
	}
	if l.Poll < 50*time.Millisecond || l.Poll > l.TTL {
		return invalid(field+".poll", "must be between 50ms and acd.lease.ttl (%s), got %s", l.TTL, l.Poll).With(CodeOutOfRange, Params{"min": 0.05, "max": l.TTL.Seconds(), "unit": "s", "value": l.Poll.Seconds()})
	}
	return nil
}

func checkSimShare(field string, v float64) error {
	if v < 0 || v > 1 {
		return invalid(field, "must be between 0 and 1, got %v", v).With(CodeOutOfRange, Params{"min": 0, "max": 1, "value": v})
	}
	return nil
}

func (m SimSurveyMix) validate() error {
	for _, x := range []struct {
		field string
		v     float64
	}{{"sim.survey.satisfied", m.Satisfied}, {"sim.survey.neutral", m.Neutral}, {"sim.survey.dissatisfied", m.Dissatisfied}, {"sim.survey.hang_up", m.HangUp}} {
		if err := checkSimShare(x.field, x.v); err != nil {
			return err
		}
	}
	if sum := m.Satisfied + m.Neutral + m.Dissatisfied + m.HangUp; sum > 1+1e-9 {
		return invalid("sim.survey.hang_up", "the shares add up to %v, more than 1", sum).With(CodeOutOfRange, Params{"max": 1, "value": sum})
	}
	return nil
}
