package harness

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	osuser "os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pgCluster is a PostgreSQL cluster of the harness's own, made from the
// machine's PostgreSQL binaries the way scripts/with-services makes its
// one: initdb into a temporary directory, a free loopback port, trust
// authentication. Unlike the shared one it may be crashed
// (`pg_ctl stop -m immediate`) and started again.
type pgCluster struct {
	bin  string // directory of initdb, pg_ctl, psql, pgbench
	dir  string // the temporary directory (mode 755)
	data string
	port int
	asPG bool // root: run the binaries as the postgres user
}

// pgBinDir finds the PostgreSQL binaries: $FASTCHECK_PG_BIN (set by
// scripts/with-services), Debian's /usr/lib/postgresql/*/bin, or PATH.
func pgBinDir() string {
	if d := os.Getenv("FASTCHECK_PG_BIN"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

// requirePG skips the test when PostgreSQL cannot be run here, unless
// FASTCHECK_REQUIRE_SERVICES is set (CI), where it fails instead.
func requirePG(t testing.TB) string {
	t.Helper()
	bin := pgBinDir()
	why := ""
	switch {
	case bin == "":
		why = "no PostgreSQL binaries (initdb) on this machine"
	case os.Getuid() == 0:
		if _, err := osuser.Lookup("postgres"); err != nil {
			why = "running as root without a postgres user to run PostgreSQL as"
		}
	}
	if why == "" {
		return bin
	}
	if os.Getenv("FASTCHECK_REQUIRE_SERVICES") != "" {
		t.Fatalf("PostgreSQL is required (FASTCHECK_REQUIRE_SERVICES is set) but: %s", why)
	}
	t.Skipf("PostgreSQL part skipped: %s (install PostgreSQL 15, or run through scripts/with-services)", why)
	return ""
}

// startPG makes and starts a cluster; it is removed when owner ends
// (a parent test, so that its subtests can share it).
func startPG(t, owner testing.TB) *pgCluster {
	t.Helper()
	bin := requirePG(t)
	dir, err := os.MkdirTemp("", "fastcheck-harness-pg.")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	c := &pgCluster{bin: bin, dir: dir, data: filepath.Join(dir, "data"), port: freePort(t), asPG: os.Getuid() == 0}
	if err := os.Mkdir(c.data, 0o700); err != nil {
		t.Fatal(err)
	}
	if c.asPG {
		u, _ := osuser.Lookup("postgres")
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		os.Chown(c.data, uid, gid)
	}
	owner.Cleanup(func() {
		c.run("pg_ctl", "-D", c.data, "-m", "immediate", "stop")
		os.RemoveAll(dir)
	})
	if out, err := c.run("initdb", "-D", c.data, "-U", "postgres", "--auth=trust", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	if err := c.start(); err != nil {
		t.Fatal(err)
	}
	return c
}

// run runs one of the cluster's binaries (as postgres when we are root).
func (c *pgCluster) run(name string, args ...string) (string, error) {
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.asPG {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = c.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// start starts (or restarts) the server and waits until it accepts
// connections. fsync stays on: durability is what is being tested.
func (c *pgCluster) start() error {
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c max_connections=200 -c fsync=on", c.port, c.data)
	out, err := c.run("pg_ctl", "-D", c.data, "-l", filepath.Join(c.data, "server.log"), "-o", opts, "-w", "-t", "60", "start")
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.data, "server.log"))
		return fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, tail(string(log), 20))
	}
	return nil
}

// crash stops PostgreSQL the hard way: no checkpoint, every backend
// killed; the next start runs crash recovery from the WAL.
func (c *pgCluster) crash() error {
	out, err := c.run("pg_ctl", "-D", c.data, "-m", "immediate", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop -m immediate: %v\n%s", err, out)
	}
	return nil
}

// url is the connection URL of a database of the cluster.
func (c *pgCluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// createDB makes a fresh database.
func (c *pgCluster) createDB(t testing.TB, name string) string {
	t.Helper()
	if out, err := c.run("psql", "-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-U", "postgres", "-d", "postgres",
		"-v", "ON_ERROR_STOP=1", "-qc", "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v\n%s", name, err, out)
	}
	return c.url(name)
}

// commits is how many transactions a database has committed so far
// (pg_stat_database; the counters trail by up to a second).
func (c *pgCluster) commits(db string) (int64, error) {
	out, err := c.run("psql", "-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-U", "postgres", "-d", db, "-tAc",
		"SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
	if err != nil {
		return 0, fmt.Errorf("%v: %s", err, out)
	}
	return strconv.ParseInt(strings.TrimSpace(out), 10, 64)
}

// pgbench runs pgbench against a database of the cluster.
func (c *pgCluster) pgbench(db string, args ...string) (string, error) {
	full := append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-U", "postgres"}, args...)
	return c.run("pgbench", append(full, db)...)
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitFor polls cond every 50 ms until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	end := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}
