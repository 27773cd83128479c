package client

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Kind classifies a failed call. Every Kind is itself an error, so callers
// test for one with errors.Is:
//
//	if errors.Is(err, client.ErrLocked) { ... }
//
// The mapping from the server's answers (spec README §9) is:
//
//	400, 413                 ErrBadRequest          the request was refused as malformed or too large
//	401                      ErrNotLoggedIn         session missing, expired or signature refused
//	402                      ErrInsufficientFunds   not enough balance for the check
//	403                      ErrForbidden           e.g. cancelling someone else's check
//	404 on AcceptCheck       ErrNotFoundOrWrongCode the document answers 404 "not authorized" for both
//	404 elsewhere            ErrNotFound            no such check / websession / endpoint
//	409                      ErrConflict            own check, fingerprint mismatch, idempotency reuse, ...
//	410                      ErrGone                check expired or already used/cancelled; QR expired
//	423                      ErrLocked              too many wrong codes; its creator can cancel it
//	429                      ErrRateLimited         Error.RetryAfter says when to try again
//	5xx, network errors      ErrUnavailable         after the call's retries are spent
//	2xx with a bad body      ErrBadResponse         oversized, not JSON, or wrongly typed
//	anything else (3xx, 405) ErrUnexpected
//
// A call that is stopped by its context returns an error that wraps
// ctx.Err() (errors.Is(err, context.DeadlineExceeded) holds), not an *Error.
type Kind int

// The kinds of failure. See Kind for the mapping from HTTP statuses.
const (
	ErrUnexpected Kind = iota
	ErrBadRequest
	ErrNotLoggedIn
	ErrInsufficientFunds
	ErrForbidden
	ErrNotFound
	ErrNotFoundOrWrongCode
	ErrConflict
	ErrGone
	ErrLocked
	ErrRateLimited
	ErrUnavailable
	ErrBadResponse
)

var kindText = [...]string{
	ErrUnexpected:          "unexpected answer from the server",
	ErrBadRequest:          "request refused",
	ErrNotLoggedIn:         "not logged in",
	ErrInsufficientFunds:   "insufficient funds",
	ErrForbidden:           "forbidden",
	ErrNotFound:            "not found",
	ErrNotFoundOrWrongCode: "no such check, or wrong code",
	ErrConflict:            "conflict",
	ErrGone:                "no longer available",
	ErrLocked:              "locked",
	ErrRateLimited:         "rate limited",
	ErrUnavailable:         "server unavailable",
	ErrBadResponse:         "malformed answer from the server",
}

// Error makes a Kind usable as an errors.Is target.
func (k Kind) Error() string { return k.String() }

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindText) {
		return kindText[k]
	}
	return fmt.Sprintf("client.Kind(%d)", int(k))
}

// Error is what every method returns when the server (or the network)
// refused a call. Status is the HTTP status, or 0 when there was none
// (network error, refused locally). Message is the server's own message,
// sanitized for display: control characters and ANSI escapes removed,
// truncated to about 300 characters.
type Error struct {
	Status     int
	Kind       Kind
	Message    string
	RetryAfter time.Duration
	// Op names the call, e.g. "POST /fastcheck".
	Op  string
	err error // the underlying network or decoding error, if any
	// earlierMayHaveActed: an earlier attempt of the same call failed in a
	// way that leaves open whether the server acted on it.
	earlierMayHaveActed bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("fastcheck")
	if e.Op != "" {
		b.WriteString(" ")
		b.WriteString(e.Op)
	}
	b.WriteString(": ")
	b.WriteString(e.Kind.String())
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter.Round(time.Second))
	}
	return b.String()
}

// Is reports whether target is this error's Kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

// Unwrap returns the underlying network or decoding error, if any.
func (e *Error) Unwrap() error { return e.err }

// kindForStatus maps an HTTP status to a Kind. accept is true for
// AcceptCheck, whose 404 means "no such check, or wrong code".
func kindForStatus(status int, accept bool) Kind {
	switch {
	case status == http.StatusBadRequest, status == http.StatusRequestEntityTooLarge:
		return ErrBadRequest
	case status == http.StatusUnauthorized:
		return ErrNotLoggedIn
	case status == http.StatusPaymentRequired:
		return ErrInsufficientFunds
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusNotFound && accept:
		return ErrNotFoundOrWrongCode
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusConflict:
		return ErrConflict
	case status == http.StatusGone:
		return ErrGone
	case status == http.StatusLocked:
		return ErrLocked
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status >= 500 && status <= 599:
		return ErrUnavailable
	}
	return ErrUnexpected
}

// maxMessage is how much of a server message is kept, in bytes.
const maxMessage = 300

// Sanitize makes server-supplied text safe to print on a terminal: it
// removes ANSI escape sequences, control characters and bidirectional
// overrides, replaces invalid UTF-8, collapses whitespace runs, and
// truncates to about 300 bytes on a rune boundary.
func Sanitize(s string) string {
	var b strings.Builder
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x1b: // ESC: skip the whole escape sequence
			i = skipEscape(s, i+size)
			continue
		case r == 0x9b: // C1 CSI
			i = skipCSI(s, i+size)
			continue
		case r == 0x9d: // C1 OSC
			i = skipOSC(s, i+size)
			continue
		case r == utf8.RuneError && size == 1:
			r = '\uFFFD'
		}
		i += size
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if unicode.IsControl(r) || isBidiControl(r) || r == '\u200b' || r == '\ufeff' {
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		if b.Len() > maxMessage+8 {
			break
		}
	}
	out := b.String()
	if len(out) > maxMessage {
		n := maxMessage
		for n > 0 && !utf8.RuneStart(out[n]) {
			n--
		}
		out = out[:n] + "…"
	}
	return out
}

func isBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// skipEscape skips what follows an ESC at s[i:]: a CSI, an OSC/DCS/APC
// string, or a single character.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', '_', '^', 'X':
		return skipOSC(s, i+1)
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	return i + size
}

// skipCSI skips parameter and intermediate bytes up to and including the
// final byte (0x40–0x7e).
func skipCSI(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if c >= 0x40 && c <= 0x7e {
			return i + 1
		}
		if c < 0x20 || c > 0x7e {
			return i // malformed: end the sequence, keep the byte
		}
		i++
	}
	return i
}

// skipOSC skips a string up to BEL or ST (ESC \ or 0x9c).
func skipOSC(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		case strings.HasPrefix(s[i:], "\u009c"):
			return i + len("\u009c")
		}
		i++
	}
	return i
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var secs int64
	if _, err := fmt.Sscanf(v, "%d", &secs); err == nil && fmt.Sprint(secs) == v {
		if secs < 0 {
			return 0
		}
		if secs > 86400 {
			secs = 86400
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, 24*time.Hour)
		}
	}
	return 0
}
