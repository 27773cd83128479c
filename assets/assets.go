// Package assets holds what the binary embeds: the demo seed data, help
// texts and art.
package assets

import (
	"crypto/ed25519"
	"crypto/sha256"
	_ "embed"
	"encoding/base32"
	"encoding/json"
)

//go:embed demo.json
var demoJSON []byte

// DemoUser is a seeded demo account and the phone identity that owns it.
// Demo phone keys are derived from a public seed: they are for demos only,
// and anyone can approve a login as a demo user.
type DemoUser struct {
	Name     string `json:"name"`
	Seed     string `json:"seed"`
	Balance  int64  `json:"balance"`
	Currency string `json:"currency"`
	// Staff marks a demo support-staff identity: a demo server lists it
	// among its staff (fastcheck support).
	Staff bool `json:"staff,omitempty"`
}

// PhoneKey is the demo user's phone key.
func (u DemoUser) PhoneKey() ed25519.PrivateKey {
	sum := sha256.Sum256([]byte("fastcheck demo phone: " + u.Seed))
	return ed25519.NewKeyFromSeed(sum[:])
}

// TOTPSecret is the demo user's authenticator app secret (160 bits as
// base32), derived from the public seed like PhoneKey: anyone can enrol
// it, so it is for demos only. Demo servers enrol it under the user's
// name as the approve page's account handle.
func (u DemoUser) TOTPSecret() string {
	sum := sha256.Sum256([]byte("fastcheck demo totp: " + u.Seed))
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:20])
}

// DemoUsers returns the demo accounts in a stable order.
func DemoUsers() []DemoUser {
	var users []DemoUser
	if err := json.Unmarshal(demoJSON, &users); err != nil {
		panic("assets/demo.json: " + err.Error())
	}
	return users
}

// FindDemoUser finds a demo user by name.
func FindDemoUser(name string) (DemoUser, bool) {
	for _, u := range DemoUsers() {
		if u.Name == name {
			return u, true
		}
	}
	return DemoUser{}, false
}
