package store

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"strings"

	"fastcheck/api"
)

// ClientKeyName is the secret holding a profile's Ed25519 key pair (the
// terminal's signing key, as EncodeKey's form): "client:<profile>:key".
func ClientKeyName(profile string) string { return "client:" + profile + ":key" }

// SessionName is the secret holding a profile's approved websession id:
// "client:<profile>:session".
func SessionName(profile string) string { return "client:" + profile + ":session" }

// ProfileSecrets are one profile's secrets: its signing key and its
// session id, one entry each in Secrets (the OS keyring, or the opt-in
// file).
//
//	cfg, err := store.LoadConfig(store.ConfigPath())
//	set, err := cfg.Resolve(profileFlag, serverFlag)
//	ps, err := store.OpenProfile(set, os.Stderr) // keyring, or the opt-in file
//	key, _, err := ps.Key(true)                  // made and stored on first use
//	id, err := ps.Session()                      // ErrNotFound when logged out
type ProfileSecrets struct {
	Secrets Secrets
	Profile string
}

// OpenProfile opens where the resolved profile's secrets live: the OS
// keyring (a *KeyringUnavailableError naming the fix if it does not
// answer), or, when set.InsecureStorage, the 0600 file at
// InsecureSecretsPath, warning on warn when it is used.
func OpenProfile(set Settings, warn io.Writer) (ProfileSecrets, error) {
	sec, err := Open(set.InsecureStorage, InsecureSecretsPath(), warn)
	if err != nil {
		return ProfileSecrets{}, err
	}
	return ProfileSecrets{Secrets: sec, Profile: set.Profile}, nil
}

// Key returns the profile's key pair. With create set, a missing key is
// made and stored, and created reports it; without, a missing key is
// ErrNotFound.
func (p ProfileSecrets) Key(create bool) (key ed25519.PrivateKey, created bool, err error) {
	if err := ValidProfileName(p.Profile); err != nil {
		return nil, false, err
	}
	return LoadKey(p.Secrets, ClientKeyName(p.Profile), create)
}

// Session returns the profile's session id, or ErrNotFound when there is none.
func (p ProfileSecrets) Session() (string, error) {
	if err := ValidProfileName(p.Profile); err != nil {
		return "", err
	}
	v, err := p.Secrets.Get(SessionName(p.Profile))
	if err != nil {
		return "", err
	}
	v = strings.TrimSpace(v)
	if !api.ValidID(v) {
		return "", fmt.Errorf("the stored session of profile %s in %s is damaged; run: fastcheck login", p.Profile, p.Secrets.Where())
	}
	return v, nil
}

// SetSession stores the profile's session id.
func (p ProfileSecrets) SetSession(id string) error {
	if err := ValidProfileName(p.Profile); err != nil {
		return err
	}
	if !api.ValidID(id) {
		return fmt.Errorf("refusing to store %q as a session id", truncate(id, 40))
	}
	if err := p.Secrets.Set(SessionName(p.Profile), id); err != nil {
		return fmt.Errorf("store the session in %s: %w", p.Secrets.Where(), err)
	}
	return nil
}

// DeleteSession wipes the profile's session id; a missing one is not an error.
func (p ProfileSecrets) DeleteSession() error {
	return p.delete(SessionName(p.Profile))
}

// DeleteKey wipes the profile's key pair; a missing one is not an error.
func (p ProfileSecrets) DeleteKey() error {
	return p.delete(ClientKeyName(p.Profile))
}

func (p ProfileSecrets) delete(name string) error {
	if err := ValidProfileName(p.Profile); err != nil {
		return err
	}
	if err := p.Secrets.Delete(name); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("delete %s from %s: %w", name, p.Secrets.Where(), err)
	}
	return nil
}
