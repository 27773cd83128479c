package briacoin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Callback is the service's POST to the account's backurl after a payment:
//
//	{ :userid => 1, :orderid => 23, :amount => 2.0, :key => "022637", :timestamp => 1493228072 }
//
// Amount is the order's value as paid so far (cumulative). The callback is
// only a notice: a merchant credits what getorderstatus reports as paid,
// never the callback's amount on its own.
type Callback struct {
	UserID    int64
	OrderID   int64
	Amount    Coins
	Key       string
	Timestamp int64
	// Step is the key's time step, set by VerifyCallback once accepted.
	Step uint64
	// Extra holds fields outside the document (the simulator sends
	// "orderstatus"), as text.
	Extra map[string]string
}

// MaxCallbackBytes caps a callback body.
const MaxCallbackBytes = 64 << 10

// ErrCallback is matched by every parse failure of ParseCallback.
var ErrCallback = errors.New("briacoin: malformed callback")

// KeyVerifier checks a callback's key for an account. It must refuse
// unknown accounts, wrong keys and reused steps.
type KeyVerifier interface {
	VerifyKey(userID int64, key string) (step uint64, err error)
}

// AccountKeys is the KeyVerifier of one merchant account: the service signs
// callbacks with the account's own secret.
type AccountKeys struct {
	UserID   int64
	Secret   string
	Verifier *Verifier
}

// ErrUnknownAccount is returned for a callback of another account.
var ErrUnknownAccount = errors.New("briacoin: callback for an unknown account")

// VerifyKey implements KeyVerifier.
func (a AccountKeys) VerifyKey(userID int64, key string) (uint64, error) {
	if userID != a.UserID || a.Verifier == nil {
		return 0, ErrUnknownAccount
	}
	return a.Verifier.Verify(a.Secret, key)
}

// VerifyCallback parses a success callback (JSON, form-encoded, or the
// document's Ruby-hash rendering, whatever contentType says) and verifies
// its key with v, consuming the key's step so the same key is refused
// next time. When only the key fails, the parsed callback is returned with
// the error, so the caller can still schedule a getorderstatus for
// cb.OrderID without trusting anything else in it.
func VerifyCallback(body []byte, contentType string, v KeyVerifier) (Callback, error) {
	cb, err := ParseCallback(body, contentType)
	if err != nil {
		return Callback{}, err
	}
	step, err := v.VerifyKey(cb.UserID, cb.Key)
	if err != nil {
		return cb, err
	}
	cb.Step = step
	return cb, nil
}

// ParseCallback reads a callback body without verifying it.
func ParseCallback(body []byte, contentType string) (Callback, error) {
	if len(body) > MaxCallbackBytes {
		return Callback{}, fmt.Errorf("%w: larger than %d bytes", ErrCallback, MaxCallbackBytes)
	}
	m, err := callbackFields(body, contentType)
	if err != nil {
		return Callback{}, fmt.Errorf("%w: %v", ErrCallback, err)
	}
	var cb Callback
	get := func(name string) (string, bool) {
		v, ok := m[name]
		delete(m, name)
		return v, ok
	}
	whole := func(name string, required bool) int64 {
		s, ok := get(name)
		if !ok {
			if required && err == nil {
				err = fmt.Errorf("no %s", name)
			}
			return 0
		}
		n, perr := parseWhole(s)
		if perr != nil && err == nil {
			err = fmt.Errorf("%s: %v", name, perr)
		}
		return n
	}
	cb.UserID = whole("userid", true)
	cb.OrderID = whole("orderid", true)
	cb.Timestamp = whole("timestamp", false)
	if s, ok := get("amount"); !ok {
		if err == nil {
			err = errors.New("no amount")
		}
	} else if c, perr := ParseCoins(s); perr != nil {
		if err == nil {
			err = fmt.Errorf("amount: %v", perr)
		}
	} else {
		cb.Amount = c
	}
	if s, ok := get("key"); ok {
		cb.Key = strings.TrimSpace(s)
		if !printableASCII(cb.Key, 16) && err == nil {
			err = errors.New("key is not up to 16 printable ASCII characters")
		}
	} else if err == nil {
		err = errors.New("no key")
	}
	if err == nil && (cb.UserID <= 0 || cb.OrderID <= 0) {
		err = errors.New("userid and orderid must be positive")
	}
	if err != nil {
		return Callback{}, fmt.Errorf("%w: %v", ErrCallback, err)
	}
	if len(m) > 0 {
		cb.Extra = m
	}
	return cb, nil
}

// callbackFields decodes the body into lower-case names and text values.
// The content type is only a hint: a body that starts with '{' is JSON or a
// Ruby hash, anything else is form-encoded.
func callbackFields(body []byte, contentType string) (map[string]string, error) {
	b := bytes.TrimSpace(body)
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		b = bytes.TrimSpace(b[3:]) // UTF-8 BOM
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if len(b) > 0 && b[0] == '{' {
		m, jerr := jsonFields(b)
		if jerr == nil {
			return m, nil
		}
		m, rerr := rubyFields(b)
		if rerr == nil {
			return m, nil
		}
		if bytes.Contains(b, []byte("=>")) {
			return nil, rerr
		}
		return nil, jerr
	}
	if mt == "application/json" {
		return nil, errors.New("JSON body does not start with {")
	}
	return formFields(b)
}

func jsonFields(b []byte) (map[string]string, error) {
	f, err := decodeFields(fixJSON(b))
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(f))
	for k := range f {
		v, ok, err := f.text(k)
		if err != nil {
			switch strings.ToLower(strings.TrimPrefix(k, ":")) {
			case "userid", "orderid", "amount", "key", "timestamp":
				return nil, err
			}
			continue // an extra field that is an object or array: ignored
		}
		if ok {
			if err := putField(m, k, v); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func formFields(b []byte) (map[string]string, error) {
	q, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(q))
	for k, vs := range q {
		if len(vs) != 1 {
			return nil, fmt.Errorf("field %q given %d times", truncate(k, 32), len(vs))
		}
		if err := putField(m, k, vs[0]); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// putField stores a field under its normalized name: lower case, without
// the Ruby symbol's colon (":userid" → "userid"). A name given twice is an
// error: which one would count is ambiguous.
func putField(m map[string]string, k, v string) error {
	k = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(k), ":"))
	if _, dup := m[k]; dup {
		return fmt.Errorf("field %q given twice", truncate(k, 32))
	}
	m[k] = v
	return nil
}

// rubyFields reads a flat Ruby hash literal, as the document prints the
// callback: { :userid => 1, :key => "022637" }, also with string keys
// ("userid" => 1) and the short form { userid: 1 }. Values are numbers,
// quoted strings, or bare words (nil, true, false).
func rubyFields(b []byte) (map[string]string, error) {
	p := rubyParser{s: string(b)}
	p.ws()
	if !p.eat('{') {
		return nil, errors.New("ruby hash: no {")
	}
	m := map[string]string{}
	p.ws()
	if p.eat('}') {
		return m, p.end()
	}
	for {
		p.ws()
		var key string
		var err error
		short := false
		switch {
		case p.peek() == ':':
			p.i++
			if p.peek() == '"' || p.peek() == '\'' {
				key, err = p.quoted()
			} else {
				key = p.word()
			}
		case p.peek() == '"' || p.peek() == '\'':
			key, err = p.quoted()
		default:
			key = p.word()
			short = true
		}
		if err != nil {
			return nil, err
		}
		if key == "" {
			return nil, fmt.Errorf("ruby hash: no key at %d", p.i)
		}
		p.ws()
		switch {
		case short && p.eat(':'):
		case strings.HasPrefix(p.s[p.i:], "=>"):
			p.i += 2
		case !short && p.eat(':'): // "userid": 1 (JSON-like with a Ruby value)
		default:
			return nil, fmt.Errorf("ruby hash: no => after %q", truncate(key, 32))
		}
		p.ws()
		var val string
		if p.peek() == '"' || p.peek() == '\'' {
			val, err = p.quoted()
		} else {
			val = p.word()
			if val == "" {
				err = fmt.Errorf("ruby hash: no value for %q", truncate(key, 32))
			}
		}
		if err != nil {
			return nil, err
		}
		if val != "nil" || p.lastQuoted {
			if err := putField(m, key, val); err != nil {
				return nil, err
			}
		}
		p.ws()
		if p.eat(',') {
			p.ws()
			if p.eat('}') {
				return m, p.end()
			}
			continue
		}
		if p.eat('}') {
			return m, p.end()
		}
		return nil, fmt.Errorf("ruby hash: unexpected %q at %d", truncate(p.s[p.i:], 8), p.i)
	}
}

type rubyParser struct {
	s          string
	i          int
	lastQuoted bool
}

func (p *rubyParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *rubyParser) eat(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func (p *rubyParser) ws() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *rubyParser) end() error {
	p.ws()
	if p.i != len(p.s) {
		return fmt.Errorf("ruby hash: data after }")
	}
	return nil
}

// word reads a bare token: letters, digits, _ . + - (names, numbers, nil).
func (p *rubyParser) word() string {
	p.lastQuoted = false
	j := p.i
	for j < len(p.s) {
		c := p.s[j]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '+' || c == '-' {
			j++
			continue
		}
		break
	}
	w := p.s[p.i:j]
	p.i = j
	return w
}

// quoted reads a "double" (with \ escapes) or 'single' quoted string.
func (p *rubyParser) quoted() (string, error) {
	q := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch {
		case c == q:
			p.lastQuoted = true
			return b.String(), nil
		case c == '\\' && p.i < len(p.s):
			e := p.s[p.i]
			p.i++
			if q == '"' {
				switch e {
				case 'n':
					e = '\n'
				case 't':
					e = '\t'
				}
			} else if e != '\'' && e != '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(e)
		default:
			b.WriteByte(c)
		}
	}
	return "", errors.New("ruby hash: unterminated string")
}

// EncodeCallback renders a callback in one of the formats the simulator
// can send.
func EncodeCallback(cb Callback, format CallbackFormat) (body []byte, contentType string) {
	switch format {
	case FormatForm:
		v := url.Values{}
		v.Set("userid", strconv.FormatInt(cb.UserID, 10))
		v.Set("orderid", strconv.FormatInt(cb.OrderID, 10))
		v.Set("amount", cb.Amount.String())
		v.Set("key", cb.Key)
		v.Set("timestamp", strconv.FormatInt(cb.Timestamp, 10))
		for k, x := range cb.Extra {
			v.Set(k, x)
		}
		return []byte(v.Encode()), "application/x-www-form-urlencoded"
	case FormatRuby:
		s := fmt.Sprintf("{ :userid => %d, :orderid => %d, :amount => %s, :key => %q, :timestamp => %d",
			cb.UserID, cb.OrderID, cb.Amount, cb.Key, cb.Timestamp)
		for _, k := range sortedKeys(cb.Extra) {
			s += fmt.Sprintf(", :%s => %q", k, cb.Extra[k])
		}
		return []byte(s + " }"), "text/plain; charset=utf-8"
	}
	m := map[string]any{
		"userid": cb.UserID, "orderid": cb.OrderID, "amount": cb.Amount,
		"key": cb.Key, "timestamp": cb.Timestamp,
	}
	for k, x := range cb.Extra {
		if _, taken := m[k]; !taken {
			m[k] = x
		}
	}
	b, _ := json.Marshal(m)
	return b, "application/json"
}

// CallbackFormat is how the simulator encodes callbacks.
type CallbackFormat int

// The callback encodings: JSON (the default), form-encoded, and the
// document's Ruby-hash rendering.
const (
	FormatJSON CallbackFormat = iota
	FormatForm
	FormatRuby
)

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

func printableASCII(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
