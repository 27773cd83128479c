package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fastcheck/api"

	"github.com/zalando/go-keyring"
)

func TestConfigRoundTripAndDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.json")
	c, err := LoadConfig(path)
	if err != nil || len(c.Profiles) != 0 || c.Server != "" {
		t.Fatalf("missing file: %+v %v", c, err)
	}
	c.DefaultProfile = "work"
	c.Server = "https://fastcheck.example/api"
	c.Profile("work").Server = "https://work.example/api"
	c.Profile("demo").InsecureStorage = true
	c.Lang = "ru"
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config mode: %v %v", fi.Mode(), err)
	}
	got, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.DefaultProfile != "work" || got.Server != c.Server || got.Profiles["work"].Server != "https://work.example/api" ||
		!got.Profiles["demo"].InsecureStorage || got.Lang != "ru" || strings.Join(got.ProfileNames(), ",") != "demo,work" {
		t.Fatalf("read back %+v", got)
	}

	for name, text := range map[string]string{
		"not json":      "{server:",
		"unknown field": `{"sever": "https://x/api"}`,
		"bad profile":   `{"profiles": {"a:b": {}}}`,
		"bad language":  `{"lang": "klingon"}`,
		"lang not text": `{"lang": 1}`,
	} {
		os.WriteFile(path, []byte(text), 0o600)
		var ce *ConfigError
		if _, err := LoadConfig(path); err == nil || !strings.Contains(err.Error(), path) || !errors.As(err, &ce) || ce.Path != path {
			t.Errorf("%s: %v, want a ConfigError naming the file", name, err)
		}
	}
}

func TestResolvePrecedence(t *testing.T) {
	t.Setenv(EnvServer, "")
	t.Setenv(EnvProfile, "")
	c := &Config{}
	s, err := c.Resolve("", "")
	if err != nil || s.Profile != DefaultProfile || s.Server != DefaultServer || s.ServerFrom != "default" || s.ProfileFrom != "default" {
		t.Fatalf("empty config: %+v %v", s, err)
	}
	c.Server = "https://config.example/api/"
	c.DefaultProfile = "work"
	c.Profile("work").Server = "https://work.example/api"
	c.Profile("work").InsecureStorage = true
	c.Profile("home")
	check := func(pf, sf, wantProfile, wantServer, wantFrom string) {
		t.Helper()
		s, err := c.Resolve(pf, sf)
		if err != nil || s.Profile != wantProfile || s.Server != wantServer || s.ServerFrom != wantFrom {
			t.Fatalf("Resolve(%q, %q) = %+v, %v; want %s %s from %s", pf, sf, s, err, wantProfile, wantServer, wantFrom)
		}
	}
	check("", "", "work", "https://work.example/api", "profile")
	if s, _ := c.Resolve("", ""); !s.InsecureStorage || s.ProfileFrom != "config" {
		t.Fatalf("profile settings not carried: %+v", s)
	}
	check("home", "", "home", "https://config.example/api", "config")
	t.Setenv(EnvProfile, "home")
	check("", "", "home", "https://config.example/api", "config")
	check("work", "", "work", "https://work.example/api", "profile")
	t.Setenv(EnvServer, "https://env.example/api")
	check("", "", "home", "https://env.example/api", EnvServer)
	check("", "https://flag.example/api", "home", "https://flag.example/api", "flag")
	if _, err := c.Resolve("no/slashes", ""); err == nil {
		t.Fatal("a bad profile name was accepted")
	}
}

func TestValidProfileName(t *testing.T) {
	for _, ok := range []string{"default", "work-2", "a.b_c", "X"} {
		if err := ValidProfileName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-x", ".x", "a:b", "a b", "ключ", strings.Repeat("a", 65)} {
		if ValidProfileName(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// ProfileSecrets keeps one key and one session per profile, in whichever
// Secrets it is given.
func TestProfileSecrets(t *testing.T) {
	keyring.MockInit()
	file := &FileSecrets{Path: filepath.Join(t.TempDir(), "s.json"), Warn: &bytes.Buffer{}}
	for _, s := range []Secrets{Keyring{}, file} {
		a := ProfileSecrets{Secrets: s, Profile: "alice"}
		b := ProfileSecrets{Secrets: s, Profile: "bob"}
		if _, err := a.Session(); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%s: session before login: %v", s.Where(), err)
		}
		if _, _, err := a.Key(false); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%s: key before login: %v", s.Where(), err)
		}
		ka, created, err := a.Key(true)
		if err != nil || !created {
			t.Fatal(err)
		}
		kb, _, _ := b.Key(true)
		if ka.Equal(kb) {
			t.Fatal("two profiles share a key")
		}
		id := api.NewID()
		if err := a.SetSession(id); err != nil {
			t.Fatal(err)
		}
		if err := a.SetSession("not an id"); err == nil {
			t.Fatal("stored a malformed session id")
		}
		if got, err := a.Session(); err != nil || got != id {
			t.Fatalf("session = %q %v", got, err)
		}
		if _, err := b.Session(); !errors.Is(err, ErrNotFound) {
			t.Fatalf("bob sees a session: %v", err)
		}
		if v, _ := s.Get("client:alice:session"); v != id {
			t.Fatalf("entry name changed: %q", v)
		}
		s.Set(SessionName("alice"), "garbage")
		if _, err := a.Session(); err == nil || !strings.Contains(err.Error(), "damaged") {
			t.Fatalf("damaged session: %v", err)
		}
		if err := a.DeleteSession(); err != nil {
			t.Fatal(err)
		}
		if err := a.DeleteSession(); err != nil {
			t.Fatalf("second delete: %v", err)
		}
		if k, _, err := a.Key(false); err != nil || !k.Equal(ka) {
			t.Fatal("logout without --forget-key lost the key")
		}
		if err := a.DeleteKey(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Key(false); !errors.Is(err, ErrNotFound) {
			t.Fatalf("key after DeleteKey: %v", err)
		}
		if (ProfileSecrets{Secrets: s, Profile: "a:b"}).SetSession(id) == nil {
			t.Fatal("a bad profile name was used as a key")
		}
	}
}

func TestOpenProfile(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	var warn bytes.Buffer
	ps, err := OpenProfile(Settings{Profile: "p", InsecureStorage: true}, &warn)
	if err != nil || ps.Profile != "p" || ps.Secrets.Where() != InsecureSecretsPath()+" (insecure storage)" {
		t.Fatalf("OpenProfile insecure: %+v %v", ps, err)
	}
	if err := ps.SetSession(api.NewID()); err != nil || !strings.Contains(warn.String(), "warning") {
		t.Fatalf("no warning on use: %v %q", err, warn.String())
	}
}

// Deleting from a missing insecure file creates nothing.
func TestFileSecretsDeleteCreatesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.json")
	if err := (&FileSecrets{Path: path}).Delete("x"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Delete created the file: %v", err)
	}
}
