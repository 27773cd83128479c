package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

func TestFileSecretsAreOptInAndPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "secrets.json")
	var warn bytes.Buffer
	s, err := Open(true, path, &warn)
	if err != nil {
		t.Fatal(err)
	}
	key, created, err := LoadKey(s, "phone:default", true)
	if err != nil || !created {
		t.Fatalf("LoadKey create: %v %v", created, err)
	}
	again, created, err := LoadKey(s, "phone:default", true)
	if err != nil || created || !again.Equal(key) {
		t.Fatalf("LoadKey again: created=%v err=%v same=%v", created, err, again.Equal(key))
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secrets file mode %v, %v", fi.Mode(), err)
	}
	if !strings.Contains(warn.String(), "--insecure-storage") {
		t.Fatalf("no warning: %q", warn.String())
	}
	if err := s.Delete("phone:default"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("phone:default"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	os.WriteFile(path, []byte("{not json"), 0o600)
	if _, err := s.Get("x"); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged file: %v", err)
	}
}

// With no Secret Service to talk to, Open fails with a message that names
// the fix, and writes nothing anywhere.
func TestMissingKeyringIsAClearErrorAndNothingIsWritten(t *testing.T) {
	if !inFreshProcess(t) { // keyring.MockInit elsewhere would hide the real provider
		return
	}
	dir := t.TempDir()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(dir, "no-bus"))
	path := filepath.Join(dir, "secrets.json")
	_, err := Open(false, path, nil)
	var ue *KeyringUnavailableError
	if !errors.As(err, &ue) {
		t.Fatalf("Open without a keyring = %v, want KeyringUnavailableError", err)
	}
	for _, want := range []string{"keyring is unavailable", "gnome-keyring", "--insecure-storage", path} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%s", want, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("something was written: %v", entries)
	}
}

func TestKeyringStoresKeys(t *testing.T) {
	keyring.MockInit() // in-memory stand-in for unit tests; the real Secret Service test is separate
	key, created, err := LoadKey(Keyring{}, "phone:t", true)
	if err != nil || !created {
		t.Fatal(err)
	}
	got, _, err := LoadKey(Keyring{}, "phone:t", false)
	if err != nil || !got.Equal(key) {
		t.Fatalf("read back: %v", err)
	}
	if _, _, err := LoadKey(Keyring{}, "phone:none", false); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing key: %v", err)
	}
	Keyring{}.Set("phone:bad", "not base64!")
	if _, _, err := LoadKey(Keyring{}, "phone:bad", false); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged key: %v", err)
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k")
	if _, _, err := KeyFile(path, false); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	k, created, err := KeyFile(path, true)
	if err != nil || !created {
		t.Fatal(err)
	}
	k2, created, err := KeyFile(path, true)
	if err != nil || created || !k2.Equal(k) {
		t.Fatalf("reopen: %v", err)
	}
	os.Chmod(path, 0o644)
	if _, _, err := KeyFile(path, false); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key file: %v", err)
	}
}
