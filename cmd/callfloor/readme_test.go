package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
)

const asteriskReadme = "../../deploy/asterisk/README.md"

// fence is one fenced block of a Markdown file: its language and its text.
type fence struct{ lang, text string }

func fences(t *testing.T, path string) []fence {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []fence
	for _, m := range regexp.MustCompile("(?ms)^```([a-z]*)\n(.*?)^```$").FindAllStringSubmatch(string(b), -1) {
		out = append(out, fence{m[1], m[2]})
	}
	return out
}

// callfloorCommand returns the callfloor command of a shell line ("callfloor migrate ...",
// "TOKEN=$(callfloor user token ...)", "sudo callfloor ..."), or "".
func callfloorCommand(line string) (cmd, assignTo string) {
	line = strings.TrimSpace(line)
	if m := regexp.MustCompile(`^([A-Z_]+)=\$\((.*)\)$`).FindStringSubmatch(line); m != nil {
		assignTo, line = m[1], m[2]
	}
	line = strings.TrimPrefix(line, "sudo ")
	if strings.HasPrefix(line, "callfloor ") {
		return line, assignTo
	}
	return "", ""
}

// words splits a command line on blanks, honouring single and double quotes (no expansions:
// the README's callfloor commands use none).
func words(t *testing.T, line string) []string {
	t.Helper()
	var out []string
	var cur strings.Builder
	in, quoted := byte(0), false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case in != 0 && c == in:
			in = 0
		case in != 0:
			cur.WriteByte(c)
		case c == '\'' || c == '"':
			in, quoted = c, true
		case c == ' ' || c == '\t':
			if cur.Len() > 0 || quoted {
				out = append(out, cur.String())
				cur.Reset()
				quoted = false
			}
		case c == '$' || c == '`' || c == '|' || c == ';' || c == '&' || c == '>' || c == '<':
			t.Fatalf("README command %q uses shell syntax the test does not run: keep callfloor commands plain", line)
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 || quoted {
		out = append(out, cur.String())
	}
	return out
}

// syncBuf is a bytes.Buffer safe to read while serve writes to it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// Every callfloor command of deploy/asterisk/README.md runs as written, in order, against the
// test PostgreSQL and Redis, with the README's configuration file (its paths under /etc/callfloor
// moved to a temporary folder, its database and Redis URLs pointed at the test services, its
// listen address at a free port); the token `user token` prints authenticates against the
// `serve` it started. The other shell lines are checked for syntax (bash -n), and what they
// rely on in this folder exists: the files they install, the ari.conf line the sed rewrites,
// the dialplan contexts they name.
func TestAsteriskReadmeCommandsRun(t *testing.T) {
	oldCost, oldStdin := storage.BcryptCost, userStdin
	storage.BcryptCost = bcrypt.MinCost
	t.Cleanup(func() { storage.BcryptCost, userStdin = oldCost, oldStdin })
	dbURL := testenv.Postgres(t)
	_, prefix := testenv.Redis(t)
	dir := t.TempDir()
	t.Setenv("CALLFLOOR_DATABASE_URL", "") // the file's database_url, not an override, must be used
	t.Setenv("CALLFLOOR_REDIS_URL", "")
	t.Setenv("CALLFLOOR_DATA_DIR", "") // the file's data_dir
	t.Setenv("CALLFLOOR_CONFIG", "")
	t.Setenv("CALLFLOOR_ARI_PASSWORD", "readme-test-password")
	t.Setenv("CALLFLOOR_USER_PASSWORD", "readme admin password")

	blocks := fences(t, asteriskReadme)
	var cfgText string
	for _, f := range blocks {
		if f.lang == "yaml" && strings.Contains(f.text, "asterisk:") {
			cfgText = f.text
		}
	}
	if cfgText == "" {
		t.Fatal("the README has no configuration file (a yaml block with asterisk:)")
	}
	for _, key := range []string{"listen", "redis_url", "database_url"} {
		if !regexp.MustCompile(`(?m)^` + key + `: `).MatchString(cfgText) {
			t.Fatalf("the README's configuration has no %s", key)
		}
	}
	cfgText = regexp.MustCompile(`(?m)^listen: .*$`).ReplaceAllString(cfgText, "listen: 127.0.0.1:0")
	cfgText = regexp.MustCompile(`(?m)^redis_url: .*$`).ReplaceAllString(cfgText, "redis_url: "+testenv.RedisURL())
	cfgText = regexp.MustCompile(`(?m)^database_url: .*$`).ReplaceAllString(cfgText, "database_url: "+dbURL)
	cfgText = regexp.MustCompile(`(?m)^data_dir: .*$`).ReplaceAllString(cfgText, "data_dir: "+filepath.Join(dir, "data"))
	cfgText += "redis_prefix: \"" + prefix + "\"\n"
	if err := os.WriteFile(filepath.Join(dir, "callfloor.yaml"), []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var serveOut, serveErr syncBuf
	serveDone := make(chan error, 1)
	served, token := false, ""
	var ran []string
	for _, f := range blocks {
		if f.lang != "sh" {
			continue
		}
		if out, err := exec.Command("bash", "-n", "-c", f.text).CombinedOutput(); err != nil {
			t.Errorf("shell block does not parse: %v %s\n%s", err, out, f.text)
		}
		for _, line := range strings.Split(f.text, "\n") {
			cmd, assign := callfloorCommand(line)
			if cmd == "" {
				continue
			}
			cmd = strings.ReplaceAll(cmd, "/etc/callfloor/", dir+"/")
			args := words(t, cmd)[1:]
			ran = append(ran, args[0])
			if args[0] == "serve" {
				served = true
				go func() { serveDone <- run(ctx, args, &serveOut, &serveErr) }()
				deadline := time.Now().Add(30 * time.Second)
				for !strings.Contains(serveOut.String(), "callfloor is running") {
					select {
					case err := <-serveDone:
						t.Fatalf("README: %s: %v\n%s", line, err, serveErr.String())
					default:
					}
					if time.Now().After(deadline) {
						t.Fatalf("README: %s: not running after 30 s\n%s", line, serveErr.String())
					}
					time.Sleep(50 * time.Millisecond)
				}
				continue
			}
			userStdin = strings.NewReader("")
			var out, errOut bytes.Buffer
			if err := run(ctx, args, &out, &errOut); err != nil {
				t.Fatalf("README: %s: %v\n%s", line, err, errOut.String())
			}
			if args[0] == "check-config" && !strings.Contains(out.String(), "configuration OK") {
				t.Errorf("README: %s: %q", line, out.String())
			}
			if assign == "TOKEN" {
				token = strings.TrimSpace(out.String())
			}
		}
	}
	for _, want := range []string{"check-config", "migrate", "user", "serve"} {
		if !strings.Contains(" "+strings.Join(ran, " ")+" ", " "+want+" ") {
			t.Errorf("the README runs no `callfloor %s` (ran %v)", want, ran)
		}
	}
	if !served || token == "" {
		t.Fatalf("the README must start serve and make a TOKEN with callfloor (served %v, token %q)", served, token)
	}
	addr := regexp.MustCompile(`http://(\S+)`).FindStringSubmatch(serveOut.String())
	if addr == nil {
		t.Fatalf("serve printed no address: %q", serveOut.String())
	}
	req, _ := http.NewRequest("GET", "http://"+addr[1]+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /api/v1/me with the README's TOKEN: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-serveDone:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("serve did not stop")
	}

	// What the other lines rely on in this folder.
	readme, _ := os.ReadFile(asteriskReadme)
	ari, _ := os.ReadFile("../../deploy/asterisk/ari.conf")
	ext, _ := os.ReadFile("../../deploy/asterisk/extensions.conf")
	for _, m := range regexp.MustCompile(`install -m 0640 .* ((?:\S+\.conf )+)/etc/asterisk/`).FindAllStringSubmatch(string(readme), -1) {
		for _, f := range strings.Fields(m[1]) {
			if _, err := os.Stat(filepath.Join("../../deploy/asterisk", f)); err != nil {
				t.Errorf("the README installs %s: %v", f, err)
			}
		}
	}
	for _, m := range regexp.MustCompile(`sed -i (?:-e )?"s/(\^[^/]*\$)/`).FindAllStringSubmatch(string(readme), -1) {
		re := regexp.MustCompile("(?m)" + m[1])
		if !re.Match(ari) {
			t.Errorf("the README's sed expects a line %s in ari.conf", m[1])
		}
	}
	contexts := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\[([^\]]+)\]`).FindAllStringSubmatch(string(ext), -1) {
		contexts[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`(?:Local/[^@\s]+@|extension [^@\s]+@|dialplan show |context: )([a-z][a-z0-9-]+)`).FindAllStringSubmatch(string(readme), -1) {
		if !contexts[m[1]] {
			t.Errorf("the README names the dialplan context %q, which extensions.conf lacks", m[1])
		}
	}
	if strings.Contains(string(readme), "mkpasswd -m") || strings.Contains(string(readme), "-o asterisk") {
		t.Error("the README relies on mkpasswd (whois package) or an asterisk user")
	}
}
