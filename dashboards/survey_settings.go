package dashboards

// The post-call survey's settings page (/surveys/settings, issue 14): each queue's survey
// (queues[].survey, callfloor.Survey) with its timeout in seconds.
//
//	GET /api/v1/surveys/settings          every queue the caller may see, with its survey (null: none)
//	PUT /api/v1/surveys/settings/{queue}  replace one queue's survey (configuration roles; audited)
//
// The queue API (PUT /api/v1/queues/{name}) takes and gives the same SurveyInput, so both say
// the timeout in seconds (timeout_s); "timeout" in nanoseconds, as the queue's stored settings
// have it, is still given and taken for older clients (timeout_s wins when both are sent).

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/callfloor/callfloor"
)

// SurveyInput is a queue's survey as the API takes and gives it.
type SurveyInput struct {
	callfloor.Survey
	// TimeoutS is each question's wait for a key, in seconds (1 to 60).
	TimeoutS *float64 `json:"timeout_s,omitempty"`
}

func surveyInput(s *callfloor.Survey) *SurveyInput {
	if s == nil {
		return nil
	}
	v := s.Timeout.Seconds()
	return &SurveyInput{Survey: *s, TimeoutS: &v}
}

// survey is the queue's survey the input describes (nil for none).
func (in *SurveyInput) survey() *callfloor.Survey {
	if in == nil {
		return nil
	}
	s := in.Survey
	if in.TimeoutS != nil {
		s.Timeout = secs(*in.TimeoutS)
	}
	return &s
}

// SurveySettings is one queue's line on the settings page.
type SurveySettings struct {
	Queue     string       `json:"queue"`
	ProjectID string       `json:"project_id,omitempty"`
	Survey    *SurveyInput `json:"survey"`
}

func (a *API) registerSurveySettings(h func(string, handlerFunc)) {
	h("GET /api/v1/surveys/settings", a.surveySettings)
	h("PUT /api/v1/surveys/settings/{queue}", a.putSurveySettings)
}

func (a *API) surveySettings(w http.ResponseWriter, r *http.Request) (any, error) {
	p := principal(r)
	if !p.CanSeeAll() && p.Role != callfloor.RoleProjectManager {
		return nil, forbidden("the survey's settings are for supervisors and the configuration roles (you are %s)", p.Role)
	}
	pm := a.queueProjects(r.Context())
	out := []SurveySettings{}
	for _, q := range a.ACD.Queues() {
		if !p.CanSeeQueue(q.Name) {
			continue
		}
		out = append(out, SurveySettings{Queue: q.Name, ProjectID: pm[q.Name], Survey: surveyInput(q.Survey)})
	}
	slices.SortFunc(out, func(x, y SurveySettings) int { return strings.Compare(x.Queue, y.Queue) })
	return map[string]any{"queues": out, "default_timeout_s": callfloor.DefaultSurveyTimeout.Seconds(),
		"actions": []string{callfloor.SurveyActionNone, callfloor.SurveyActionTicket, callfloor.SurveyActionQASample}}, nil
}

func (a *API) putSurveySettings(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var in SurveyInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	name := r.PathValue("queue")
	ctx := r.Context()
	a.mu.Lock()
	defer a.mu.Unlock()
	old, ok := a.queueExists(name)
	if !ok {
		return nil, callfloor.NotFound("queue", name, "queue %q not found", name)
	}
	q := old
	q.Survey = in.survey()
	final, err := a.storeQueue(ctx, q, "")
	if err != nil {
		return nil, surveyField(queueField(err))
	}
	a.audit(r, "survey_settings_updated", "queue", name, map[string]any{"before": surveyInput(old.Survey), "after": surveyInput(final.Survey)})
	return SurveySettings{Queue: name, ProjectID: a.queueProjects(ctx)[name], Survey: surveyInput(final.Survey)}, nil
}

// storeQueue validates the configuration with q in it, stores q (in project, unless "") and
// hands the configuration to the ACD; it returns q with its defaults applied. The caller holds
// a.mu.
func (a *API) storeQueue(ctx context.Context, q callfloor.Queue, project string) (callfloor.Queue, error) {
	cfg, err := a.candidate(ctx, func(cfg *callfloor.Config) {
		for i := range cfg.Queues {
			if cfg.Queues[i].Name == q.Name {
				cfg.Queues[i] = q
				return
			}
		}
		cfg.Queues = append(cfg.Queues, q)
	})
	if err != nil {
		return q, err
	}
	final := *cfg.QueueByName()[q.Name]
	if project != "" {
		if err := a.checkProject(ctx, project); err != nil {
			return q, err
		}
	}
	if err := a.DB.PutQueue(ctx, final); err != nil {
		return q, err
	}
	if project != "" {
		if err := a.DB.SetQueueProject(ctx, final.Name, project); err != nil {
			return q, err
		}
	}
	return final, a.ACD.Reconfigure(cfg)
}

// surveyField turns the queue API's "survey.timeout_s" into the settings page's "timeout_s".
func surveyField(err error) error {
	var e *callfloor.Error
	if errors.As(err, &e) {
		if f, ok := strings.CutPrefix(e.Field, "survey."); ok {
			return &callfloor.Error{Code: e.Code, Kind: e.Kind, Params: e.Params, Field: f, Message: f + strings.TrimPrefix(e.Message, e.Field)}
		}
	}
	return err
}
