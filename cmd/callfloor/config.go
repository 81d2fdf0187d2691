package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
	"gopkg.in/yaml.v3"
)

//go:embed demo.yaml
var demoConfig []byte

// LoadConfig reads, defaults and validates a configuration file ("" = the embedded demo).
// Unknown fields and bad values stop start-up with a message naming the field. Secrets come
// from the environment: a node's password_env, CALLFLOOR_REDIS_URL overrides redis_url
// (CALLFLOOR_DATABASE_URL database_url, CALLFLOOR_DATA_DIR data_dir).
func LoadConfig(path string) (*callfloor.Config, error) {
	data := demoConfig
	name := "embedded demo configuration"
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		data, name = b, path
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return cfg, nil
}

var lineRE = regexp.MustCompile(`line (\d+)`)

// withLines quotes the source line after each "line N" of a YAML error, so the message shows the
// field as written ("line 3: cannot unmarshal ... (ring_timeout: soon)").
func withLines(msg string, data []byte) string {
	lines := strings.Split(string(data), "\n")
	return lineRE.ReplaceAllStringFunc(msg, func(m string) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(m, "line "))
		if n < 1 || n > len(lines) {
			return m
		}
		l := strings.TrimSpace(lines[n-1])
		if len(l) > 120 {
			l = l[:120] + "…"
		}
		return fmt.Sprintf("%s (%s)", m, l)
	})
}

// ParseConfig decodes and validates configuration text. Its errors never hold a secret: the
// passwords written in the text, read from the environment or held in a URL are scrubbed.
func ParseConfig(data []byte) (*callfloor.Config, error) {
	secrets := callfloor.SecretsIn(string(data))
	cfg, err := parseConfig(data, &secrets)
	if err != nil {
		return nil, errors.New(callfloor.Scrub(err.Error(), secrets...))
	}
	return cfg, nil
}

func parseConfig(data []byte, secrets *[]string) (*callfloor.Config, error) {
	var cfg callfloor.Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config: %s", withLines(strings.TrimPrefix(err.Error(), "yaml: "), data))
	}
	if v := os.Getenv("CALLFLOOR_REDIS_URL"); v != "" {
		cfg.RedisURL = v
	}
	if v := os.Getenv("CALLFLOOR_DATABASE_URL"); v != "" {
		cfg.DatabaseURL = v
	}
	if v := os.Getenv("CALLFLOOR_REPORTS_DATABASE_URL"); v != "" {
		cfg.ReportsDatabaseURL = v
	}
	if v := os.Getenv("CALLFLOOR_DATA_DIR"); v != "" {
		cfg.DataDir = v
	}
	*secrets = append(*secrets, callfloor.SecretsIn(cfg.RedisURL+" "+cfg.DatabaseURL+" "+cfg.ReportsDatabaseURL)...)
	for i := range cfg.Asterisk {
		n := &cfg.Asterisk[i]
		*secrets = append(*secrets, callfloor.SecretsIn(n.URL)...)
		if n.PasswordEnv != "" {
			v, ok := os.LookupEnv(n.PasswordEnv)
			if !ok {
				return nil, fmt.Errorf("config: asterisk[%d].password_env: environment variable %s is not set", i, n.PasswordEnv)
			}
			n.Password = v
		}
		*secrets = append(*secrets, n.Password)
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return &cfg, nil
}

// CheckServe is what serve requires of a loaded configuration beyond its validation: serve and
// check-config both call it, so check-config never passes a file serve then refuses.
func CheckServe(cfg *callfloor.Config) error {
	if cfg.DatabaseURL == "" {
		return fmt.Errorf("config: database_url: required (PostgreSQL for history, users and audit; or CALLFLOOR_DATABASE_URL)")
	}
	if _, err := realtime.ParseRedisURL(cfg.RedisURL); err != nil {
		return fmt.Errorf("config: redis_url: %s", callfloor.Scrub(err.Error(), callfloor.SecretsIn(cfg.RedisURL)...))
	}
	return nil
}

// probe tries what serve will reach — Redis, PostgreSQL and its schema, each Asterisk node's
// ARI — and describes each problem found (check-config prints them as warnings: the file is
// right, the surroundings are not ready yet).
func probe(ctx context.Context, cfg *callfloor.Config) []string {
	var warn []string
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if rt, err := realtime.ParseRedisURL(cfg.RedisURL); err != nil {
		warn = append(warn, "redis_url: "+callfloor.Scrub(err.Error(), callfloor.SecretsIn(cfg.RedisURL)...))
	} else {
		rdb := rt.NewClient()
		pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
		if err := rdb.Ping(pctx).Err(); err != nil {
			warn = append(warn, fmt.Sprintf("redis at %s does not answer: %v", rt, err))
		}
		pcancel()
		rdb.Close()
	}
	if db, err := storage.Open(ctx, cfg.DatabaseURL); err != nil {
		warn = append(warn, callfloor.Scrub(err.Error(), callfloor.SecretsIn(cfg.DatabaseURL)...))
	} else {
		if err := db.CheckMigrated(ctx); err != nil {
			warn = append(warn, err.Error()+" (run callfloor migrate)")
		}
		db.Close()
	}
	if cfg.ReportsDatabaseURL != "" {
		if db, err := storage.OpenReports(ctx, cfg.ReportsDatabaseURL); err != nil {
			warn = append(warn, "reports_database_url: "+callfloor.Scrub(err.Error(), callfloor.SecretsIn(cfg.ReportsDatabaseURL)...))
		} else {
			if err := db.CheckMigrated(ctx); err != nil {
				warn = append(warn, "reports_database_url: "+err.Error()+" (is it a replica of database_url?)")
			}
			db.Close()
		}
	}
	for i, n := range cfg.Asterisk {
		if err := probeARI(ctx, n); err != nil {
			warn = append(warn, fmt.Sprintf("asterisk[%d] (%s): %s", i, n.Name, callfloor.Scrub(err.Error(), n.Password)))
		}
	}
	return warn
}

// probeARI asks a node for GET /ari/asterisk/info with callfloor's credentials.
func probeARI(ctx context.Context, n callfloor.Node) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(n.URL, "/")+"/ari/asterisk/info", nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(n.Username, n.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("ARI at %s does not answer: %v", n.URL, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("ARI at %s refuses user %q: the password is not the one in ari.conf", n.URL, n.Username)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("ARI at %s answers %s to /ari/asterisk/info", n.URL, resp.Status)
	}
	return nil
}
