package harness

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the real fastcheck binary, built once per test run into a
// temporary directory (TestMain).
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fastcheck-harness-bin.")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		binary = filepath.Join(dir, "fastcheck")
		cmd := exec.Command("go", "build", "-o", binary, "fastcheck/cmd/fastcheck")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "harness: cannot build the fastcheck binary:", err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// freePort is a loopback TCP port nobody listens on right now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// replica is one `fastcheck server` process on a fixed address. It can be
// killed and started again on the same address and database.
type replica struct {
	name    string
	addr    string
	args    []string
	env     []string
	logPath string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// start runs the server and waits until /api/ping answers. It fails if
// the process exits first (the log says why).
func (r *replica) start() error {
	logf, err := os.OpenFile(r.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(binary, append([]string{"server", "--addr", r.addr}, r.args...)...)
	cmd.Env = append(os.Environ(), r.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	done := make(chan struct{})
	r.mu.Lock()
	r.cmd, r.done, r.err = cmd, done, nil
	r.mu.Unlock()
	go func() {
		err := cmd.Wait()
		logf.Close()
		r.mu.Lock()
		r.err = err
		r.mu.Unlock()
		close(done)
	}()
	ok := waitFor(60*time.Second, func() bool {
		select {
		case <-done:
			return true
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+r.addr+"/api/ping", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	select {
	case <-done:
		return fmt.Errorf("%s exited at start (%v):\n%s", r.name, r.err, r.logTail(30))
	default:
	}
	if !ok {
		return fmt.Errorf("%s did not answer /api/ping within a minute:\n%s", r.name, r.logTail(30))
	}
	return nil
}

// running reports whether the process is alive.
func (r *replica) running() bool {
	r.mu.Lock()
	done := r.done
	r.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (r *replica) kill() {
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// stop sends SIGTERM and waits (SIGKILL after 20 s); it reports whether
// the server stopped cleanly.
func (r *replica) stop() error {
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.mu.Unlock()
	if cmd == nil {
		return nil
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		return fmt.Errorf("%s did not stop within 20 s of SIGTERM", r.name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return fmt.Errorf("%s exited with %v after SIGTERM", r.name, r.err)
	}
	return nil
}

func (r *replica) logTail(n int) string {
	b, _ := os.ReadFile(r.logPath)
	return tail(string(b), n)
}

// runBinary runs the fastcheck binary to the end.
func runBinary(ctx context.Context, args ...string) (string, int, error) {
	cmd := exec.CommandContext(ctx, binary, args...)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode(), nil
	}
	if err != nil {
		return string(out), -1, err
	}
	return string(out), 0, nil
}

// logsMention reports whether any replica's log holds s.
func logsMention(rs []*replica, s string) bool {
	for _, r := range rs {
		if b, _ := os.ReadFile(r.logPath); strings.Contains(string(b), s) {
			return true
		}
	}
	return false
}
