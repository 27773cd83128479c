package store

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fastcheck/api"

	"github.com/zalando/go-keyring"
)

// childEnv marks a test process started by inFreshProcess.
const childEnv = "FASTCHECK_STORE_TEST_CHILD"

// inFreshProcess runs the calling test again, alone, in a new process of
// this test binary, and reports whether it is that process. The parent
// returns false and reports the child's outcome. A test that needs the real
// keyring provider uses it: keyring.MockInit replaces the provider for the
// rest of the process, and cannot be undone.
func inFreshProcess(t *testing.T) bool {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	switch {
	case err != nil:
		t.Fatalf("%s in a fresh process failed: %v\n%s", t.Name(), err, out)
	case bytes.Contains(out, []byte("--- SKIP")):
		t.Skipf("skipped in the fresh process:\n%s", out)
	case !bytes.Contains(out, []byte("--- PASS: "+t.Name())):
		t.Fatalf("%s did not run in the fresh process:\n%s", t.Name(), out)
	}
	return false
}

// TestRealKeyringKeepsKeyAndSessionOffDisk stores a profile's key pair and
// session through the real Secret Service (gnome-keyring on a private
// D-Bus, started by scripts/with-services, which sets
// FASTCHECK_TEST_KEYRING=1), reads them back, and checks that nothing was
// written in plaintext to the config or data dirs.
func TestRealKeyringKeepsKeyAndSessionOffDisk(t *testing.T) {
	if os.Getenv("FASTCHECK_TEST_KEYRING") != "1" {
		if os.Getenv("FASTCHECK_REQUIRE_SERVICES") == "1" {
			t.Fatal("FASTCHECK_REQUIRE_SERVICES=1 but no Secret Service: run the tests through scripts/with-services with gnome-keyring installed")
		}
		t.Skip("no Secret Service for tests (FASTCHECK_TEST_KEYRING unset); `make test` provides one when gnome-keyring is installed")
	}
	if !inFreshProcess(t) {
		return
	}
	cfgHome, dataHome := t.TempDir(), t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfgHome)
	t.Setenv("XDG_DATA_HOME", dataHome)

	var warn bytes.Buffer
	s, err := Open(false, InsecureSecretsPath(), &warn)
	if err != nil {
		t.Fatalf("FASTCHECK_TEST_KEYRING=1 but the keyring is not usable: %v", err)
	}
	if _, ok := s.(Keyring); !ok {
		t.Fatalf("Open(false) = %T, want Keyring", s)
	}
	profile := "test-" + strings.ToLower(api.NewID()[:12])
	ps := ProfileSecrets{Secrets: s, Profile: profile}
	t.Cleanup(func() { ps.DeleteKey(); ps.DeleteSession() })

	key, created, err := ps.Key(true)
	if err != nil || !created {
		t.Fatalf("Key(create): created=%v err=%v", created, err)
	}
	id := api.NewID()
	if err := ps.SetSession(id); err != nil {
		t.Fatal(err)
	}
	cfg := &Config{DefaultProfile: profile}
	cfg.Profile(profile).Server = "https://fastcheck.example/api"
	if err := cfg.Save(ConfigPath()); err != nil {
		t.Fatal(err)
	}

	// Read back through a new handle, and straight from the Secret Service.
	again := ProfileSecrets{Secrets: Keyring{}, Profile: profile}
	if k, created, err := again.Key(false); err != nil || created || !k.Equal(key) {
		t.Fatalf("key read back: created=%v err=%v", created, err)
	}
	if got, err := again.Session(); err != nil || got != id {
		t.Fatalf("session read back = %q, %v", got, err)
	}
	if v, err := keyring.Get(Service, SessionName(profile)); err != nil || v != id {
		t.Fatalf("the Secret Service holds %q, %v", v, err)
	}

	// Nothing secret on disk, and no insecure file.
	secrets := []string{id, EncodeKey(key), string(key.Seed())}
	for _, dir := range []string{cfgHome, dataHome} {
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, _ := os.ReadFile(path)
			for _, sec := range secrets {
				if bytes.Contains(b, []byte(sec)) {
					t.Errorf("%s holds a secret in plaintext", path)
				}
			}
			return nil
		})
	}
	if _, err := os.Stat(InsecureSecretsPath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the insecure secrets file exists: %v", err)
	}
	if warn.Len() != 0 {
		t.Errorf("warned about insecure storage: %q", warn.String())
	}

	if err := ps.DeleteSession(); err != nil {
		t.Fatal(err)
	}
	if err := ps.DeleteKey(); err != nil {
		t.Fatal(err)
	}
	if _, err := again.Session(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("session after delete: %v", err)
	}
	if _, _, err := again.Key(false); !errors.Is(err, ErrNotFound) {
		t.Fatalf("key after delete: %v", err)
	}
}
