package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Object is a JSON object decoded strictly: exactly one top-level object,
// valid UTF-8, no duplicate keys, no trailing data. Values stay raw so each
// field is checked on its own terms with a message that names it.
type Object map[string]json.RawMessage

// DecodeObject parses body strictly. An empty body is an empty object.
// The documents' two slips (MendSlips) are forgiven.
func DecodeObject(body []byte) (Object, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return Object{}, nil
	}
	if !utf8.Valid(body) {
		return nil, errors.New("request body is not valid UTF-8")
	}
	if !json.Valid(body) {
		// The documents' own examples carry slips (a trailing comma,
		// typographic quotes), and the server must take them as written.
		if mended, ok := MendSlips(body); ok {
			body = mended
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, errors.New("request body is not valid JSON")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("request body must be a JSON object")
	}
	obj := Object{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errors.New("request body is not valid JSON")
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("request body is not valid JSON")
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, errors.New("request body is not valid JSON")
		}
		if _, dup := obj[key]; dup {
			return nil, fmt.Errorf("field %s appears more than once", quoteName(key))
		}
		obj[key] = raw
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, errors.New("request body is not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("request body has data after the JSON object")
	}
	return obj, nil
}

// Only fails if the object has a field outside allowed.
func (o Object) Only(allowed ...string) error {
	var unknown []string
	for k := range o {
		found := false
		for _, a := range allowed {
			if k == a {
				found = true
				break
			}
		}
		if !found {
			unknown = append(unknown, quoteName(k))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	if len(unknown) > 3 {
		unknown = append(unknown[:3], "…")
	}
	return fmt.Errorf("unknown field %s", strings.Join(unknown, ", "))
}

// Has reports whether the field is present (even as null).
func (o Object) Has(name string) bool {
	_, ok := o[name]
	return ok
}

// Int64 reads a whole-number field. Fractions, exponents, strings, booleans,
// null and values outside int64 are refused with a message naming the field.
func (o Object) Int64(name string) (int64, error) {
	raw, ok := o[name]
	if !ok {
		return 0, fmt.Errorf("field %s is required", quoteName(name))
	}
	s := string(raw)
	switch {
	case s == "null":
		return 0, fmt.Errorf("field %s must be a number, not null", quoteName(name))
	case strings.HasPrefix(s, `"`):
		return 0, fmt.Errorf("field %s must be a number, not a string", quoteName(name))
	case s == "true" || s == "false":
		return 0, fmt.Errorf("field %s must be a number, not a boolean", quoteName(name))
	case strings.HasPrefix(s, "[") || strings.HasPrefix(s, "{"):
		return 0, fmt.Errorf("field %s must be a number", quoteName(name))
	case strings.ContainsAny(s, ".eE"):
		return 0, fmt.Errorf("field %s must be a whole number of minor units (no fraction or exponent)", quoteName(name))
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("field %s is out of range", quoteName(name))
	}
	return v, nil
}

// String reads a string field.
func (o Object) String(name string) (string, error) {
	raw, ok := o[name]
	if !ok {
		return "", fmt.Errorf("field %s is required", quoteName(name))
	}
	if len(raw) == 0 || raw[0] != '"' {
		return "", fmt.Errorf("field %s must be a string", quoteName(name))
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("field %s must be a string", quoteName(name))
	}
	return s, nil
}

// quoteName renders an untrusted field name safely for a message.
func quoteName(s string) string {
	return strconv.Quote(Truncate(s, 40))
}

// Quote renders untrusted input safely for a message: quoted, escaped and
// truncated.
func Quote(s string) string {
	return strconv.Quote(Truncate(s, 40))
}
