package store

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// LoadKey reads an Ed25519 key stored as the base64 of its 32-byte seed.
// With create set, a missing key is made and stored; created reports it.
func LoadKey(s Secrets, name string, create bool) (key ed25519.PrivateKey, created bool, err error) {
	v, err := s.Get(name)
	if errors.Is(err, ErrNotFound) {
		if !create {
			return nil, false, err
		}
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, false, err
		}
		if err := s.Set(name, EncodeKey(key)); err != nil {
			return nil, false, fmt.Errorf("store the key in %s: %w", s.Where(), err)
		}
		return key, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	key, err = DecodeKey(v)
	if err != nil {
		return nil, false, fmt.Errorf("%s in %s: %w", name, s.Where(), err)
	}
	return key, false, nil
}

// EncodeKey is the stored form of a key: base64 of its seed.
func EncodeKey(k ed25519.PrivateKey) string {
	return base64.StdEncoding.EncodeToString(k.Seed())
}

// DecodeKey parses EncodeKey's form.
func DecodeKey(s string) (ed25519.PrivateKey, error) {
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New("the stored key is damaged (want base64 of a 32-byte Ed25519 seed)")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// KeyFile is a key kept in a file the user named explicitly (a phone
// identity with --key-file). The file holds EncodeKey's form, mode 0600.
func KeyFile(path string, create bool) (key ed25519.PrivateKey, created bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, false, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, false, err
		}
		defer f.Close()
		if _, err := f.WriteString(EncodeKey(key) + "\n"); err != nil {
			return nil, false, err
		}
		return key, true, f.Close()
	}
	if err != nil {
		return nil, false, err
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("%s is readable by others (mode %o); run: chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	key, err = DecodeKey(string(b))
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	return key, false, nil
}
