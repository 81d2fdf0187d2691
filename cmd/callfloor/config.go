package main

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
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

// ParseConfig decodes and validates configuration text.
func ParseConfig(data []byte) (*callfloor.Config, error) {
	var cfg callfloor.Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if v := os.Getenv("CALLFLOOR_REDIS_URL"); v != "" {
		cfg.RedisURL = v
	}
	for i := range cfg.Asterisk {
		n := &cfg.Asterisk[i]
		if n.PasswordEnv != "" {
			v, ok := os.LookupEnv(n.PasswordEnv)
			if !ok {
				return nil, fmt.Errorf("config: asterisk[%d].password_env: environment variable %s is not set", i, n.PasswordEnv)
			}
			n.Password = v
		}
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return &cfg, nil
}
