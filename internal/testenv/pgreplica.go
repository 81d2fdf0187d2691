package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PGPair is a PostgreSQL primary of the test's own and its streaming replica (pg_basebackup -R
// from the primary), each on a free loopback port, stopped and deleted at cleanup. The primary
// is a fresh initdb rather than the dev server: a base backup of the dev server copies every
// engineer's test databases (gigabytes), this one a few megabytes.
type PGPair struct {
	PrimaryURL, ReplicaURL string
	bin, base              string
	primary, replica       string // data directories
	pport, rport           int
}

func pgBin(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("CALLFLOOR_PG_BIN"); d != "" {
		return d
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(m) == 0 {
		t.Skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed: skipping the replica test")
	}
	return filepath.Dir(m[len(m)-1])
}

// asPG runs a PostgreSQL program, as the postgres user when the test runs as root (the server
// refuses to run as root).
func (p *PGPair) asPG(t testing.TB, prog string, args ...string) {
	t.Helper()
	path := filepath.Join(p.bin, prog)
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", prog, args, err, out)
	}
}

func (p *PGPair) start(t testing.TB, data string, port int) {
	t.Helper()
	p.asPG(t, "pg_ctl", "-D", data, "-l", filepath.Join(p.base, filepath.Base(data)+".log"), "-w", "-t", "60",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off", port, p.base), "start")
}

// PostgresReplica starts the pair and waits until the replica streams from the primary.
func PostgresReplica(t testing.TB) *PGPair {
	t.Helper()
	p := &PGPair{bin: pgBin(t)}
	base, err := os.MkdirTemp("", "callfloor-pgpair-")
	if err != nil {
		t.Fatal(err)
	}
	p.base = base
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("no postgres user to run the server as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(base, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	p.primary, p.replica = filepath.Join(base, "primary"), filepath.Join(base, "replica")
	p.pport, p.rport = freePort(t), freePort(t)
	p.asPG(t, "initdb", "-D", p.primary, "-U", "callfloor", "--auth=trust", "-E", "UTF8", "--no-sync")
	p.start(t, p.primary, p.pport)
	t.Cleanup(func() { p.stop(p.primary) })
	p.asPG(t, "pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(p.pport), "-U", "callfloor", "-D", p.replica, "-R", "-X", "stream", "-c", "fast", "--no-sync")
	p.start(t, p.replica, p.rport)
	t.Cleanup(func() { p.stop(p.replica) })
	p.PrimaryURL = fmt.Sprintf("postgres://callfloor@127.0.0.1:%d/postgres?sslmode=disable", p.pport)
	p.ReplicaURL = fmt.Sprintf("postgres://callfloor@127.0.0.1:%d/postgres?sslmode=disable", p.rport)
	Eventually(t, 30*time.Second, "the replica to stream from the primary", func() bool {
		n, err := p.query(p.PrimaryURL, `SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'`)
		return err == nil && n == "1"
	})
	return p
}

func (p *PGPair) stop(data string) {
	cmd := []string{filepath.Join(p.bin, "pg_ctl"), "-D", data, "-m", "immediate", "stop"}
	if os.Geteuid() == 0 {
		cmd = append([]string{"runuser", "-u", "postgres", "--"}, cmd...)
	}
	_ = exec.Command(cmd[0], cmd[1:]...).Run()
}

func (p *PGPair) query(url, q string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", err
	}
	defer c.Close(context.Background())
	var s string
	err = c.QueryRow(ctx, q).Scan(&s)
	return s, err
}

// CaughtUp waits until the replica has replayed everything the primary has written so far.
func (p *PGPair) CaughtUp(t testing.TB) {
	t.Helper()
	lsn, err := p.query(p.PrimaryURL, `SELECT pg_current_wal_lsn()::text`)
	if err != nil {
		t.Fatal(err)
	}
	Eventually(t, 30*time.Second, "the replica to replay up to "+lsn, func() bool {
		ok, err := p.query(p.ReplicaURL, `SELECT (pg_last_wal_replay_lsn() >= '`+lsn+`'::pg_lsn)::text`)
		return err == nil && ok == "true"
	})
}

// RestartPrimary stops the primary (fast: open connections are cut) and starts it again.
func (p *PGPair) RestartPrimary(t testing.TB) {
	t.Helper()
	p.asPG(t, "pg_ctl", "-D", p.primary, "-m", "fast", "-w", "stop")
	p.start(t, p.primary, p.pport)
}
