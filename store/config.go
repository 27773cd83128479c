package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"fastcheck/i18n"
)

// Defaults and the environment variables that override the config file.
const (
	// DefaultServer is the server used when nothing names one: the demo
	// server of `make run`.
	DefaultServer = "http://127.0.0.1:8080/api"
	// DefaultProfile is the profile used when nothing names one.
	DefaultProfile = "default"
	// EnvServer overrides the server of the config file (a flag overrides it).
	EnvServer = "FASTCHECK_SERVER"
	// EnvProfile picks the profile (a flag overrides it).
	EnvProfile = "FASTCHECK_PROFILE"
)

// ConfigPath is the config file: $XDG_CONFIG_HOME/fastcheck/config.json.
func ConfigPath() string { return filepath.Join(ConfigDir(), "config.json") }

// Config is the config file. It holds no secrets: keys and sessions live
// in the OS keyring (see ProfileSecrets). Example:
//
//	{
//	  "defaultProfile": "work",
//	  "lang": "ru",
//	  "server": "https://fastcheck.store/api",
//	  "profiles": {
//	    "work": {"server": "https://fastcheck.example.com/api"},
//	    "demo": {"server": "http://127.0.0.1:8080/api", "insecureStorage": true}
//	  }
//	}
type Config struct {
	// DefaultProfile is the profile used when neither --profile nor
	// FASTCHECK_PROFILE names one ("" means DefaultProfile).
	DefaultProfile string `json:"defaultProfile,omitempty"`
	// Server is the server of profiles that name none.
	Server string `json:"server,omitempty"`
	// Profiles are the named profiles: one key pair and session each.
	Profiles map[string]*Profile `json:"profiles,omitempty"`
	// Lang is the language of the CLI and the wallet, "en" or "ru" ("":
	// from LC_ALL, LC_MESSAGES, LANG); the --lang flag overrides it.
	Lang string `json:"lang,omitempty"`
}

// Profile is one named account on one server.
type Profile struct {
	// Server is the API base URL this profile logs in to.
	Server string `json:"server,omitempty"`
	// AllowInsecureHTTP allows http:// to a host that is not loopback.
	AllowInsecureHTTP bool `json:"allowInsecureHttp,omitempty"`
	// InsecureStorage: the user opted in (login --insecure-storage) to
	// keeping this profile's key and session in a 0600 file instead of
	// the OS keyring. Every use warns.
	InsecureStorage bool `json:"insecureStorage,omitempty"`
}

// LoadConfig reads the config file at path. A missing file is an empty
// config; a damaged one is an error naming the file.
func LoadConfig(path string) (*Config, error) {
	c := &Config{}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return nil, &ConfigError{Path: path, Err: err}
	}
	if _, err := i18n.Parse(c.Lang); err != nil {
		return nil, &ConfigError{Path: path, Err: err, Lang: c.Lang}
	}
	for name := range c.Profiles {
		if err := ValidProfileName(name); err != nil {
			return nil, &ConfigError{Path: path, Err: err, Profile: name}
		}
		if c.Profiles[name] == nil {
			c.Profiles[name] = &Profile{}
		}
	}
	return c, nil
}

// ConfigError is a config file that cannot be used: not JSON of the right
// shape (damaged), or an unknown "lang", or a bad profile name.
type ConfigError struct {
	Path          string
	Err           error
	Lang, Profile string // the bad value, when one is the cause
}

func (e *ConfigError) Error() string {
	if e.Lang == "" && e.Profile == "" {
		return fmt.Sprintf("config file %s is damaged: %v (fix or remove it)", e.Path, e.Err)
	}
	return fmt.Sprintf("config file %s: %v", e.Path, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Save writes the config to path atomically (directory 0700, file 0600).
func (c *Config) Save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Profile returns the named profile, adding it if missing.
func (c *Config) Profile(name string) *Profile {
	if c.Profiles == nil {
		c.Profiles = map[string]*Profile{}
	}
	p := c.Profiles[name]
	if p == nil {
		p = &Profile{}
		c.Profiles[name] = p
	}
	return p
}

// ProfileNames lists the profiles in the config, sorted.
func (c *Config) ProfileNames() []string {
	var names []string
	for n := range c.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ValidProfileName explains why name cannot name a profile: 1 to 64
// letters, digits, '.', '_' or '-', not starting with '.' or '-'.
func ValidProfileName(name string) error {
	ok := name != "" && len(name) <= 64 && name[0] != '.' && name[0] != '-'
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
	}
	if !ok {
		return fmt.Errorf("profile name %q must be 1 to 64 letters, digits, '.', '_' or '-'", truncate(name, 70))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Settings are what one run uses: the profile, its server and storage,
// each with where it came from.
type Settings struct {
	Profile     string
	ProfileFrom string // "flag", EnvProfile, "config" or "default"
	Server      string
	ServerFrom  string // "flag", EnvServer, "profile", "config" or "default"
	// AllowInsecureHTTP and InsecureStorage come from the profile; callers
	// OR in their flags.
	AllowInsecureHTTP bool
	InsecureStorage   bool
}

// Resolve picks the profile and server. Precedence, highest first: the
// flags (profileFlag, serverFlag; "" means not given), FASTCHECK_PROFILE /
// FASTCHECK_SERVER, the profile's server, the config's server, and the
// defaults (DefaultProfile, DefaultServer).
func (c *Config) Resolve(profileFlag, serverFlag string) (Settings, error) {
	var s Settings
	switch {
	case profileFlag != "":
		s.Profile, s.ProfileFrom = profileFlag, "flag"
	case os.Getenv(EnvProfile) != "":
		s.Profile, s.ProfileFrom = os.Getenv(EnvProfile), EnvProfile
	case c.DefaultProfile != "":
		s.Profile, s.ProfileFrom = c.DefaultProfile, "config"
	default:
		s.Profile, s.ProfileFrom = DefaultProfile, "default"
	}
	if err := ValidProfileName(s.Profile); err != nil {
		return s, err
	}
	p := c.Profiles[s.Profile]
	if p == nil {
		p = &Profile{}
	}
	s.AllowInsecureHTTP, s.InsecureStorage = p.AllowInsecureHTTP, p.InsecureStorage
	switch {
	case serverFlag != "":
		s.Server, s.ServerFrom = serverFlag, "flag"
	case os.Getenv(EnvServer) != "":
		s.Server, s.ServerFrom = os.Getenv(EnvServer), EnvServer
	case p.Server != "":
		s.Server, s.ServerFrom = p.Server, "profile"
	case c.Server != "":
		s.Server, s.ServerFrom = c.Server, "config"
	default:
		s.Server, s.ServerFrom = DefaultServer, "default"
	}
	s.Server = strings.TrimRight(strings.TrimSpace(s.Server), "/")
	return s, nil
}
