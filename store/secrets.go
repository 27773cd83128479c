// Package store is the client's local state: signing keys and sessions in
// the OS keyring (or, only when the user opts in, a 0600 file), and the
// config file.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/zalando/go-keyring"
)

// Service is the keyring service name every entry is filed under.
const Service = "fastcheck"

// ErrNotFound means no secret is stored under the key.
var ErrNotFound = errors.New("no such secret")

// Secrets is where secrets live: the OS keyring, or an opt-in file.
type Secrets interface {
	Get(key string) (string, error)
	Set(key, value string) error
	Delete(key string) error
	// Where says where secrets are kept, for messages.
	Where() string
}

// Keyring keeps secrets in the OS keyring: Secret Service on Linux,
// Keychain on macOS, Credential Manager on Windows.
type Keyring struct{}

// Get reads a secret.
func (Keyring) Get(key string) (string, error) {
	v, err := keyring.Get(Service, key)
	if errors.Is(err, keyring.ErrNotFound) {
		return "", ErrNotFound
	}
	return v, err
}

// Set writes a secret.
func (Keyring) Set(key, value string) error { return keyring.Set(Service, key, value) }

// Delete removes a secret; a missing one is not an error.
func (Keyring) Delete(key string) error {
	err := keyring.Delete(Service, key)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return err
}

// Where names the store.
func (Keyring) Where() string { return "the OS keyring" }

// KeyringUnavailableError says the OS keyring cannot be used and how to fix it.
type KeyringUnavailableError struct {
	Err      error
	FilePath string // where --insecure-storage would keep secrets
}

func (e *KeyringUnavailableError) Error() string {
	return fmt.Sprintf("the OS keyring is unavailable (%v).\n"+
		"Fix: run a Secret Service (on Linux, e.g. gnome-keyring, unlocked in your session),\n"+
		"or pass --insecure-storage to keep keys in a file readable only by you (%s).", e.Err, e.FilePath)
}

func (e *KeyringUnavailableError) Unwrap() error { return e.Err }

// Open returns the keyring, after checking that it answers. With insecure
// set it returns the file store at path instead, and warns on warn each
// time it is used. It never falls back to a file by itself.
func Open(insecure bool, path string, warn io.Writer) (Secrets, error) {
	if insecure {
		return &FileSecrets{Path: path, Warn: warn}, nil
	}
	if _, err := (Keyring{}).Get("probe"); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, &KeyringUnavailableError{Err: err, FilePath: path}
	}
	return Keyring{}, nil
}

// InsecureWarning is what FileSecrets warns with (%s is the file); the
// CLI sets it to the words of its language.
var InsecureWarning = "warning: --insecure-storage: keys are kept in %s (mode 0600), not in the OS keyring"

// FileSecrets keeps secrets in a JSON file with mode 0600. It exists only
// behind the explicit --insecure-storage flag, as gh's CLI does.
type FileSecrets struct {
	Path   string
	Warn   io.Writer
	mu     sync.Mutex
	warned bool
}

func (f *FileSecrets) warn() {
	if f.Warn != nil && !f.warned {
		fmt.Fprintf(f.Warn, InsecureWarning+"\n", f.Path)
		f.warned = true
	}
}

func (f *FileSecrets) load() (map[string]string, error) {
	m := map[string]string{}
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s is damaged: %v", f.Path, err)
	}
	return m, nil
}

func (f *FileSecrets) save(m map[string]string) error {
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	tmp := f.Path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, f.Path)
}

// Get reads a secret.
func (f *FileSecrets) Get(key string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.warn()
	m, err := f.load()
	if err != nil {
		return "", err
	}
	v, ok := m[key]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

// Set writes a secret.
func (f *FileSecrets) Set(key, value string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.warn()
	m, err := f.load()
	if err != nil {
		return err
	}
	m[key] = value
	return f.save(m)
}

// Delete removes a secret.
func (f *FileSecrets) Delete(key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.warn()
	m, err := f.load()
	if err != nil {
		return err
	}
	if _, ok := m[key]; !ok {
		return nil // nothing to delete: don't create or rewrite the file
	}
	delete(m, key)
	return f.save(m)
}

// Where names the file.
func (f *FileSecrets) Where() string { return f.Path + " (insecure storage)" }
