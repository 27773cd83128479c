package api

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
)

// testKey returns a deterministic Ed25519 key; seed byte b picks which one.
func testKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

func TestNewIDFormAndUniqueness(t *testing.T) {
	re := regexp.MustCompile(`^[0-9A-F]{32}$`)
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		id := NewID()
		if !re.MatchString(id) {
			t.Fatalf("NewID() = %q, want 32 upper-case hex characters", id)
		}
		if !ValidID(id) {
			t.Fatalf("ValidID(NewID()=%q) = false", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q after %d ids", id, i)
		}
		seen[id] = true
	}
}

func TestValidID(t *testing.T) {
	good := []string{
		"00000000000000000000000000000000",
		"0123456789ABCDEF0123456789ABCDEF",
		"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
	}
	for _, s := range good {
		if !ValidID(s) {
			t.Errorf("ValidID(%q) = false, want true", s)
		}
	}
	bad := []string{
		"",
		"0123456789abcdef0123456789abcdef",  // lower case
		"0123456789ABCDEF0123456789ABCDE",   // 31
		"0123456789ABCDEF0123456789ABCDEF0", // 33
		"0123456789ABCDEF0123456789ABCDEG",  // G
		"0123456789ABCDEF-123456789ABCDEF",
		"0123456789ABCDEF 123456789ABCDEF",
		"０123456789ABCDEF0123456789ABCDE", // full-width zero (3 bytes)
		"0123456789ABCDEF0123456789ABCD\x00F",
	}
	for _, s := range bad {
		if ValidID(s) {
			t.Errorf("ValidID(%q) = true, want false", s)
		}
	}
}

var checkNumberRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{4}-[0-9]{4}$`)

func TestNewCheckNumber(t *testing.T) {
	seen := map[string]bool{}
	// Each of the twelve digit positions should take more than one value
	// over many draws: a constant prefix (e.g. a sequential counter or a
	// too-small random range) would show up here.
	var digitsSeen [12]map[byte]bool
	for i := range digitsSeen {
		digitsSeen[i] = map[byte]bool{}
	}
	for i := 0; i < 2000; i++ {
		n := NewCheckNumber()
		if !checkNumberRE.MatchString(n) {
			t.Fatalf("NewCheckNumber() = %q, want NNNN-NNNN-NNNN", n)
		}
		if !ValidCheckNumber(n) {
			t.Fatalf("ValidCheckNumber(NewCheckNumber()=%q) = false", n)
		}
		if seen[n] {
			t.Fatalf("NewCheckNumber() repeated %q", n)
		}
		seen[n] = true
		d := strings.ReplaceAll(n, "-", "")
		for j := 0; j < 12; j++ {
			digitsSeen[j][d[j]] = true
		}
	}
	for j, m := range digitsSeen {
		if len(m) < 5 {
			t.Errorf("digit position %d took only %d distinct values in 2000 numbers", j, len(m))
		}
	}
}

func TestValidCheckNumber(t *testing.T) {
	for _, s := range []string{"1234-5678-0001", "0000-0000-0000", "9999-9999-9999"} {
		if !ValidCheckNumber(s) {
			t.Errorf("ValidCheckNumber(%q) = false", s)
		}
	}
	for _, s := range []string{
		"", "123456780001", "1234 5678 0001", "1234-5678-000", "1234-5678-00011",
		"12345-678-0001", "1234-5678-000a", "-1234-5678-001", "1234_5678_0001",
		"١٢٣٤-٥٦٧٨-٠٠٠١", "1234-5678-0001\n", " 1234-5678-0001",
	} {
		if ValidCheckNumber(s) {
			t.Errorf("ValidCheckNumber(%q) = true", s)
		}
	}
}

func TestNormalizeCheckNumber(t *testing.T) {
	ok := []struct{ in, want string }{
		{"1234-5678-0001", "1234-5678-0001"},
		{"123456780001", "1234-5678-0001"},
		{"1234 5678 0001", "1234-5678-0001"},
		{" 1234 - 5678 - 0001 ", "1234-5678-0001"},
		{"12-34-56-78-00-01", "1234-5678-0001"},
		{"1234--5678--0001", "1234-5678-0001"},
		{"000000000000", "0000-0000-0000"},
	}
	for _, c := range ok {
		got, err := NormalizeCheckNumber(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeCheckNumber(%q) = %q, %v; want %q, nil", c.in, got, err, c.want)
		}
	}
	bad := []string{
		"",
		"   ",
		"----",
		"12345678000",    // 11 digits
		"1234567800011",  // 13 digits
		"1234-5678-000a", // letter
		"abcd-efgh-ijkl",
		"1234-5678-0001x",
		"1234\t5678\t0001", // tabs are not spaces
		"1234_5678_0001",   // underscores
		"1234–5678–0001",   // en dash
		"١٢٣٤-٥٦٧٨-٠٠٠١",   // Arabic-Indic digits
		"１２３４-５６７８-０００１",   // full-width digits
		"1234-5678-0001\x00",
		"1234\u00a05678\u00a00001", // no-break space
		"\xff234-5678-0001",        // invalid UTF-8
	}
	for _, s := range bad {
		got, err := NormalizeCheckNumber(s)
		if err == nil {
			t.Errorf("NormalizeCheckNumber(%q) = %q, nil; want an error", s, got)
		} else if got != "" {
			t.Errorf("NormalizeCheckNumber(%q) returned %q alongside error %v", s, got, err)
		}
	}
	// The length message reports the count it saw.
	if _, err := NormalizeCheckNumber("1234-5678"); err == nil || !strings.Contains(err.Error(), "got 8") {
		t.Errorf("NormalizeCheckNumber(1234-5678) error = %v, want one mentioning 'got 8'", err)
	}
}

func TestNewCheckCode(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 3000; i++ {
		c := NewCheckCode()
		if !ValidCheckCode(c) {
			t.Fatalf("NewCheckCode() = %q, not 4 ASCII digits", c)
		}
		seen[c] = true
	}
	// 3000 draws from 10,000 values give ~2,600 distinct ones; a narrow
	// generator (say, 0–999 padded) would give far fewer.
	if len(seen) < 2000 {
		t.Errorf("NewCheckCode gave only %d distinct codes in 3000 draws", len(seen))
	}
}

func TestValidCheckCode(t *testing.T) {
	for _, s := range []string{"0042", "0000", "9999", "1234"} {
		if !ValidCheckCode(s) {
			t.Errorf("ValidCheckCode(%q) = false", s)
		}
	}
	for _, s := range []string{"", "042", "00420", "abcd", "٠١٢٣", "４２４２", "12 4", "-123", "+123", "12.4", "0042\n", "0x42"} {
		if ValidCheckCode(s) {
			t.Errorf("ValidCheckCode(%q) = true", s)
		}
	}
}

// specUserID is the userId example of the Fastcheck API document.
const specUserID = "kHaAe9roaC2uq63AKGE/8+Ti/t/iFro68QhEZ1dRGLo"

func TestUserIDRoundTrip(t *testing.T) {
	for b := byte(1); b < 20; b++ {
		pub := testKey(b).Public().(ed25519.PublicKey)
		id := UserID(pub)
		if len(id) != 43 || strings.ContainsAny(id, "=-_") {
			t.Fatalf("UserID = %q, want 43 chars of unpadded standard base64", id)
		}
		back, err := ParseUserID(id)
		if err != nil {
			t.Fatalf("ParseUserID(UserID(pub)) error: %v", err)
		}
		if !back.Equal(pub) {
			t.Fatalf("ParseUserID(UserID(pub)) = %x, want %x", back, pub)
		}
	}
}

func TestParseUserIDSpecExample(t *testing.T) {
	pub, err := ParseUserID(specUserID)
	if err != nil {
		t.Fatalf("ParseUserID(spec example) error: %v", err)
	}
	if len(pub) != ed25519.PublicKeySize {
		t.Fatalf("len = %d", len(pub))
	}
	want, _ := base64.RawStdEncoding.DecodeString(specUserID)
	if !bytes.Equal(pub, want) {
		t.Fatalf("decoded %x, want %x", pub, want)
	}
	if UserID(pub) != specUserID {
		t.Fatalf("UserID(ParseUserID(x)) = %q, want %q", UserID(pub), specUserID)
	}
}

func TestParseUserIDRejects(t *testing.T) {
	pub := testKey(7).Public().(ed25519.PublicKey)
	id := UserID(pub)
	// The same key with non-zero padding bits: the last character of a
	// 43-character encoding carries two unused bits. Strict decoding must
	// refuse it so that one key has exactly one userId.
	alias := []byte(specUserID)
	alias[42] = 'p' // 'o' = 101000, 'p' = 101001: same 32 bytes, other bits set
	bad := []string{
		"",
		id[:42],
		id + "A",
		id + "=",
		strings.ReplaceAll(base64.StdEncoding.EncodeToString(pub), "=", "") + "=",
		base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32)), // URL alphabet
		"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
		string(alias),
		id[:20] + "\n" + id[21:], // newline in place of a character
		id[:20] + " " + id[21:],
	}
	for _, s := range bad {
		if k, err := ParseUserID(s); err == nil {
			t.Errorf("ParseUserID(%q) = %x, nil; want an error", s, k)
		}
	}
}

func TestKeyID(t *testing.T) {
	pub := testKey(1).Public().(ed25519.PublicKey)
	sum := sha256.Sum256(pub)
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	got := KeyID(pub)
	if got != want {
		t.Fatalf("KeyID = %q, want %q", got, want)
	}
	if len(got) != 43 || !isToken(got) {
		t.Fatalf("KeyID %q is not 43 base64url characters", got)
	}
	if KeyID(testKey(2).Public().(ed25519.PublicKey)) == got {
		t.Fatal("two keys share a KeyID")
	}
}

func TestFingerprint(t *testing.T) {
	re := regexp.MustCompile(`^[0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4} [0-9A-F]{4}$`)
	pub := testKey(3).Public().(ed25519.PublicKey)
	fp := Fingerprint(pub)
	if !re.MatchString(fp) {
		t.Fatalf("Fingerprint = %q, want four groups of four upper-case hex digits", fp)
	}
	sum := sha256.Sum256(pub)
	if want := strings.ToUpper(hex.EncodeToString(sum[:8])); strings.ReplaceAll(fp, " ", "") != want {
		t.Fatalf("Fingerprint = %q, want the first 8 bytes of SHA-256 (%s)", fp, want)
	}
	if Fingerprint(testKey(4).Public().(ed25519.PublicKey)) == fp {
		t.Fatal("two keys share a fingerprint")
	}
}

func TestShortUserID(t *testing.T) {
	if got := ShortUserID(specUserID); got != "kHaAe9…RGLo" {
		t.Errorf("ShortUserID = %q", got)
	}
	if got := ShortUserID("short"); got != "short" {
		t.Errorf("ShortUserID(short) = %q", got)
	}
}
