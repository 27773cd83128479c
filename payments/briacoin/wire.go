package briacoin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// fixJSON repairs the slips of the document's examples so that a server
// that answers "as written" can still be read: a string opened or closed by
// a guillemet or a curly quote instead of '"' (`"wallet": «Bdr6…KjT"`), and
// trailing commas before } or ]. It changes nothing in valid JSON: outside
// strings those characters cannot occur, and strings are copied unchanged.
func fixJSON(b []byte) []byte {
	if !needsFix(b) {
		return b
	}
	out := make([]byte, 0, len(b))
	inString, fancy, escaped := false, false, false
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case inString && escaped:
			escaped = false
			out = append(out, b[i:i+n]...)
		case inString && r == '\\':
			escaped = true
			out = append(out, '\\')
		case inString && r == '"':
			inString = false
			out = append(out, '"')
		case inString && fancy && isFancyQuote(r):
			inString = false
			out = append(out, '"')
		case inString:
			out = append(out, b[i:i+n]...)
		case r == '"':
			inString, fancy = true, false
			out = append(out, '"')
		case isFancyQuote(r):
			inString, fancy = true, true
			out = append(out, '"')
		case r == ',':
			j := i + 1
			for j < len(b) && (b[j] == ' ' || b[j] == '\t' || b[j] == '\r' || b[j] == '\n') {
				j++
			}
			if j < len(b) && (b[j] == '}' || b[j] == ']') {
				break // drop the trailing comma
			}
			out = append(out, ',')
		default:
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

func needsFix(b []byte) bool {
	if bytes.IndexByte(b, ',') >= 0 {
		return true // trailing commas need the scan
	}
	return bytes.ContainsAny(b, "«»“”„")
}

func isFancyQuote(r rune) bool {
	switch r {
	case '«', '»', '“', '”', '„':
		return true
	}
	return false
}

// fields is a decoded JSON object whose values are read leniently: numbers
// may come as strings and strings as numbers, as a loosely typed server
// writes them. Names are matched exactly, then case-insensitively.
type fields map[string]json.RawMessage

func decodeFields(b []byte) (fields, error) {
	var f fields
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&f); err != nil {
		return nil, err
	}
	if f == nil {
		return nil, errors.New("not an object")
	}
	if d.More() {
		return nil, errors.New("data after the object")
	}
	return f, nil
}

func (f fields) raw(name string) (json.RawMessage, bool) {
	if v, ok := f[name]; ok {
		return v, true
	}
	for k, v := range f {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// text returns a string value, or a number's text. Missing or null: "", false.
func (f fields) text(name string) (string, bool, error) {
	v, ok := f.raw(name)
	if !ok {
		return "", false, nil
	}
	v = bytes.TrimSpace(v)
	if string(v) == "null" {
		return "", false, nil
	}
	if len(v) > 0 && v[0] == '"' {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", true, fmt.Errorf("%s: %v", name, err)
		}
		return s, true, nil
	}
	if len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
		return string(v), true, nil
	}
	if string(v) == "true" || string(v) == "false" {
		return string(v), true, nil
	}
	return "", true, fmt.Errorf("%s: not a string or number", name)
}

// int64 reads a whole number written as 1, "1", 1.0 or "1.0".
func (f fields) int64(name string) (int64, bool, error) {
	s, ok, err := f.text(name)
	if !ok || err != nil {
		return 0, ok, err
	}
	n, err := parseWhole(s)
	if err != nil {
		return 0, true, fmt.Errorf("%s: %v", name, err)
	}
	return n, true, nil
}

func parseWhole(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '.'); i >= 0 && strings.Trim(s[i+1:], "0") == "" {
		s = s[:i]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", truncate(s, 32))
	}
	return n, nil
}

func (f fields) coins(name string) (Coins, bool, error) {
	s, ok, err := f.text(name)
	if !ok || err != nil {
		return 0, ok, err
	}
	c, err := ParseCoins(s)
	if err != nil {
		return 0, true, fmt.Errorf("%s: %w", name, err)
	}
	return c, true, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
