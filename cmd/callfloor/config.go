package main

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/callfloor/callfloor"
	"gopkg.in/yaml.v3"
)

//go:embed demo.yaml
var demoConfig []byte

// LoadConfig reads, defaults and validates a configuration file ("" = the embedded demo).
// Unknown fields and bad values stop start-up with a message naming the field. Secrets come
// from the environment: a node's password_env, CALLFLOOR_REDIS_URL overrides redis_url.
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
	*secrets = append(*secrets, callfloor.SecretsIn(cfg.RedisURL+" "+cfg.DatabaseURL)...)
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
