package api

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
)

// NewID returns 128 random bits as 32 upper-case hex characters, the form of
// the spec's sessionId and userSessionId examples.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// ValidID reports whether s has the form NewID produces.
func ValidID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

var twelveDigits = new(big.Int).Exp(big.NewInt(10), big.NewInt(12), nil)

// NewCheckNumber returns a random check number such as 1234-5678-0001. The
// twelve digits come from crypto/rand, so numbers cannot be guessed from
// their neighbours (the spec's "-0001" only looks sequential).
func NewCheckNumber() string {
	n, err := rand.Int(rand.Reader, twelveDigits)
	if err != nil {
		panic("crypto/rand: " + err.Error())
	}
	d := fmt.Sprintf("%012d", n)
	return d[0:4] + "-" + d[4:8] + "-" + d[8:12]
}

// ValidCheckNumber reports whether s is exactly NNNN-NNNN-NNNN.
func ValidCheckNumber(s string) bool {
	if len(s) != 14 {
		return false
	}
	for i := 0; i < 14; i++ {
		if i == 4 || i == 9 {
			if s[i] != '-' {
				return false
			}
		} else if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// NormalizeCheckNumber accepts what a person types (digits with optional
// spaces or dashes) and returns the canonical NNNN-NNNN-NNNN form.
func NormalizeCheckNumber(s string) (string, error) {
	var d []byte
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			d = append(d, byte(r))
		case r == '-' || r == ' ':
		default:
			return "", fmt.Errorf("check number may contain only digits and dashes")
		}
	}
	if len(d) != 12 {
		return "", fmt.Errorf("check number must have 12 digits (like 1234-5678-0001), got %d", len(d))
	}
	return string(d[0:4]) + "-" + string(d[4:8]) + "-" + string(d[8:12]), nil
}

// NewCheckCode returns a random 4-digit code, kept as a string ("0042").
func NewCheckCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(10000))
	if err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return fmt.Sprintf("%04d", n)
}

// ValidCheckCode reports whether s is exactly four ASCII digits.
func ValidCheckCode(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// UserID is the spec's userId: the phone's Ed25519 public key as unpadded
// standard base64 (43 characters, spec README §14).
func UserID(pub ed25519.PublicKey) string {
	return base64.RawStdEncoding.EncodeToString(pub)
}

// ParseUserID decodes a userId back to the public key it names.
func ParseUserID(s string) (ed25519.PublicKey, error) {
	if len(s) != 43 {
		return nil, fmt.Errorf("userId must be 43 characters of base64")
	}
	b, err := base64.RawStdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("userId is not a base64 Ed25519 public key")
	}
	return ed25519.PublicKey(b), nil
}

// KeyID is the signing profile's keyid: unpadded base64url of SHA-256 of the
// raw public key.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Fingerprint is the short form people compare by eye: the first 8 bytes of
// SHA-256 of the public key as four groups of hex ("3F2A 9C1B 77D0 E412").
// The client prints it beside the QR code; the phone prints it before it
// approves.
func Fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	h := strings.ToUpper(hex.EncodeToString(sum[:8]))
	return h[0:4] + " " + h[4:8] + " " + h[8:12] + " " + h[12:16]
}

// ShortUserID abbreviates a userId for headers and logs.
func ShortUserID(s string) string {
	if len(s) <= 10 {
		return s
	}
	return s[:6] + "…" + s[len(s)-4:]
}
