// Package deploy holds the scripts that install and start callfloor's services; the tests here
// run them.
package deploy

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeServer listens on a free loopback port and serves each connection with serve.
func fakeServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); serve(c) }()
		}
	}()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// fakeRedis answers +PONG to every command: a Redis that is not ours. It counts the SHUTDOWN
// commands it receives.
type fakeRedis struct{ shutdowns atomic.Int32 }

func (f *fakeRedis) serve(c net.Conn) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "*")))
		if !strings.HasPrefix(line, "*") || err != nil {
			continue
		}
		for i := 0; i < 2*n; i++ { // each argument: $len, then the bytes
			arg, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if i == 1 && strings.EqualFold(strings.TrimSpace(arg), "shutdown") {
				f.shutdowns.Add(1)
			}
		}
		if _, err := c.Write([]byte("+PONG\r\n")); err != nil {
			return
		}
	}
}

// fakePostgres accepts a connection the way PostgreSQL does (no SSL, authentication OK, ready).
func fakePostgres(c net.Conn) {
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		n, code := binary.BigEndian.Uint32(hdr[:4]), binary.BigEndian.Uint32(hdr[4:])
		if code == 80877103 || code == 80877104 { // SSLRequest, GSSENCRequest
			c.Write([]byte{'N'})
			continue
		}
		if _, err := io.CopyN(io.Discard, c, int64(n)-8); err != nil {
			return
		}
		c.Write([]byte{'R', 0, 0, 0, 8, 0, 0, 0, 0, 'Z', 0, 0, 0, 5, 'I'})
		io.Copy(io.Discard, c)
		return
	}
}

// A Redis and a PostgreSQL answering on the ports, not started by the script: it reuses them
// and says plainly that they are not its own.
func TestDevServicesSaysWhenItReusesForeignServices(t *testing.T) {
	if _, err := exec.LookPath("pg_isready"); err != nil {
		if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_isready"); len(m) == 0 {
			t.Skip("no PostgreSQL client tools (./deploy/test.sh installs them)")
		}
	}
	var redis fakeRedis
	env := append(os.Environ(), "CALLFLOOR_REDIS_PORT="+fakeServer(t, redis.serve), "CALLFLOOR_PG_PORT="+fakeServer(t, fakePostgres),
		"CALLFLOOR_PG_DIR="+filepath.Join(t.TempDir(), "pg"), "CALLFLOOR_RUN_DIR="+t.TempDir())
	cmd := exec.Command("bash", "dev-services.sh", "start")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dev-services.sh start: %v\n%s", err, out)
	}
	for _, want := range []string{"reusing a Redis on 127.0.0.1:", "reusing a PostgreSQL on 127.0.0.1:"} {
		if !strings.Contains(string(out), want) || !strings.Contains(string(out), "did not start") {
			t.Errorf("output lacks %q ... did not start:\n%s", want, out)
		}
	}
	// stop leaves alone what it did not start
	cmd = exec.Command("bash", "dev-services.sh", "stop")
	cmd.Env = env
	out, err = cmd.CombinedOutput()
	if err != nil || redis.shutdowns.Load() != 0 || !strings.Contains(string(out), "not stopping the Redis") {
		t.Errorf("dev-services.sh stop: %v, %d SHUTDOWN sent to a Redis it did not start:\n%s", err, redis.shutdowns.Load(), out)
	}
}

// While another apt holds the dpkg lock, installing Redis waits for it instead of failing: apt-get
// is told to wait (DPkg::Lock::Timeout) and a lock refusal is retried. apt-get and dpkg are fakes
// here; the Redis "installed" is the machine's.
func TestDevServicesWaitsForTheAptLock(t *testing.T) {
	realServer, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("no redis-server on this machine")
	}
	realCli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("no redis-cli on this machine")
	}
	bin := t.TempDir()
	for _, tool := range []string{"bash", "env", "dirname", "mkdir", "id", "mktemp", "grep", "cat", "rm", "sleep", "touch", "seq", "tr", "ln", "sudo"} {
		if p, err := exec.LookPath(tool); err == nil {
			if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
				t.Fatal(err)
			}
		}
	}
	log := filepath.Join(t.TempDir(), "apt.log")
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("dpkg", "#!/bin/bash\nexit 1\n") // nothing installed
	write("apt-get", `#!/bin/bash
echo "$*" >> `+log+`
case " $* " in
*" install "*)
  if [ "$(grep -c ' install ' `+log+`)" -lt 3 ]; then
    echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)" >&2
    echo "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?" >&2
    exit 100
  fi
  ln -s `+realServer+` `+filepath.Join(bin, "redis-server")+`
  ln -s `+realCli+` `+filepath.Join(bin, "redis-cli")+` ;;
esac
exit 0
`)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	runDir := t.TempDir()
	t.Cleanup(func() { // the Redis the script started for this test
		exec.Command(realCli, "-p", port, "shutdown", "nosave").Run()
	})
	cmd := exec.Command(filepath.Join(bin, "bash"), "dev-services.sh", "redis")
	cmd.Env = []string{"PATH=" + bin, "HOME=" + os.Getenv("HOME"), "CALLFLOOR_REDIS_PORT=" + port, "CALLFLOOR_RUN_DIR=" + runDir}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dev-services.sh redis while apt is locked: %v\n%s", err, out)
	}
	calls, _ := os.ReadFile(log)
	if n := strings.Count(string(calls), " install "); n != 3 || !strings.Contains(string(calls), "DPkg::Lock::Timeout=") {
		t.Errorf("apt-get calls:\n%s", calls)
	}
	if !strings.Contains(string(out), "waiting") || !strings.Contains(string(out), "redis started on 127.0.0.1:"+port) {
		t.Errorf("output:\n%s", out)
	}
}
