package api

import (
	"time"
	"unicode/utf8"
)

// MendSlips repairs the two slips the Fastcheck documents' JSON examples
// make, which a real client or server copying them may send:
//
//   - a comma before a closing brace or bracket: { "message": "pong", }
//   - typographic quotes around a string: { "fastcheck": “1234-5678-0001” }
//     (a string opened by “ ends at ” or at ", and is written back with ")
//   - a time without quotes: { "expiration": 2021-07-07T09:08:18Z }
//
// Only bytes outside strings are touched, where both slips are invalid
// JSON: valid JSON comes back unchanged, and inside a string quotes of any
// kind and commas are text. It reports whether it changed anything.
func MendSlips(b []byte) ([]byte, bool) {
	const open, close = '“', '”'
	out := make([]byte, 0, len(b))
	changed := false
	var curly, escaped bool // in a string opened by “; after a backslash
	inString := false
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if inString {
			switch {
			case escaped:
				escaped = false
			case r == '\\':
				escaped = true
			case r == '"' || (curly && r == close):
				inString = false
				if r == close {
					out = append(out, '"')
					i += size
					continue
				}
			}
			out = append(out, b[i:i+size]...)
			i += size
			continue
		}
		switch r {
		case '"':
			inString, curly = true, false
		case open, close:
			inString, curly, changed = true, true, true
			out = append(out, '"')
			i += size
			continue
		case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			if n := bareTime(b[i:]); n > 0 {
				out = append(out, '"')
				out = append(out, b[i:i+n]...)
				out = append(out, '"')
				changed = true
				i += n
				continue
			}
		case ',':
			j := i + 1
			for j < len(b) && (b[j] == ' ' || b[j] == '\t' || b[j] == '\n' || b[j] == '\r') {
				j++
			}
			if j < len(b) && (b[j] == '}' || b[j] == ']') && followsValue(out) {
				changed = true
				i++
				continue
			}
		}
		out = append(out, b[i:i+size]...)
		i += size
	}
	if !changed {
		return b, false
	}
	return out, true
}

// followsValue reports whether the last non-blank byte of out ends a value
// (so a comma after it trails a list, rather than standing where a value
// belongs, as in {,}).
func followsValue(out []byte) bool {
	for i := len(out) - 1; i >= 0; i-- {
		switch out[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case '{', '[', ',', ':':
			return false
		}
		return true
	}
	return false
}

// bareTime returns the length of the RFC 3339 time b starts with, or 0.
// A JSON number never holds a 'T' after a '-', so such a token is never
// valid JSON.
func bareTime(b []byte) int {
	n := 0
	for n < len(b) && n < 40 {
		c := b[n]
		if !('0' <= c && c <= '9' || c == '-' || c == ':' || c == '.' || c == '+' || c == 'T' || c == 'Z' || c == 't' || c == 'z') {
			break
		}
		n++
	}
	if n < len("2006-01-02T15:04:05Z") {
		return 0
	}
	if _, err := time.Parse(time.RFC3339Nano, string(b[:n])); err != nil {
		return 0
	}
	return n
}
