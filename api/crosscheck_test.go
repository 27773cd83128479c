package api

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestHTTPSigCrossCheck runs the cross-check against an independent RFC 9421
// implementation (github.com/remitly-oss/httpsig-go), which lives in its own
// module under testdata/httpsigcheck so that fastcheck's go.mod never
// depends on it. See that package's comment for what it can and cannot check.
func TestHTTPSigCrossCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a nested go test; skipped with -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	dir := filepath.Join("testdata", "httpsigcheck")
	env := append(os.Environ(), "GOWORK=off")
	// Fetching the modules is the environment's business: without the
	// module proxy (and a cold cache) the cross-check cannot run.
	dl := exec.Command(gobin, "mod", "download")
	dl.Dir, dl.Env = dir, env
	if out, err := dl.CombinedOutput(); err != nil {
		t.Skipf("cannot fetch the cross-check's modules: %v\n%s", err, out)
	}
	cmd := exec.Command(gobin, "test", "-count=1", ".")
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cross-check failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
