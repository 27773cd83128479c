package api

import (
	"encoding/json"
	"testing"
)

func TestMendSlips(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// The documents' own examples, byte for byte.
		{`{ "message": "pong", }`, `{ "message": "pong" }`},
		{`{ "fastcheck": “1234-5678-0001”, }`, `{ "fastcheck": "1234-5678-0001" }`},
		{`{ "sessionId": “1AF3781BF6B94604B771AEA1D44FA63A” }`, `{ "sessionId": "1AF3781BF6B94604B771AEA1D44FA63A" }`},
		{"{\"a\": [1, 2,\n\t],\r\n}", "{\"a\": [1, 2\n\t]\r\n}"},
		{`{"a": “x"}`, `{"a": "x"}`}, // opened typographically, closed plainly
		{`{“a”: 1}`, `{"a": 1}`},     // a key, too
		// The check status answer as the document writes it.
		{`{ "fastcheck": "1234-5678-0001", "expiration": 2021-07-07T09:08:18Z , "Status": true }`,
			`{ "fastcheck": "1234-5678-0001", "expiration": "2021-07-07T09:08:18Z" , "Status": true }`},
		{`[2021-07-07T09:08:18.5+03:00]`, `["2021-07-07T09:08:18.5+03:00"]`},
		{`{"a": “x\"y”}`, `{"a": "x\"y"}`}, // an escaped quote is text
	} {
		got, changed := MendSlips([]byte(tc.in))
		if string(got) != tc.want || !changed {
			t.Errorf("MendSlips(%s) = %s, %v; want %s, true", tc.in, got, changed, tc.want)
		}
		if !json.Valid(got) {
			t.Errorf("MendSlips(%s) = %s is not valid JSON", tc.in, got)
		}
	}
	// Valid JSON is left alone: quotes and commas inside strings are text.
	for _, in := range []string{
		`{}`, `{"a":"x”, }"}`, `{"a":"“quoted”"}`, `{"a":"\",]"}`, `{"a":[1,2],"b":{}}`,
	} {
		if got, changed := MendSlips([]byte(in)); changed || string(got) != in {
			t.Errorf("MendSlips(%s) = %s, %v; valid JSON must come back unchanged", in, got, changed)
		}
	}
	// Other malformations stay malformed.
	for _, in := range []string{`{"a":1,,}`, `{,}`, `[,]`, `{"a":,}`, `{"a" 1}`, `{"a":1`, `{"a":2021-13-07T09:08:18Z}`, `{"a":12-3}`} {
		if got, _ := MendSlips([]byte(in)); json.Valid(got) {
			t.Errorf("MendSlips(%s) = %s, which is valid JSON", in, got)
		}
	}
}

func TestDecodeObjectTakesTheDocumentsSlips(t *testing.T) {
	obj, err := DecodeObject([]byte(`{ "fastcheck": “1234-5678-0001”, }`))
	if err != nil || string(obj["fastcheck"]) != `"1234-5678-0001"` {
		t.Fatalf("DecodeObject(the document's status request) = %v, %v", obj, err)
	}
	if _, err := DecodeObject([]byte(`{"a":1,,}`)); err == nil {
		t.Fatal("DecodeObject accepted a double comma")
	}
}

// FuzzMendSlips: valid JSON never changes, and what it returns for text
// that was not valid JSON differs from it only by dropped commas and
// quotes made plain.
func FuzzMendSlips(f *testing.F) {
	for _, s := range []string{`{ "fastcheck": “1234-5678-0001”, }`, `{"a":"x”, }"}`, `[1,]`, `“`, `"\`, "{\"a\":\"\xff\",}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, changed := MendSlips(b)
		if json.Valid(b) && (changed || string(got) != string(b)) {
			t.Fatalf("MendSlips changed valid JSON %q to %q", b, got)
		}
		if !changed && string(got) != string(b) {
			t.Fatalf("MendSlips(%q) = %q but reports no change", b, got)
		}
		if len(got) > len(b)+2*len(b)/20 { // two quotes per bare time of 20 bytes or more
			t.Fatalf("MendSlips(%q) = %q grew", b, got)
		}
	})
}
