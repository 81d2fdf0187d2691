package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

const userUsage = `usage: callfloor user <command> [flags]

commands:
  add     -username NAME -role ROLE [-team T] [-agent ID] [-name "Display Name"]
  list
  passwd  -username NAME
  disable -username NAME
  enable  -username NAME
  token   -username NAME -name WHAT   create an API token for the user and print it (once)

every command takes -config FILE (the database_url of callfloor's configuration; $CALLFLOOR_CONFIG)
or -database-url URL; else $CALLFLOOR_DATABASE_URL, else the local default.
passwd and disable also close the user's open live connections (wallboards, desktops) on every
web node at once, through the Redis of the same configuration (redis_url, redis_prefix; no
-config: the embedded demo's; $CALLFLOOR_REDIS_URL overrides). Redis away: a warning, and
the nodes close them at their next 30-second re-check.
Passwords come from $CALLFLOOR_USER_PASSWORD, else one line on standard input.
roles: agent, trainer, team_lead, qa, supervisor, project_manager, operations_manager, admin
`

// defaultDatabaseURL is the PostgreSQL of deploy/dev-services.sh.
const defaultDatabaseURL = "postgres://callfloor@127.0.0.1:5432/postgres?sslmode=disable"

// userStdin is where passwords are read from when $CALLFLOOR_USER_PASSWORD is not set.
var userStdin io.Reader = os.Stdin

// cliActor names the CLI in the audit log.
const cliActor = "cli"

// runUser manages accounts from the command line (the first admin is made here).
func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, userUsage)
		if len(args) == 0 {
			return errors.New("user: a command is required")
		}
		return nil
	}
	sub := args[0]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := fs.String("database-url", "", "PostgreSQL URL (default: -config's database_url, else $CALLFLOOR_DATABASE_URL, else "+defaultDatabaseURL+")")
	path := fs.String("config", os.Getenv("CALLFLOOR_CONFIG"), "callfloor's configuration file: its database_url is used")
	var username, role, team, agent, name, tokenName *string
	switch sub {
	case "add":
		username = fs.String("username", "", "login name")
		role = fs.String("role", "", "agent, trainer, team_lead, qa, supervisor, project_manager, operations_manager or admin")
		team = fs.String("team", "", "team id (created if missing)")
		agent = fs.String("agent", "", "the ACD agent id this user is")
		name = fs.String("name", "", "display name")
	case "passwd", "disable", "enable":
		username = fs.String("username", "", "login name")
	case "token":
		username = fs.String("username", "", "login name")
		tokenName = fs.String("name", "", "what the token is for (shown in the token list)")
	case "list":
	default:
		fmt.Fprint(stderr, userUsage)
		return fmt.Errorf("user: unknown command %q", sub)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("user %s: unexpected argument %q", sub, fs.Arg(0))
	}
	if username != nil && strings.TrimSpace(*username) == "" {
		return fmt.Errorf("user %s: -username is required", sub)
	}
	var r callfloor.Role
	if sub == "add" {
		var err error
		if r, err = callfloor.ParseRole(*role); err != nil {
			return fmt.Errorf("user add: -%w", err)
		}
	}

	var cfg *callfloor.Config
	if *path != "" {
		var err error
		if cfg, err = LoadConfig(*path); err != nil {
			return err
		}
	}
	url := *dbURL
	if url == "" && cfg != nil {
		if url = cfg.DatabaseURL; url == "" {
			return fmt.Errorf("user %s: %s has no database_url (nor is CALLFLOOR_DATABASE_URL set)", sub, *path)
		}
	}
	if url == "" {
		url = envOr("CALLFLOOR_DATABASE_URL", defaultDatabaseURL)
	}
	db, err := storage.Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	detail := map[string]any{}
	if u := os.Getenv("USER"); u != "" {
		detail["os_user"] = u
	}

	switch sub {
	case "list":
		users, err := db.ListUsers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tROLE\tTEAM\tAGENT\tSTATE\tNAME")
		for _, u := range users {
			state := "enabled"
			if u.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.Role, dash(u.TeamID), dash(u.AgentID), state, u.DisplayName)
		}
		return tw.Flush()

	case "add":
		if *team != "" {
			if _, err := db.GetTeam(ctx, *team); callfloor.ErrorCode(err) == callfloor.ENOTFOUND {
				if _, err := db.CreateTeam(ctx, storage.Team{ID: *team}); err != nil {
					return fmt.Errorf("user add: -team: %w", err)
				}
				fmt.Fprintf(stderr, "created team %s\n", *team)
				_ = db.Audit(ctx, storage.AuditEntry{Actor: cliActor, Action: "team_created", TargetType: "team", TargetID: *team, Detail: detail})
			} else if err != nil {
				return err
			}
		}
		pw, err := readPassword(stderr, *username)
		if err != nil {
			return err
		}
		u, err := db.CreateUser(ctx, storage.NewUser{Username: *username, DisplayName: *name, Password: pw, Role: r, TeamID: *team, AgentID: *agent})
		if err != nil {
			return fmt.Errorf("user add: %w", err)
		}
		detail["username"], detail["role"] = u.Username, string(u.Role)
		if u.TeamID != "" {
			detail["team_id"] = u.TeamID
		}
		if u.AgentID != "" {
			detail["agent_id"] = u.AgentID
		}
		if err := db.Audit(ctx, storage.AuditEntry{Actor: cliActor, Action: "user_created", TargetType: "user", TargetID: strconv.FormatInt(u.ID, 10), Detail: detail}); err != nil {
			return fmt.Errorf("user add: audit: %w", err)
		}
		fmt.Fprintf(stdout, "created user %s (id %d, role %s)\n", u.Username, u.ID, u.Role)
		return nil
	}

	u, err := db.GetUserByUsername(ctx, *username)
	if err != nil {
		return fmt.Errorf("user %s: %w", sub, err)
	}
	detail["username"] = u.Username
	var action string
	switch sub {
	case "passwd":
		pw, err := readPassword(stderr, u.Username)
		if err != nil {
			return err
		}
		if err := db.SetPassword(ctx, u.ID, pw); err != nil {
			return fmt.Errorf("user passwd: %w", err)
		}
		action = "password_changed"
		fmt.Fprintf(stdout, "password of %s changed; their sessions are ended\n", u.Username)
		// a new password ends every session: their sockets close too (as PUT /users/{id} does)
		revokeLive(ctx, cfg, realtime.Revocation{UserID: u.ID, Reason: realtime.RevokeSession}, u.Username, stderr)
	case "token":
		if u.Disabled {
			return fmt.Errorf("user token: %s is disabled", u.Username)
		}
		tok, id, err := db.CreateAPIToken(ctx, u.ID, *tokenName)
		if err != nil {
			return fmt.Errorf("user token: -%w", err)
		}
		detail["user_id"], detail["name"] = u.ID, strings.TrimSpace(*tokenName)
		if err := db.Audit(ctx, storage.AuditEntry{Actor: cliActor, Action: "token_created", TargetType: "api_token",
			TargetID: strconv.FormatInt(id, 10), Detail: detail}); err != nil {
			return fmt.Errorf("user token: audit: %w", err)
		}
		fmt.Fprintln(stdout, tok) // alone on its line: TOKEN=$(callfloor user token ...)
		fmt.Fprintf(stderr, "API token %d of %s created; it is shown once (revoke: DELETE /api/v1/tokens/%d)\n", id, u.Username, id)
		return nil
	case "disable", "enable":
		off := sub == "disable"
		if _, err := db.UpdateUser(ctx, u.ID, storage.UserUpdate{Disabled: &off}); err != nil {
			return fmt.Errorf("user %s: %w", sub, err)
		}
		action = "user_" + sub + "d"
		fmt.Fprintf(stdout, "%s %sd\n", u.Username, sub)
		if off { // also when already disabled: a second try after Redis was away
			revokeLive(ctx, cfg, realtime.Revocation{UserID: u.ID, Reason: realtime.RevokeUserDisabled}, u.Username, stderr)
		}
	}
	return db.Audit(ctx, storage.AuditEntry{Actor: cliActor, Action: action, TargetType: "user", TargetID: strconv.FormatInt(u.ID, 10), Detail: detail})
}

// revokeWait bounds the revocation's trip to Redis: the change is made by then, whatever Redis does.
const revokeWait = 3 * time.Second

// revokeLive closes the user's open live connections (wallboards, desktops) on every web node at
// once: it publishes rv on the Redis channel every node's live hub follows, as the API's own
// changes do (realtime.Hub.Revoke). Redis comes from cfg (-config), else the configuration serve
// runs without one (the embedded demo), $CALLFLOOR_REDIS_URL overriding either. The change is
// committed already: Redis not answering is a warning, not a failure, since every node re-checks
// its sockets' credentials every 30 seconds anyway (and drops its cached ones within 5).
func revokeLive(ctx context.Context, cfg *callfloor.Config, rv realtime.Revocation, username string, stderr io.Writer) {
	warn := func(err error) {
		fmt.Fprintf(stderr, "warning: could not tell the live web nodes through Redis (%v): %s's open wallboards and desktops close at the nodes' next 30-second re-check\n", err, username)
	}
	if cfg == nil {
		var err error
		if cfg, err = LoadConfig(""); err != nil {
			warn(err)
			return
		}
	}
	rt, err := realtime.ParseRedisURL(cfg.RedisURL)
	if err != nil {
		warn(errors.New(callfloor.Scrub("redis_url: "+err.Error(), callfloor.SecretsIn(cfg.RedisURL)...)))
		return
	}
	rt.Timeouts(revokeWait, true) // one try: the re-check covers a miss
	rdb := rt.NewClient()
	prefix := rt.KeyPrefix(cfg.Prefix) // as serve does
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(ctx, revokeWait)
	defer cancel()
	if err := realtime.PublishRevocation(ctx, rdb, prefix, rv); err != nil {
		warn(fmt.Errorf("%s: %w", rt, err))
		return
	}
	fmt.Fprintf(stderr, "%s's open wallboards and desktops are being closed on every web node (revocation sent through Redis %s, prefix %q)\n", username, rt, prefix)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// readPassword takes $CALLFLOOR_USER_PASSWORD, else one line from userStdin (prompting on
// stderr). The terminal echoes it: pipe it in or use the variable where that matters.
func readPassword(stderr io.Writer, username string) (string, error) {
	if pw := os.Getenv("CALLFLOOR_USER_PASSWORD"); pw != "" {
		return pw, nil
	}
	fmt.Fprintf(stderr, "password for %s: ", username)
	line, err := bufio.NewReader(userStdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("reading the password from standard input: %w (or set CALLFLOOR_USER_PASSWORD)", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("an empty password: give one on standard input or in CALLFLOOR_USER_PASSWORD")
	}
	return pw, nil
}
