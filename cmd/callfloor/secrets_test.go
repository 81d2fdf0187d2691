package main

import (
	"context"
	"strings"
	"testing"

	"github.com/callfloor/callfloor/storage"
)

// Configuration errors name the field but never echo a secret: not the ARI password (written in
// the file or read from the environment), not the password of the Redis or PostgreSQL URL.
func TestConfigErrorsNeverEchoSecrets(t *testing.T) {
	const secret = "S3cr3t-Pa55"
	base := `
asterisk: [{name: pbx1, url: "http://127.0.0.1:8088", password: ` + secret + `}]
queues: [{name: sales}]
agents: [{id: "1001", endpoint: PJSIP/1001, skills: {sales: 5}}]
`
	cases := []struct{ name, yaml, env, want string }{
		{"unknown field on the password's line", strings.Replace(base, "password: "+secret, "password: "+secret+", colour: red", 1), "", "colour"},
		{"bad type on the password's line", strings.Replace(base, "password: "+secret, "password: "+secret+", username: [a]", 1), "", "line 2"},
		{"node url with user information", strings.Replace(base, `"http://127.0.0.1:8088"`, `"ftp://callfloor:`+secret+`@pbx:8088"`, 1), "", "asterisk[0].url"},
		{"node url that does not parse", strings.Replace(base, `"http://127.0.0.1:8088"`, `"http://callfloor:`+secret+`@pbx:80%zz"`, 1), "", "asterisk[0].url"},
		{"redis url that does not parse", base + "redis_url: \"redis://:" + secret + "@127.0.0.1:6379/%zz\"\n", "", "redis_url"},
		{"redis url with a wrong scheme", base + "redis_url: \"http://:" + secret + "@127.0.0.1:6379/0\"\n", "", "redis_url"},
		{"redis url from the environment", base, "redis://default:" + secret + "@127.0.0.1:6379/%zz", "redis_url"},
		{"database url that does not parse", base + "database_url: \"postgres://callfloor:" + secret + "@db:54%zz/x\"\n", "", "database_url"},
		{"database url with a wrong scheme", base + "database_url: \"mysql://callfloor:" + secret + "@db/x\"\n", "", "database_url"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.env != "" {
				t.Setenv("CALLFLOOR_REDIS_URL", c.env)
			}
			_, err := ParseConfig([]byte(c.yaml))
			if err == nil {
				t.Fatalf("accepted")
			}
			if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q: want it to name %q and not hold the secret", err, c.want)
			}
		})
	}
	// the password from the environment, in a file with an error on the node's line
	t.Setenv("CALLFLOOR_TEST_ARI_PW", secret)
	_, err := ParseConfig([]byte(strings.Replace(base, "password: "+secret, `password_env: CALLFLOOR_TEST_ARI_PW, url: "http://x:1/%zz"`, 1)))
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("error %v holds the secret from the environment", err)
	}
	// a PostgreSQL URL that parses but that PostgreSQL cannot use: the error holds no password
	_, err = storage.Open(context.Background(), "postgres://callfloor:"+secret+"@127.0.0.1:1/x?sslmode=bogus")
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("storage.Open: %v", err)
	}
}
