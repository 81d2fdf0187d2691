package storage

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/callfloor/callfloor"
)

// DefaultProject is the project that owns queues and teams nobody put elsewhere (migration
// 00016): new queues and teams go to it unless told otherwise.
const DefaultProject = "default"

// Project is a client's programme: it owns queues and teams; project managers run it.
type Project struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ProjectManager is a project manager of a project, as a project lists them.
type ProjectManager struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
}

// ProjectDetail is a project with what it owns, who runs it and its targets.
type ProjectDetail struct {
	Project
	Queues   []string         `json:"queues"`
	Teams    []string         `json:"teams"`
	Managers []ProjectManager `json:"managers"`
	Targets  Targets          `json:"targets"`
}

var projectIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func projectNotFound(id string) error {
	return callfloor.NotFound("project", id, "project %q not found", id)
}

func checkProjectName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", userInvalid("name", "required").With(callfloor.CodeRequired, nil)
	}
	if err := callfloor.ValidateLabel("name", name); err != nil {
		return "", err
	}
	return name, nil
}

// CreateProject adds a project (Name defaults to the id); an id in use is ECONFLICT.
func (db *DB) CreateProject(ctx context.Context, p Project) (Project, error) {
	if !projectIDRE.MatchString(p.ID) {
		return Project{}, userInvalid("id", "1 to 64 letters, digits or . _ -, starting with a letter or digit").With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "identifier", "max": 64})
	}
	if strings.TrimSpace(p.Name) == "" {
		p.Name = p.ID
	}
	name, err := checkProjectName(p.Name)
	if err != nil {
		return Project{}, err
	}
	err = db.Pool.QueryRow(ctx, `INSERT INTO projects (id, name) VALUES ($1, $2) RETURNING id, name, created_at, updated_at`, p.ID, name).
		Scan(&p.ID, &p.Name, &p.CreatedAt, &p.UpdatedAt)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return Project{}, callfloor.AlreadyExists("id", "project", p.ID, "id: project %q exists", p.ID)
	}
	return p, err
}

// RenameProject changes the project's name.
func (db *DB) RenameProject(ctx context.Context, id, name string) (Project, error) {
	name, err := checkProjectName(name)
	if err != nil {
		return Project{}, err
	}
	var p Project
	err = db.Pool.QueryRow(ctx, `UPDATE projects SET name = $2, updated_at = now() WHERE id = $1 RETURNING id, name, created_at, updated_at`, id, name).
		Scan(&p.ID, &p.Name, &p.CreatedAt, &p.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Project{}, projectNotFound(id)
	}
	return p, err
}

// DeleteProject removes a project that owns no queue and no team (ECONFLICT in_use naming how
// many it still owns); its managers lose it, its targets go.
func (db *DB) DeleteProject(ctx context.Context, id string) error {
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var exists bool
		var queues, teams int
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projects WHERE id = $1 FOR UPDATE),
			(SELECT count(*) FROM queues WHERE project_id = $1), (SELECT count(*) FROM teams WHERE project_id = $1)`, id).Scan(&exists, &queues, &teams)
		if err != nil {
			return err
		}
		if !exists {
			return projectNotFound(id)
		}
		if queues > 0 || teams > 0 {
			return &callfloor.Error{Code: callfloor.CodeInUse, Params: callfloor.Params{"what": "project", "value": id, "queues": queues, "teams": teams},
				Message: fmt.Sprintf("project %q still owns %d queue(s) and %d team(s): move them to another project first", id, queues, teams)}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM targets WHERE scope_kind = 'project' AND scope_id = $1`, id); err != nil {
			return err
		}
		// its project managers' principals change: mark them changed for the credential caches
		if _, err := tx.Exec(ctx, `UPDATE users SET updated_at = now() WHERE id IN (SELECT user_id FROM user_projects WHERE project_id = $1)`, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM projects WHERE id = $1`, id)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23503" {
			return &callfloor.Error{Code: callfloor.CodeInUse, Params: callfloor.Params{"what": "project", "value": id}, Message: fmt.Sprintf("project %q still owns queues or teams", id)}
		}
		return err
	})
}

// ListProjects returns every project with what it owns, ordered by id.
func (db *DB) ListProjects(ctx context.Context) ([]ProjectDetail, error) {
	return db.projects(ctx, "")
}

// GetProject returns one project with what it owns; ENOTFOUND if there is none.
func (db *DB) GetProject(ctx context.Context, id string) (ProjectDetail, error) {
	ps, err := db.projects(ctx, id)
	if err != nil {
		return ProjectDetail{}, err
	}
	if len(ps) == 0 {
		return ProjectDetail{}, projectNotFound(id)
	}
	return ps[0], nil
}

func (db *DB) projects(ctx context.Context, only string) ([]ProjectDetail, error) {
	rows, err := db.Pool.Query(ctx, `SELECT p.id, p.name, p.created_at, p.updated_at,
		coalesce((SELECT array_agg(q.name ORDER BY q.name) FROM queues q WHERE q.project_id = p.id), '{}'),
		coalesce((SELECT array_agg(t.id ORDER BY t.id) FROM teams t WHERE t.project_id = p.id), '{}'),
		`+targetCols("tg")+`
		FROM projects p LEFT JOIN targets tg ON tg.scope_kind = 'project' AND tg.scope_id = p.id
		WHERE $1 = '' OR p.id = $1 ORDER BY p.id`, only)
	if err != nil {
		return nil, err
	}
	out := []ProjectDetail{}
	byID := map[string]int{}
	for rows.Next() {
		var d ProjectDetail
		dest := append([]any{&d.ID, &d.Name, &d.CreatedAt, &d.UpdatedAt, &d.Queues, &d.Teams}, d.Targets.dest()...)
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, err
		}
		d.Managers = []ProjectManager{}
		d.Targets = d.Targets.rounded()
		byID[d.ID] = len(out)
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	mrows, err := db.Pool.Query(ctx, `SELECT up.project_id, u.id, u.username, u.display_name FROM user_projects up
		JOIN users u ON u.id = up.user_id WHERE u.role = 'project_manager' AND ($1 = '' OR up.project_id = $1) ORDER BY lower(u.username)`, only)
	if err != nil {
		return nil, err
	}
	defer mrows.Close()
	for mrows.Next() {
		var pid string
		var m ProjectManager
		if err := mrows.Scan(&pid, &m.ID, &m.Username, &m.DisplayName); err != nil {
			return nil, err
		}
		if i, ok := byID[pid]; ok {
			out[i].Managers = append(out[i].Managers, m)
		}
	}
	return out, mrows.Err()
}

// projectChanged marks the project managers of the projects as changed (their principal's
// teams and queues moved), so that cached copies of their principals are dropped.
func projectChanged(ctx context.Context, ex execer, projects ...string) error {
	_, err := ex.Exec(ctx, `UPDATE users SET updated_at = now() WHERE role = 'project_manager'
		AND id IN (SELECT user_id FROM user_projects WHERE project_id = ANY($1))`, projects)
	return err
}

func unknownProject(id string) error {
	return userInvalid("project_id", "no project %q", id).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "project", "value": id})
}

// SetTeamProject moves the team into the project. ENOTFOUND for an unknown team; an unknown
// project is EINVALID on "project_id".
func (db *DB) SetTeamProject(ctx context.Context, team, project string) error {
	return db.setProject(ctx, "teams", "id", "team", team, project)
}

// SetQueueProject moves the queue into the project (the queue's settings are unchanged).
func (db *DB) SetQueueProject(ctx context.Context, queue, project string) error {
	return db.setProject(ctx, "queues", "name", "queue", queue, project)
}

func (db *DB) setProject(ctx context.Context, table, key, what, id, project string) error {
	if project == "" {
		project = DefaultProject
	}
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var before string
		err := tx.QueryRow(ctx, `SELECT project_id FROM `+table+` WHERE `+key+` = $1 FOR UPDATE`, id).Scan(&before)
		if errors.Is(err, pgx.ErrNoRows) {
			return callfloor.NotFound(what, id, "%s %q not found", what, id)
		}
		if err != nil {
			return err
		}
		if before == project {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE `+table+` SET project_id = $2 WHERE `+key+` = $1`, id, project)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23503" {
			return unknownProject(project)
		}
		if err != nil {
			return err
		}
		return projectChanged(ctx, tx, before, project)
	})
}

// TeamProjects maps every team to its project; QueueProjects every queue.
func (db *DB) TeamProjects(ctx context.Context) (map[string]string, error) {
	return db.projectMap(ctx, `SELECT id, project_id FROM teams`)
}

// QueueProjects maps every queue to its project.
func (db *DB) QueueProjects(ctx context.Context) (map[string]string, error) {
	return db.projectMap(ctx, `SELECT name, project_id FROM queues`)
}

func (db *DB) projectMap(ctx context.Context, q string) (map[string]string, error) {
	rows, err := db.Pool.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// Targets are what a project's or a queue's figures are shown against; nil: no target.
// ServiceLevel and ConnectRate and the occupancy band are fractions (0.8 = 80 %).
type Targets struct {
	ServiceLevel     *float64 `json:"service_level"`
	AHTS             *float64 `json:"aht_s"`
	ConnectRate      *float64 `json:"connect_rate"`
	OccupancyMin     *float64 `json:"occupancy_min"`
	OccupancyMax     *float64 `json:"occupancy_max"`
	DailyDials       *int64   `json:"daily_dials"`
	DailyTalkMinutes *int64   `json:"daily_talk_minutes"`
}

// Empty reports whether no target is set.
func (t Targets) Empty() bool {
	return t.ServiceLevel == nil && t.AHTS == nil && t.ConnectRate == nil && t.OccupancyMin == nil &&
		t.OccupancyMax == nil && t.DailyDials == nil && t.DailyTalkMinutes == nil
}

func targetCols(alias string) string {
	c := []string{"service_level", "aht_s", "connect_rate", "occupancy_min", "occupancy_max", "daily_dials", "daily_talk_minutes"}
	for i := range c {
		c[i] = alias + "." + c[i]
		if i < 5 {
			c[i] += "::float8"
		} else {
			c[i] += "::int8"
		}
	}
	return strings.Join(c, ", ")
}

func (t *Targets) dest() []any {
	return []any{&t.ServiceLevel, &t.AHTS, &t.ConnectRate, &t.OccupancyMin, &t.OccupancyMax, &t.DailyDials, &t.DailyTalkMinutes}
}

// round4 reads a value stored as PostgreSQL's real (0.8 comes back 0.800000011920929) as it
// was written, to six decimals.
func round6(p *float64) *float64 {
	if p == nil {
		return nil
	}
	v := math.Round(*p*1e6) / 1e6
	return &v
}

func (t Targets) rounded() Targets {
	t.ServiceLevel, t.AHTS, t.ConnectRate, t.OccupancyMin, t.OccupancyMax = round6(t.ServiceLevel), round6(t.AHTS), round6(t.ConnectRate), round6(t.OccupancyMin), round6(t.OccupancyMax)
	return t
}

// Validate checks the targets as the table's CHECKs do, naming the field: fractions between 0
// and 1, an AHT above 0 (at most a day), counts not negative, occupancy_min ≤ occupancy_max.
func (t Targets) Validate() error {
	frac := map[string]*float64{"service_level": t.ServiceLevel, "connect_rate": t.ConnectRate, "occupancy_min": t.OccupancyMin, "occupancy_max": t.OccupancyMax}
	for _, f := range []string{"service_level", "connect_rate", "occupancy_min", "occupancy_max"} {
		if v := frac[f]; v != nil && (math.IsNaN(*v) || *v < 0 || *v > 1) {
			return userInvalid(f, "must be a fraction between 0 and 1 (0.8 = 80 %%), got %v", *v).With(callfloor.CodeOutOfRange, callfloor.Params{"min": 0, "max": 1, "value": *v})
		}
	}
	if v := t.AHTS; v != nil && (math.IsNaN(*v) || *v <= 0 || *v > 86400) {
		return userInvalid("aht_s", "must be more than 0 and at most 86400 seconds, got %v", *v).With(callfloor.CodeOutOfRange, callfloor.Params{"min": 0, "max": 86400, "unit": "s", "value": *v})
	}
	for f, v := range map[string]*int64{"daily_dials": t.DailyDials, "daily_talk_minutes": t.DailyTalkMinutes} {
		if v != nil && (*v < 0 || *v > math.MaxInt32) {
			return userInvalid(f, "must be between 0 and %d, got %d", math.MaxInt32, *v).With(callfloor.CodeOutOfRange, callfloor.Params{"min": 0, "max": math.MaxInt32, "value": *v})
		}
	}
	if t.OccupancyMin != nil && t.OccupancyMax != nil && *t.OccupancyMin > *t.OccupancyMax {
		return userInvalid("occupancy_min", "must not be above occupancy_max (%v > %v)", *t.OccupancyMin, *t.OccupancyMax).With(callfloor.CodeMustBeBelow, callfloor.Params{"other": "occupancy_max", "limit": *t.OccupancyMax})
	}
	return nil
}

// Target scopes.
const (
	TargetProject = "project"
	TargetQueue   = "queue"
)

// GetTargets returns the targets of a project or a queue (all nil when none are set); an
// unknown project or queue is ENOTFOUND.
func (db *DB) GetTargets(ctx context.Context, kind, id string) (Targets, error) {
	if err := db.targetScopeExists(ctx, db.Pool, kind, id); err != nil {
		return Targets{}, err
	}
	var t Targets
	err := db.Pool.QueryRow(ctx, `SELECT `+targetCols("tg")+` FROM targets tg WHERE scope_kind = $1 AND scope_id = $2`, kind, id).Scan(t.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return Targets{}, nil
	}
	return t.rounded(), err
}

type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func (db *DB) targetScopeExists(ctx context.Context, q queryRower, kind, id string) error {
	var sql string
	switch kind {
	case TargetProject:
		sql = `SELECT EXISTS (SELECT 1 FROM projects WHERE id = $1)`
	case TargetQueue:
		sql = `SELECT EXISTS (SELECT 1 FROM queues WHERE name = $1)`
	default:
		return userInvalid("scope_kind", "must be project or queue").With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{TargetProject, TargetQueue}, "value": kind})
	}
	var ok bool
	if err := q.QueryRow(ctx, sql, id).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return callfloor.NotFound(kind, id, "%s %q not found", kind, id)
	}
	return nil
}

// PutTargets replaces the targets of a project or a queue (every field; nil clears it). All
// nil removes the row.
func (db *DB) PutTargets(ctx context.Context, kind, id string, t Targets) (Targets, error) {
	if err := t.Validate(); err != nil {
		return Targets{}, err
	}
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if err := db.targetScopeExists(ctx, tx, kind, id); err != nil {
			return err
		}
		if t.Empty() {
			_, err := tx.Exec(ctx, `DELETE FROM targets WHERE scope_kind = $1 AND scope_id = $2`, kind, id)
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO targets (scope_kind, scope_id, service_level, aht_s, connect_rate, occupancy_min, occupancy_max, daily_dials, daily_talk_minutes)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (scope_kind, scope_id) DO UPDATE SET service_level = EXCLUDED.service_level, aht_s = EXCLUDED.aht_s,
			connect_rate = EXCLUDED.connect_rate, occupancy_min = EXCLUDED.occupancy_min, occupancy_max = EXCLUDED.occupancy_max,
			daily_dials = EXCLUDED.daily_dials, daily_talk_minutes = EXCLUDED.daily_talk_minutes, updated_at = now()`,
			kind, id, t.ServiceLevel, t.AHTS, t.ConnectRate, t.OccupancyMin, t.OccupancyMax, t.DailyDials, t.DailyTalkMinutes)
		return err
	})
	if err != nil {
		return Targets{}, err
	}
	return t.rounded(), nil
}

// QueueTargets returns every queue's effective targets: the queue's own, else its project's,
// figure by figure. Queues with neither are absent.
func (db *DB) QueueTargets(ctx context.Context) (map[string]Targets, error) {
	rows, err := db.Pool.Query(ctx, `SELECT q.name,
		coalesce(qt.service_level, pt.service_level)::float8, coalesce(qt.aht_s, pt.aht_s)::float8,
		coalesce(qt.connect_rate, pt.connect_rate)::float8, coalesce(qt.occupancy_min, pt.occupancy_min)::float8,
		coalesce(qt.occupancy_max, pt.occupancy_max)::float8, coalesce(qt.daily_dials, pt.daily_dials)::int8,
		coalesce(qt.daily_talk_minutes, pt.daily_talk_minutes)::int8
		FROM queues q
		LEFT JOIN targets qt ON qt.scope_kind = 'queue' AND qt.scope_id = q.name
		LEFT JOIN targets pt ON pt.scope_kind = 'project' AND pt.scope_id = q.project_id
		WHERE qt.scope_id IS NOT NULL OR pt.scope_id IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]Targets{}
	for rows.Next() {
		var name string
		var t Targets
		if err := rows.Scan(append([]any{&name}, t.dest()...)...); err != nil {
			return nil, err
		}
		out[name] = t.rounded()
	}
	return out, rows.Err()
}

// ProjectMembers are what SetProjectMembers changes; a nil list is left alone.
type ProjectMembers struct {
	Queues   *[]string // the queues the project owns: others it owned go to "default"
	Teams    *[]string // the teams it owns: likewise
	Managers *[]int64  // the project managers who run it: others lose it
}

// SetProjectMembers sets what the project owns and who runs it, in one transaction. An unknown
// queue, team or user is EINVALID naming the list; a user who is not a project manager too. A
// queue or team taken out of the default project stays there (it must belong somewhere).
func (db *DB) SetProjectMembers(ctx context.Context, id string, m ProjectMembers) error {
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projects WHERE id = $1 FOR UPDATE)`, id).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return projectNotFound(id)
		}
		touched := []string{id}
		move := func(field, table, key, what string, list *[]string) error {
			if list == nil {
				return nil
			}
			want := *list
			if err := noDuplicates(field, want); err != nil {
				return err
			}
			var missing string
			if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT x FROM unnest($1::text[]) x WHERE x NOT IN (SELECT `+key+` FROM `+table+`) LIMIT 1), '')`, want).Scan(&missing); err != nil {
				return err
			}
			if missing != "" {
				return userInvalid(field, "no %s %q", what, missing).With(callfloor.CodeUnknownRef, callfloor.Params{"what": what, "value": missing})
			}
			rows, err := tx.Query(ctx, `SELECT DISTINCT project_id FROM `+table+` WHERE `+key+` = ANY($1) AND project_id <> $2`, want, id)
			if err != nil {
				return err
			}
			from, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			touched = append(touched, from...)
			if _, err := tx.Exec(ctx, `UPDATE `+table+` SET project_id = $2 WHERE `+key+` = ANY($1) AND project_id <> $2`, want, id); err != nil {
				return err
			}
			if id != DefaultProject {
				if _, err := tx.Exec(ctx, `UPDATE `+table+` SET project_id = $2 WHERE project_id = $1 AND NOT (`+key+` = ANY($3))`, id, DefaultProject, want); err != nil {
					return err
				}
				touched = append(touched, DefaultProject)
			}
			return nil
		}
		if err := move("queues", "queues", "name", "queue", m.Queues); err != nil {
			return err
		}
		if err := move("teams", "teams", "id", "team", m.Teams); err != nil {
			return err
		}
		if m.Managers != nil {
			ids := *m.Managers
			var bad int64
			var badRole string
			err := tx.QueryRow(ctx, `SELECT coalesce(x, 0), coalesce(u.role, '') FROM unnest($1::int8[]) x LEFT JOIN users u ON u.id = x
				WHERE u.id IS NULL OR u.role <> 'project_manager' LIMIT 1`, ids).Scan(&bad, &badRole)
			if err == nil {
				if badRole == "" {
					return userInvalid("managers", "no user %d", bad).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "user", "value": bad})
				}
				return userInvalid("managers", "user %d is a %s, not a project manager", bad, badRole).With(callfloor.CodeNotAllowed, callfloor.Params{"value": bad, "role": badRole})
			} else if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE users SET updated_at = now() WHERE id IN (SELECT user_id FROM user_projects WHERE project_id = $1) OR id = ANY($2)`, id, ids); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM user_projects WHERE project_id = $1 AND NOT (user_id = ANY($2))`, id, ids); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO user_projects (user_id, project_id) SELECT unnest($2::int8[]), $1 ON CONFLICT DO NOTHING`, id, ids); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE projects SET updated_at = now() WHERE id = $1`, id); err != nil {
			return err
		}
		return projectChanged(ctx, tx, touched...)
	})
}

func noDuplicates(field string, xs []string) error {
	seen := map[string]bool{}
	for _, x := range xs {
		if seen[x] {
			return userInvalid(field, "%q is listed twice", x).With(callfloor.CodeDuplicate, callfloor.Params{"value": x})
		}
		seen[x] = true
	}
	return nil
}
