package store

import (
	"os"
	"path/filepath"
)

// ConfigDir is $XDG_CONFIG_HOME/fastcheck (default ~/.config/fastcheck).
func ConfigDir() string { return xdg("XDG_CONFIG_HOME", ".config") }

// DataDir is $XDG_DATA_HOME/fastcheck (default ~/.local/share/fastcheck).
func DataDir() string { return xdg("XDG_DATA_HOME", filepath.Join(".local", "share")) }

// InsecureSecretsPath is where --insecure-storage keeps secrets.
func InsecureSecretsPath() string { return filepath.Join(DataDir(), "insecure-secrets.json") }

func xdg(env, fallback string) string {
	dir := os.Getenv(env)
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = "."
		}
		dir = filepath.Join(home, fallback)
	}
	return filepath.Join(dir, "fastcheck")
}
