package api

import "unicode/utf8"

// MendSlips repairs the two slips the Fastcheck documents' JSON examples
// make, which a real client or server copying them may send:
//
//   - a comma before a closing brace or bracket: { "message": "pong", }
//   - typographic quotes around a string: { "fastcheck": “1234-5678-0001” }
//     (a string opened by “ ends at ” or at ", and is written back with ")
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
