package testenv

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis Sentinel and Cluster for a test: redis-server processes of the test's own on free
// loopback ports, data in the test's temp dir, killed at cleanup. Tests skip (with the reason)
// when Debian's redis-server / redis-cli are not installed; `redis-server --sentinel` is the
// sentinel (the redis-sentinel package only adds a service around it).

// Chaos skips a long failure test (tens of seconds: failovers, restarts, replicas) unless
// CALLFLOOR_CHAOS=1; deploy/chaos/redis-pg.sh and deploy/chaos/run.sh run them.
func Chaos(t testing.TB) {
	t.Helper()
	if os.Getenv("CALLFLOOR_CHAOS") != "1" {
		t.Skip("a long failure test: runs with CALLFLOOR_CHAOS=1 (deploy/chaos/redis-pg.sh, deploy/chaos/run.sh)")
	}
}

func redisBinaries(t testing.TB) {
	t.Helper()
	for _, b := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("%s is not installed (apt-get install redis-server): skipping the Sentinel/Cluster test", b)
		}
	}
}

// freePort returns a loopback port that is free, and whose +10000 (a Cluster node's bus port)
// is free too.
func freePort(t testing.TB) int {
	t.Helper()
	for range 200 {
		p := 20000 + rand.IntN(30000)
		ok := true
		for _, q := range []int{p, p + 10000} {
			if q > 65535 {
				ok = false
				break
			}
			ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(q))
			if err != nil {
				ok = false
				break
			}
			ln.Close()
		}
		if ok {
			return p
		}
	}
	t.Fatal("no free loopback port pair")
	return 0
}

// RedisProc is one redis-server process of a test.
type RedisProc struct {
	Port int
	Dir  string
	cmd  *exec.Cmd
}

// Addr is its host:port.
func (p *RedisProc) Addr() string { return "127.0.0.1:" + strconv.Itoa(p.Port) }

// Kill stops it at once (a crash).
func (p *RedisProc) Kill() {
	if p.cmd != nil && p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}
}

// startRedis runs redis-server with conf lines written to a file (Sentinel rewrites its file)
// and waits until it answers.
func startRedis(t testing.TB, name string, conf []string, sentinel bool) *RedisProc {
	t.Helper()
	port := freePort(t)
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	lines := append([]string{"port " + strconv.Itoa(port), "bind 127.0.0.1", "dir " + dir, "logfile " + filepath.Join(dir, "log"), "save \"\"", "appendonly no"}, conf...)
	if sentinel {
		lines = []string{"port " + strconv.Itoa(port), "bind 127.0.0.1", "dir " + dir, "logfile " + filepath.Join(dir, "log")}
		lines = append(lines, conf...)
	}
	cf := filepath.Join(dir, "redis.conf")
	if err := os.WriteFile(cf, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{cf}
	if sentinel {
		args = append(args, "--sentinel")
	}
	cmd := exec.Command("redis-server", args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("redis-server: %v", err)
	}
	p := &RedisProc{Port: port, Dir: dir, cmd: cmd}
	t.Cleanup(p.Kill)
	c := redis.NewClient(&redis.Options{Addr: p.Addr(), DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Fatalf("%s on %s did not start: %s", name, p.Addr(), log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return p
}

// RedisServer runs a redis-server of the test's own, for a test that changes the server's
// configuration (min-replicas-to-write, to refuse writes as a new master does right after a
// Sentinel failover), which the shared development server must not see. Skips without
// redis-server.
func RedisServer(t testing.TB) *RedisProc {
	t.Helper()
	redisBinaries(t)
	return startRedis(t, "redis", nil, false)
}

// Cluster is a local 3-master Redis Cluster (no replicas).
type Cluster struct {
	Nodes []*RedisProc
}

// URL is the redis_url naming the cluster's nodes as seeds.
func (c *Cluster) URL() string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr()
	}
	return "redis+cluster://" + strings.Join(addrs, ",")
}

// RedisCluster starts a 3-master Cluster (redis-server --cluster-enabled yes ×3, then
// redis-cli --cluster create) and waits until every node reports cluster_state:ok.
func RedisCluster(t testing.TB) *Cluster {
	t.Helper()
	redisBinaries(t)
	c := &Cluster{}
	args := []string{"--cluster", "create"}
	for i := range 3 {
		n := startRedis(t, fmt.Sprintf("cluster%d", i), []string{"cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 2000"}, false)
		c.Nodes = append(c.Nodes, n)
		args = append(args, n.Addr())
	}
	args = append(args, "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, n := range c.Nodes {
		cl := redis.NewClient(&redis.Options{Addr: n.Addr()})
		Eventually(t, 15*time.Second, "cluster_state:ok on "+n.Addr(), func() bool {
			info, err := cl.ClusterInfo(context.Background()).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok")
		})
		cl.Close()
	}
	return c
}

// Sentinel is a local Sentinel set: a master, one replica and three sentinels watching them
// under the master name "mymaster" (quorum 2, down after 1 s), configured as README's
// Production section says (min-replicas-to-write 1).
type Sentinel struct {
	Master, Replica *RedisProc
	Replicas        []*RedisProc // every replica (Replica is the first)
	Sentinels       []*RedisProc
}

// SentinelMaster is the master name the sentinels use.
const SentinelMaster = "mymaster"

// URL is the redis_url of the set (database db).
func (s *Sentinel) URL(db int) string {
	addrs := make([]string, len(s.Sentinels))
	for i, n := range s.Sentinels {
		addrs[i] = n.Addr()
	}
	return fmt.Sprintf("redis+sentinel://%s/%s/%d", strings.Join(addrs, ","), SentinelMaster, db)
}

// RedisSentinel starts the set (one replica) and waits until every sentinel knows the replica.
func RedisSentinel(t testing.TB) *Sentinel { return RedisSentinelReplicas(t, 1) }

// RedisSentinelReplicas is RedisSentinel with n replicas. With two, a failover does not pause
// the writes: the other replica follows the new master at once, where with one the new master
// refuses writes (min-replicas-to-write) until the old master, demoted, has synced from it.
func RedisSentinelReplicas(t testing.TB, n int) *Sentinel {
	t.Helper()
	redisBinaries(t)
	s := &Sentinel{}
	// A master refuses writes while no replica has acknowledged within 2 s: when a failover
	// promotes the replica, the old master stops taking writes at once instead of acknowledging
	// writes the new master never gets (callfloor keeps refused writes and retries them).
	safe := []string{"min-replicas-to-write 1", "min-replicas-max-lag 2"}
	s.Master = startRedis(t, "master", safe, false)
	for i := range n {
		name := "replica"
		if i > 0 {
			name += strconv.Itoa(i + 1)
		}
		s.Replicas = append(s.Replicas, startRedis(t, name, append(safe, "replicaof 127.0.0.1 "+strconv.Itoa(s.Master.Port)), false))
	}
	s.Replica = s.Replicas[0]
	for i := range 3 {
		s.Sentinels = append(s.Sentinels, startRedis(t, fmt.Sprintf("sentinel%d", i), []string{
			fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 2", SentinelMaster, s.Master.Port),
			"sentinel down-after-milliseconds " + SentinelMaster + " 1000",
			"sentinel failover-timeout " + SentinelMaster + " 5000",
			"sentinel parallel-syncs " + SentinelMaster + " 1",
		}, true))
	}
	for _, sn := range s.Sentinels {
		sc := redis.NewSentinelClient(&redis.Options{Addr: sn.Addr()})
		Eventually(t, 20*time.Second, "sentinel "+sn.Addr()+" sees the replica and its peers", func() bool {
			reps, err := sc.Replicas(context.Background(), SentinelMaster).Result()
			if err != nil || len(reps) != n {
				return false
			}
			for _, r := range reps {
				if strings.Contains(r["flags"], "down") || r["master-link-status"] != "ok" {
					return false
				}
			}
			peers, err := sc.Sentinels(context.Background(), SentinelMaster).Result()
			return err == nil && len(peers) == 2
		})
		sc.Close()
	}
	return s
}

// MasterAddr is the master's address as the first sentinel tells it.
func (s *Sentinel) MasterAddr(t testing.TB) string {
	t.Helper()
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Sentinels[0].Addr()})
	defer sc.Close()
	a, err := sc.GetMasterAddrByName(context.Background(), SentinelMaster).Result()
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort(a[0], a[1])
}

// Failover asks a sentinel to fail the master over (SENTINEL FAILOVER) and waits until every
// sentinel names the new master and it accepts writes.
func (s *Sentinel) Failover(t testing.TB) (newMaster string) {
	t.Helper()
	old := s.MasterAddr(t)
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Sentinels[0].Addr()})
	defer sc.Close()
	if err := sc.Failover(context.Background(), SentinelMaster).Err(); err != nil {
		t.Fatalf("SENTINEL FAILOVER: %v", err)
	}
	Eventually(t, 20*time.Second, "the failover to finish", func() bool {
		newMaster = s.MasterAddr(t)
		if newMaster == old {
			return false
		}
		c := redis.NewClient(&redis.Options{Addr: newMaster})
		defer c.Close()
		role, err := c.Do(context.Background(), "ROLE").Slice()
		return err == nil && len(role) > 0 && role[0] == "master"
	})
	return newMaster
}
