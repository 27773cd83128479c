package briacoin

import (
	"errors"
	"reflect"
	"regexp"
	"testing"
	"time"
)

func TestParseCallbackFormats(t *testing.T) {
	want := Callback{UserID: 1, OrderID: 23, Amount: MustCoins("2.0"), Key: "022637", Timestamp: 1493228072}
	cases := []struct{ body, ct string }{
		// The document's rendering, as written.
		{"{\n:userid => 1,\n:orderid => 23,\n:amount => 2.0,\n:key => \"022637\",\n:timestamp => 1493228072\n}", ""},
		{`{ :userid => 1, :orderid => 23, :amount => 2.0, :key => "022637", :timestamp => 1493228072 }`, "text/plain"},
		{`{ :userid => 1, :orderid => 23, :amount => 2.0, :key => '022637', :timestamp => 1493228072, }`, "application/x-ruby"},
		{`{userid: 1, orderid: 23, amount: 2.0, key: "022637", timestamp: 1493228072}`, ""},
		{`{"userid" => 1, "orderid" => 23, "amount" => "2.0", "key" => "022637", "timestamp" => 1493228072}`, ""},
		{`{:"userid" => 1, :orderid => 23, :amount => 2.0, :key => "022637", :timestamp => 1493228072, :note => nil}`, ""},
		{`{"userid":1,"orderid":23,"amount":2.0,"key":"022637","timestamp":1493228072}`, "application/json"},
		{`{"userid":"1","orderid":"23","amount":"2.00","key":"022637","timestamp":"1493228072","extra":{"a":[1]}}`, "application/json; charset=utf-8"},
		{"\xef\xbb\xbf{\"userid\":1,\"orderid\":23,\"amount\":2,\"key\":«022637\",\"timestamp\":1493228072}", "application/json"},
		{`userid=1&orderid=23&amount=2.0&key=022637&timestamp=1493228072`, "application/x-www-form-urlencoded"},
		{`%3Auserid=1&%3Aorderid=23&%3Aamount=2.0&%3Akey=022637&%3Atimestamp=1493228072`, ""},
		{`{"UserID":1,"OrderID":23,"Amount":2.0,"Key":"022637","Timestamp":1493228072}`, "application/json"},
	}
	for _, c := range cases {
		got, err := ParseCallback([]byte(c.body), c.ct)
		if err != nil {
			t.Errorf("%q: %v", c.body, err)
			continue
		}
		got.Extra = nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %+v", c.body, got)
		}
	}
	bad := []string{
		``, `{}`, `{ :userid => 1 }`, `userid=1&userid=2&orderid=3&amount=1&key=1`,
		`{ :userid => 1, :orderid => 23, :amount => -2.0, :key => "022637" }`,
		`{ :userid => 1, :orderid => 23, :amount => 0.000000001, :key => "022637" }`,
		`{ :userid => 0, :orderid => 23, :amount => 2.0, :key => "022637" }`,
		`{ :userid => 1, :orderid => 23, :amount => 2.0, :key => "022637" } trailing`,
		`{ :userid => 1, :orderid => 23, :amount => 2.0, :key => "022637`,
		`{ :userid => 1, :userid => 2, :orderid => 23, :amount => 2.0, :key => "022637" }`,
		`{"userid":1,"orderid":23,"amount":2.0,"key":{"a":1}}`,
		`{"userid":1.5,"orderid":23,"amount":2.0,"key":"1"}`,
		`userid=1&orderid=x&amount=2&key=1`,
		`{ :userid => 1 :orderid => 23 }`,
	}
	for _, b := range bad {
		if cb, err := ParseCallback([]byte(b), ""); !errors.Is(err, ErrCallback) {
			t.Errorf("%q accepted: %+v %v", b, cb, err)
		}
	}
	if _, err := ParseCallback(make([]byte, MaxCallbackBytes+1), ""); !errors.Is(err, ErrCallback) {
		t.Error("oversized body accepted")
	}
}

func TestVerifyCallback(t *testing.T) {
	fc := newFakeClock()
	keys := AccountKeys{UserID: 1, Secret: docSecret, Verifier: &Verifier{Clock: Clock{Now: fc.Now}}}
	key, _ := GenerateKey(docSecret, fc.Now(), 0)
	for _, f := range []CallbackFormat{FormatJSON, FormatForm, FormatRuby} {
		fc.Advance(30 * time.Second)
		key, _ = GenerateKey(docSecret, fc.Now(), 0)
		body, ct := EncodeCallback(Callback{UserID: 1, OrderID: 23, Amount: MustCoins("2"), Key: key, Timestamp: fc.Now().Unix(), Extra: map[string]string{"orderstatus": "close"}}, f)
		cb, err := VerifyCallback(body, ct, keys)
		if err != nil || cb.OrderID != 23 || cb.Amount != MustCoins("2") || cb.Step == 0 || cb.Extra["orderstatus"] != "close" {
			t.Fatalf("format %d: %+v %v", f, cb, err)
		}
		// The same body again: the key's step is used.
		cb, err = VerifyCallback(body, ct, keys)
		if !errors.Is(err, ErrKeyReused) || cb.OrderID != 23 {
			t.Fatalf("format %d replay: %+v %v", f, cb, err)
		}
	}
	// Another account's callback, a wrong key, a stale key.
	body, ct := EncodeCallback(Callback{UserID: 2, OrderID: 1, Amount: 1, Key: key}, FormatJSON)
	if _, err := VerifyCallback(body, ct, keys); !errors.Is(err, ErrUnknownAccount) {
		t.Fatal(err)
	}
	fc.Advance(30 * time.Second)
	body, ct = EncodeCallback(Callback{UserID: 1, OrderID: 1, Amount: 1, Key: "999999"}, FormatJSON)
	if k, _ := GenerateKey(docSecret, fc.Now(), 0); k == "999999" {
		t.Skip("lucky key")
	}
	if _, err := VerifyCallback(body, ct, keys); !errors.Is(err, ErrKeyInvalid) {
		t.Fatal(err)
	}
	old, _ := GenerateKey(docSecret, fc.Now().Add(-5*time.Minute), 0)
	body, ct = EncodeCallback(Callback{UserID: 1, OrderID: 1, Amount: 1, Key: old}, FormatRuby)
	if _, err := VerifyCallback(body, ct, keys); !errors.Is(err, ErrKeyInvalid) {
		t.Fatal(err)
	}
	if _, err := VerifyCallback([]byte("garbage{"), "", keys); !errors.Is(err, ErrCallback) {
		t.Fatal(err)
	}
}

var plainKey = regexp.MustCompile(`^[0-9A-Za-z]*$`)

func FuzzParseCallback(f *testing.F) {
	f.Add([]byte(`{ :userid => 1, :orderid => 23, :amount => 2.0, :key => "022637", :timestamp => 1493228072 }`), "")
	f.Add([]byte(`{"userid":1,"orderid":23,"amount":2.0,"key":"022637","timestamp":1493228072}`), "application/json")
	f.Add([]byte(`userid=1&orderid=23&amount=2.0&key=022637&timestamp=1493228072`), "application/x-www-form-urlencoded")
	f.Add([]byte(`{userid: 1, orderid: 23, amount: '2', key: "a\"b"}`), "")
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		cb, err := ParseCallback(body, ct)
		if err != nil {
			if !errors.Is(err, ErrCallback) {
				t.Fatalf("error not ErrCallback: %v", err)
			}
			return
		}
		if cb.UserID <= 0 || cb.OrderID <= 0 || cb.Amount < 0 || cb.Amount > MaxCoins {
			t.Fatalf("accepted out of range: %+v", cb)
		}
		cb.Extra = nil
		formats := []CallbackFormat{FormatJSON, FormatForm}
		if plainKey.MatchString(cb.Key) {
			formats = append(formats, FormatRuby)
		}
		for _, fm := range formats {
			b, ct := EncodeCallback(cb, fm)
			back, err := ParseCallback(b, ct)
			back.Extra = nil
			if err != nil || !reflect.DeepEqual(back, cb) {
				t.Fatalf("format %d round trip of %+v: %q → %+v, %v", fm, cb, b, back, err)
			}
		}
	})
}
