package api

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestDecodeObjectAccepts(t *testing.T) {
	cases := []struct {
		body string
		want map[string]string // key → raw value
	}{
		{``, map[string]string{}},
		{"  \n\t\r ", map[string]string{}},
		{`{}`, map[string]string{}},
		{" {} \n", map[string]string{}},
		{`{"amount":158000,"currency":"RUB"}`, map[string]string{"amount": "158000", "currency": `"RUB"`}},
		{`{ "amount" : 158000 , "currency" : "RUB" }`, map[string]string{"amount": "158000", "currency": `"RUB"`}},
		{`{"a":null,"b":true,"c":[1,{"x":2}],"d":{"e":"f"},"g":-1.5e3}`, map[string]string{
			"a": "null", "b": "true", "c": `[1,{"x":2}]`, "d": `{"e":"f"}`, "g": "-1.5e3",
		}},
		{`{"Amount":1,"amount":2}`, map[string]string{"Amount": "1", "amount": "2"}}, // case matters, not a duplicate
		{`{"":1}`, map[string]string{"": "1"}},
		{`{"имя":"значение"}`, map[string]string{"имя": `"значение"`}},
		{`{"a":{"a":1,"a":2}}`, map[string]string{"a": `{"a":1,"a":2}`}}, // nested values stay raw
		{`{"s":"\u0000"}`, map[string]string{"s": `"\u0000"`}},
	}
	for _, c := range cases {
		obj, err := DecodeObject([]byte(c.body))
		if err != nil {
			t.Errorf("DecodeObject(%q) error: %v", c.body, err)
			continue
		}
		if obj == nil {
			t.Errorf("DecodeObject(%q) = nil map", c.body)
			continue
		}
		if len(obj) != len(c.want) {
			t.Errorf("DecodeObject(%q) has %d fields, want %d: %v", c.body, len(obj), len(c.want), obj)
		}
		for k, v := range c.want {
			if got, ok := obj[k]; !ok || string(got) != v {
				t.Errorf("DecodeObject(%q)[%q] = %q (present %v), want %q", c.body, k, got, ok, v)
			}
		}
	}
}

func TestDecodeObjectRejects(t *testing.T) {
	cases := []struct {
		body, msg string
	}{
		{`[]`, "must be a JSON object"},
		{`[{"a":1}]`, "must be a JSON object"},
		{`"x"`, "must be a JSON object"},
		{`123`, "must be a JSON object"},
		{`true`, "must be a JSON object"},
		{`null`, "must be a JSON object"},
		{`{`, "not valid JSON"},
		{`}`, "not valid JSON"},
		{`{"a"}`, "not valid JSON"},
		{`{"a":}`, "not valid JSON"},
		// A single trailing comma is the documents' slip and is taken
		// (TestDecodeObjectTakesTheDocumentsSlips); anything more is not.
		{`{"a":1,,}`, "not valid JSON"},
		{`{,}`, "not valid JSON"},
		{`{"a":,}`, "not valid JSON"},
		{`{"a":1 "b":2}`, "not valid JSON"},
		{`{a:1}`, "not valid JSON"},
		{`{1:2}`, "not valid JSON"},
		{`{'a':1}`, "not valid JSON"},
		{`{"a":01}`, "not valid JSON"},
		{`{"a":NaN}`, "not valid JSON"},
		{`{"a":"x\qy"}`, "not valid JSON"},
		{"{\"a\":\"x\ny\"}", "not valid JSON"}, // raw newline in a string
		{`{"a":[1,2}`, "not valid JSON"},
		{"\ufeff{}", "not valid JSON"}, // byte order mark
		{"{\"a\":\"\xff\"}", "not valid UTF-8"},
		{"{\"\xc3\x28\":1}", "not valid UTF-8"},
		{"{\"a\":\"\xed\xa0\x80\"}", "not valid UTF-8"}, // encoded surrogate
		{`{"a":1,"a":2}`, `field "a" appears more than once`},
		{`{"a":1,"b":2,"a":1}`, `field "a" appears more than once`},
		{`{"a":1,"\u0061":2}`, `field "a" appears more than once`}, // same key after unescaping
		{`{}{}`, "data after the JSON object"},
		{`{} {}`, "data after the JSON object"},
		{`{}x`, "data after the JSON object"},
		{`{}]`, "data after the JSON object"},
		{`{}}`, "data after the JSON object"},
		{`{} 1`, "data after the JSON object"},
		{`{}"`, "data after the JSON object"},
		{strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000), "not valid JSON"}, // too deep
	}
	for _, c := range cases {
		obj, err := DecodeObject([]byte(c.body))
		if err == nil {
			t.Errorf("DecodeObject(%q) = %v, nil; want an error", Truncate(c.body, 60), obj)
			continue
		}
		if obj != nil {
			t.Errorf("DecodeObject(%q) returned a map alongside an error", Truncate(c.body, 60))
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("DecodeObject(%q) error = %q, want it to mention %q", Truncate(c.body, 60), err, c.msg)
		}
	}
}

func TestDecodeObjectHostileNames(t *testing.T) {
	// A duplicate key whose name carries an escape sequence, a bidi
	// override and a NUL: the message must show them escaped.
	for _, name := range []string{`\u001b[31m`, `\u202e`, `\u0000`, `a\nb`, `\u0007`, `\u009b31m`} {
		body := `{"` + name + `":1,"` + name + `":2}`
		_, err := DecodeObject([]byte(body))
		if err == nil {
			t.Fatalf("DecodeObject(%s) accepted a duplicate key", body)
		}
		if !strings.Contains(err.Error(), "more than once") {
			t.Errorf("DecodeObject(%s) error = %q", body, err)
		}
		assertNoControl(t, err.Error())
	}
	obj, err := DecodeObject([]byte(`{"\u001b[31m":1}`))
	if err != nil {
		t.Fatal(err)
	}
	err = obj.Only("amount")
	if err == nil {
		t.Fatal("Only accepted an unknown field")
	}
	if want := `unknown field "\x1b[31m"`; err.Error() != want {
		t.Errorf("Only error = %q, want %q", err, want)
	}
	assertNoControl(t, err.Error())

	long := strings.Repeat("ж", 200)
	obj = Object{long: json.RawMessage("1")}
	err = obj.Only()
	if err == nil || len(err.Error()) > 80 {
		t.Errorf("Only with a 400-byte name: %v (long names must be truncated)", err)
	}
	assertNoControl(t, err.Error())
}

func TestOnly(t *testing.T) {
	obj, err := DecodeObject([]byte(`{"amount":1,"currency":"RUB"}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.Only("amount", "currency"); err != nil {
		t.Errorf("Only(all present) = %v", err)
	}
	if err := obj.Only("amount", "currency", "extra"); err != nil {
		t.Errorf("Only(superset) = %v", err)
	}
	if err := obj.Only("amount"); err == nil || err.Error() != `unknown field "currency"` {
		t.Errorf("Only(amount) = %v, want unknown field \"currency\"", err)
	}
	if err := obj.Only(); err == nil || err.Error() != `unknown field "amount", "currency"` {
		t.Errorf("Only() = %v, want both fields, sorted", err)
	}
	if err := (Object{}).Only(); err != nil {
		t.Errorf("empty.Only() = %v", err)
	}

	obj, _ = DecodeObject([]byte(`{"z":1,"y":1,"x":1,"w":1,"v":1,"ok":1}`))
	err = obj.Only("ok")
	if err == nil {
		t.Fatal("Only accepted five unknown fields")
	}
	if want := `unknown field "v", "w", "x", …`; err.Error() != want {
		t.Errorf("Only = %q, want %q (sorted, capped at three)", err, want)
	}
	// Exactly three: no ellipsis.
	obj, _ = DecodeObject([]byte(`{"c":1,"b":1,"a":1}`))
	if err := obj.Only(); err == nil || err.Error() != `unknown field "a", "b", "c"` {
		t.Errorf("Only = %v, want all three without an ellipsis", err)
	}
	// Case matters.
	obj, _ = DecodeObject([]byte(`{"Amount":1}`))
	if err := obj.Only("amount"); err == nil {
		t.Error(`Only("amount") accepted "Amount"`)
	}
}

func TestHas(t *testing.T) {
	obj, _ := DecodeObject([]byte(`{"a":null}`))
	if !obj.Has("a") {
		t.Error(`Has("a") = false for a null field`)
	}
	if obj.Has("b") {
		t.Error(`Has("b") = true`)
	}
}

func TestInt64(t *testing.T) {
	obj, err := DecodeObject([]byte(`{
		"ok": 158000, "zero": 0, "neg": -5, "negzero": -0,
		"max": 9223372036854775807, "min": -9223372036854775808,
		"over": 9223372036854775808, "under": -9223372036854775809, "huge": 1000000000000000000000000,
		"str": "158000", "emptystr": "", "t": true, "f": false, "nul": null,
		"frac": 158000.0, "frac2": 1.5, "exp": 1.58e5, "exp2": 158E3, "exp3": 1e0, "negexp": -1e-3,
		"arr": [1], "obj": {"v": 1}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	good := map[string]int64{
		"ok": 158000, "zero": 0, "neg": -5, "negzero": 0,
		"max": math.MaxInt64, "min": math.MinInt64,
	}
	for name, want := range good {
		got, err := obj.Int64(name)
		if err != nil || got != want {
			t.Errorf("Int64(%q) = %d, %v; want %d, nil", name, got, err, want)
		}
	}
	bad := map[string]string{
		"over":     "out of range",
		"under":    "out of range",
		"huge":     "out of range",
		"str":      "not a string",
		"emptystr": "not a string",
		"t":        "not a boolean",
		"f":        "not a boolean",
		"nul":      "not null",
		"frac":     "whole number",
		"frac2":    "whole number",
		"exp":      "whole number",
		"exp2":     "whole number",
		"exp3":     "whole number",
		"negexp":   "whole number",
		"arr":      "must be a number",
		"obj":      "must be a number",
		"missing":  "is required",
	}
	for name, msg := range bad {
		got, err := obj.Int64(name)
		if err == nil {
			t.Errorf("Int64(%q) = %d, nil; want an error", name, got)
			continue
		}
		if got != 0 {
			t.Errorf("Int64(%q) returned %d alongside an error", name, got)
		}
		if !strings.Contains(err.Error(), msg) || !strings.Contains(err.Error(), `"`+name+`"`) {
			t.Errorf("Int64(%q) error = %q, want it to name the field and say %q", name, err, msg)
		}
	}
}

func TestString(t *testing.T) {
	obj, err := DecodeObject([]byte(`{"s":"0042","e":"","u":"\u0436\n","n":42,"nul":null,"b":true,"a":["x"],"o":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"s": "0042", "e": "", "u": "ж\n"} {
		got, err := obj.String(name)
		if err != nil || got != want {
			t.Errorf("String(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	for _, name := range []string{"n", "nul", "b", "a", "o"} {
		if got, err := obj.String(name); err == nil || !strings.Contains(err.Error(), "must be a string") {
			t.Errorf("String(%q) = %q, %v; want a 'must be a string' error", name, got, err)
		}
	}
	if _, err := obj.String("missing"); err == nil || !strings.Contains(err.Error(), `field "missing" is required`) {
		t.Errorf("String(missing) error = %v", err)
	}
	// A hand-built Object with a broken raw value is refused, not panicked on.
	broken := Object{"x": json.RawMessage(`"unterminated`), "y": nil}
	if _, err := broken.String("x"); err == nil {
		t.Error("String accepted a broken raw value")
	}
	if _, err := broken.String("y"); err == nil {
		t.Error("String accepted an empty raw value")
	}
	if _, err := broken.Int64("y"); err == nil {
		t.Error("Int64 accepted an empty raw value")
	}
}

func TestFieldMessagesEscapeNames(t *testing.T) {
	obj := Object{}
	for _, name := range []string{"\x1b[31m", "\u202e", "a\x00b", "\r\n"} {
		if _, err := obj.Int64(name); err == nil {
			t.Errorf("Int64(%q) on empty object = nil error", name)
		} else {
			assertNoControl(t, err.Error())
		}
		if _, err := obj.String(name); err == nil {
			t.Errorf("String(%q) on empty object = nil error", name)
		} else {
			assertNoControl(t, err.Error())
		}
	}
	if q := Quote("\x1b[2J" + strings.Repeat("x", 100)); strings.ContainsRune(q, 0x1b) || len(q) > 60 {
		t.Errorf("Quote = %q: want escaped and truncated", q)
	}
}
