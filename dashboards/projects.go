package dashboards

import (
	"net/http"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// Projects (issue 11): a project owns queues and teams and is run by project managers; targets
// are set per project or per queue. Changes need the configure right (admin, operations
// manager) and are audited; reads are for whoever may see the project (a project manager their
// own, those who see the whole floor every one).

func (a *API) registerProjects(h func(pattern string, fn handlerFunc)) {
	h("GET /api/v1/projects", a.listProjects)
	h("POST /api/v1/projects", a.createProject)
	h("GET /api/v1/projects/{id}", a.getProject)
	h("PUT /api/v1/projects/{id}", a.updateProject)
	h("DELETE /api/v1/projects/{id}", a.deleteProject)
	h("GET /api/v1/projects/{id}/targets", a.getProjectTargets)
	h("PUT /api/v1/projects/{id}/targets", a.putProjectTargets)
	h("GET /api/v1/queues/{name}/targets", a.getQueueTargets)
	h("PUT /api/v1/queues/{name}/targets", a.putQueueTargets)
}

func (a *API) listProjects(w http.ResponseWriter, r *http.Request) (any, error) {
	ps, err := a.DB.ListProjects(r.Context())
	if err != nil {
		return nil, err
	}
	p := principal(r)
	out := []storage.ProjectDetail{}
	for _, x := range ps {
		if p.CanSeeProject(x.ID) {
			out = append(out, x)
		}
	}
	return map[string]any{"projects": out}, nil
}

// seeProject refuses a project the caller may not see (404 when it does not exist).
func (a *API) seeProject(r *http.Request, id string) (storage.ProjectDetail, error) {
	d, err := a.DB.GetProject(r.Context(), id)
	if err != nil {
		return d, err
	}
	if p := principal(r); !p.CanSeeProject(id) {
		return d, forbidden("project %q is outside what %s %q may see", id, p.Role, p.Username)
	}
	return d, nil
}

func (a *API) getProject(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.seeProject(r, r.PathValue("id"))
}

// ProjectInput is a project as the API takes it. On update, absent lists are left alone; a
// list given sets what the project owns (queues and teams left out go to the default project)
// or who runs it (user ids of project managers).
type ProjectInput struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Queues   *[]string `json:"queues"`
	Teams    *[]string `json:"teams"`
	Managers *[]int64  `json:"managers"`
}

func (in ProjectInput) members() storage.ProjectMembers {
	return storage.ProjectMembers{Queues: in.Queues, Teams: in.Teams, Managers: in.Managers}
}

func (in ProjectInput) detail() map[string]any {
	d := map[string]any{"name": in.Name}
	if in.Queues != nil {
		d["queues"] = *in.Queues
	}
	if in.Teams != nil {
		d["teams"] = *in.Teams
	}
	if in.Managers != nil {
		d["managers"] = *in.Managers
	}
	return d
}

func (a *API) createProject(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var in ProjectInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	ctx := r.Context()
	a.mu.Lock()
	defer a.mu.Unlock()
	p, err := a.DB.CreateProject(ctx, storage.Project{ID: in.ID, Name: in.Name})
	if err != nil {
		return nil, err
	}
	if err := a.DB.SetProjectMembers(ctx, p.ID, in.members()); err != nil {
		_ = a.DB.DeleteProject(ctx, p.ID) // nothing moved: the transaction was refused whole
		return nil, err
	}
	in.Name = p.Name
	a.audit(r, "project_created", "project", p.ID, in.detail())
	a.targetsChanged()
	d, err := a.DB.GetProject(ctx, p.ID)
	return created{d}, err
}

func (a *API) updateProject(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var in ProjectInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if in.ID != "" && in.ID != id {
		return nil, invalid("id", "a project's id cannot change").With(callfloor.CodeNotAllowed, callfloor.Params{"value": in.ID})
	}
	ctx := r.Context()
	a.mu.Lock()
	defer a.mu.Unlock()
	if in.Name != "" {
		if _, err := a.DB.RenameProject(ctx, id, in.Name); err != nil {
			return nil, err
		}
	} else if _, err := a.DB.GetProject(ctx, id); err != nil {
		return nil, err
	}
	if err := a.DB.SetProjectMembers(ctx, id, in.members()); err != nil {
		return nil, err
	}
	a.audit(r, "project_updated", "project", id, in.detail())
	a.targetsChanged()
	return a.DB.GetProject(ctx, id)
}

func (a *API) deleteProject(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if id == storage.DefaultProject {
		return nil, &callfloor.Error{Code: callfloor.CodeInUse, Params: callfloor.Params{"what": "project", "value": id}, Message: "the default project cannot be deleted: new queues and teams go to it"}
	}
	if err := a.DB.DeleteProject(r.Context(), id); err != nil {
		return nil, err
	}
	a.audit(r, "project_deleted", "project", id, nil)
	return map[string]any{"deleted": id}, nil
}

func (a *API) getProjectTargets(w http.ResponseWriter, r *http.Request) (any, error) {
	id := r.PathValue("id")
	if _, err := a.seeProject(r, id); err != nil {
		return nil, err
	}
	return a.DB.GetTargets(r.Context(), storage.TargetProject, id)
}

func (a *API) putProjectTargets(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.putTargets(r, storage.TargetProject, r.PathValue("id"))
}

func (a *API) getQueueTargets(w http.ResponseWriter, r *http.Request) (any, error) {
	name := r.PathValue("name")
	if p := principal(r); !p.CanSeeQueue(name) {
		return nil, forbidden("queue %q is outside what %s %q may see", name, p.Role, p.Username)
	}
	return a.DB.GetTargets(r.Context(), storage.TargetQueue, name)
}

func (a *API) putQueueTargets(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.putTargets(r, storage.TargetQueue, r.PathValue("name"))
}

// putTargets replaces every target of the scope (absent or null fields clear theirs).
func (a *API) putTargets(r *http.Request, kind, id string) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var t storage.Targets
	if err := decode(r, &t); err != nil {
		return nil, err
	}
	ctx := r.Context()
	before, err := a.DB.GetTargets(ctx, kind, id)
	if err != nil {
		return nil, err
	}
	out, err := a.DB.PutTargets(ctx, kind, id, t)
	if err != nil {
		return nil, err
	}
	a.audit(r, "targets_updated", kind, id, map[string]any{"before": before, "after": out})
	a.targetsChanged()
	return out, nil
}

// targetsChanged tells the live views that targets, or which project owns a queue, changed.
func (a *API) targetsChanged() {
	if a.OnTargets != nil {
		a.OnTargets()
	}
}
