package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"fastcheck/api"
)

// auth says how a request is authenticated.
type auth int

const (
	public     auth = iota // unsigned (ping, check status)
	signed                 // signed; the websession in the path is bound to the key
	signedKey              // signed and carrying Fastcheck-Key (new websession, phone calls)
	signedAuth             // signed with Authorization: {"sessionID": "..."}
)

// retryPolicy says which failures a call may retry.
type retryPolicy int

const (
	// retrySafe: a read or an idempotent delete. Network errors, 502,
	// 503, 504 and 429 are retried.
	retrySafe retryPolicy = iota
	// retryKeyed: a money-moving POST/DELETE carrying an Idempotency-Key
	// that stays the same across attempts, so the server replays rather
	// than repeats. Network errors, every 5xx and 429 are retried.
	retryKeyed
	// retryUnsent: a state change without an idempotency key (approving a
	// login). Only failures where the request surely did not reach the
	// handler are retried: dial errors and 429.
	retryUnsent
)

// call is one logical API call; it may take several attempts.
type call struct {
	method, path string
	query        url.Values
	body         []byte // nil: no body
	auth         auth
	retry        retryPolicy
	idemKey      string
	wait         time.Duration // long-poll length, added to the attempt timeout
	accept       bool          // AcceptCheck: a 404 is "not found or wrong code"
	// stream, when set, reads a 2xx body itself (through the size cap)
	// instead of having it buffered and decoded; a retry calls it again.
	stream func(io.Reader) error
}

func (cl *call) op() string { return cl.method + " " + cl.path }

// backoffPolicy is exponential backoff with full jitter.
type backoffPolicy struct {
	base, cap     time.Duration
	maxRetryAfter time.Duration // a longer Retry-After ends the call instead
}

var defaultBackoff = backoffPolicy{base: 100 * time.Millisecond, cap: 2 * time.Second, maxRetryAfter: 5 * time.Second}

// delay is the pause before retry number attempt (0-based).
func (b backoffPolicy) delay(attempt int) time.Duration {
	d := b.cap
	if attempt < 16 {
		d = min(b.cap, b.base<<attempt)
	}
	return rand.N(d + 1)
}

// answer is one HTTP exchange.
type answer struct {
	status int
	header http.Header
	body   []byte
	tooBig bool
	// streamed: call.stream read the body; streamErr is what it said.
	streamed  bool
	streamErr error
	sent      time.Time // local time the request went out
}

// do runs a call: it signs and sends each attempt, retries per the call's
// policy, corrects clock skew once, and decodes a 2xx body into out
// (which may be nil).
func (c *Client) do(ctx context.Context, cl *call, out any) error {
	if cl.auth != public && c.key == nil {
		return &Error{Kind: ErrNotLoggedIn, Op: cl.op(), Message: "no signing key is configured (Options.Key)"}
	}
	if cl.auth == signedAuth && c.Session() == "" {
		return &Error{Kind: ErrNotLoggedIn, Op: cl.op(), Message: "no session; log in first"}
	}
	var lastErr *Error
	skewFixed := false
	earlierMayHaveActed := false // an earlier attempt may have reached the handler
	for attempt := 0; ; {
		if err := ctx.Err(); err != nil {
			return ctxError(cl, err, lastErr)
		}
		ans, err := c.attempt(ctx, cl)
		var retryAfter time.Duration
		retry := false
		switch {
		case err != nil && ctx.Err() != nil:
			return ctxError(cl, ctx.Err(), lastErr)
		case err != nil:
			lastErr = &Error{Kind: ErrUnavailable, Op: cl.op(), Message: Sanitize(err.Error()), err: err}
			retry = cl.retry != retryUnsent || notSent(err)
			earlierMayHaveActed = earlierMayHaveActed || !notSent(err)
		case ans.status >= 200 && ans.status <= 299:
			return c.decode(cl, ans, out)
		default:
			lastErr = c.apiError(cl, ans)
			lastErr.earlierMayHaveActed = earlierMayHaveActed
			earlierMayHaveActed = earlierMayHaveActed || ans.status >= 500
			retryAfter = lastErr.RetryAfter
			if ans.status == http.StatusUnauthorized && !skewFixed && c.fixSkew(ans, lastErr.Message) {
				skewFixed = true
				continue // re-signed at once; does not count as a retry
			}
			retry = retryableStatus(cl.retry, ans.status) ||
				// A replayed nonce means a transport resent our exact
				// bytes; the server did nothing with them. A fresh
				// signature is safe whenever a retry is.
				ans.status == http.StatusUnauthorized && cl.retry != retryUnsent && strings.Contains(lastErr.Message, "replayed request")
		}
		if !retry || attempt >= c.retries {
			return lastErr
		}
		if retryAfter > c.backoff.maxRetryAfter {
			return lastErr // the caller decides whether to wait that long
		}
		wait := max(c.backoff.delay(attempt), retryAfter)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return lastErr // waiting would only end in the deadline
		}
		c.log.Debug("fastcheck: retrying", "op", cl.op(), "attempt", attempt+1, "after", wait, "reason", lastErr.Error())
		if err := sleep(ctx, wait); err != nil {
			return ctxError(cl, err, lastErr)
		}
		attempt++
	}
}

// attempt builds, signs and sends one request and reads its answer
// through the size cap.
func (c *Client) attempt(ctx context.Context, cl *call) (*answer, error) {
	actx, cancel := context.WithTimeout(ctx, c.attemptTTL+cl.wait)
	defer cancel()
	target := c.base + cl.path
	if len(cl.query) > 0 {
		target += "?" + cl.query.Encode()
	}
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(actx, cl.method, target, body)
	if err != nil {
		return nil, err
	}
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
		// Never let the transport resend these bytes on its own: the
		// signature's nonce is single-use. Retries here re-sign.
		req.GetBody = nil
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "fastcheck-client/1")
	if cl.auth != public {
		if cl.auth == signedKey {
			req.Header.Set(api.HeaderPublicKey, api.UserID(c.key.Public().(ed25519.PublicKey)))
		}
		if cl.auth == signedAuth {
			req.Header.Set("Authorization", authorization(c.Session()))
		}
		if cl.idemKey != "" {
			req.Header.Set(api.HeaderIdempotencyKey, cl.idemKey)
		}
		api.Sign(req, cl.body, c.key, c.now())
	}
	sent := c.localNow()
	resp, err := c.httpc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	ans := &answer{status: resp.StatusCode, header: resp.Header, sent: sent}
	if cl.stream != nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		ans.streamed = true
		ans.streamErr = cl.stream(io.LimitReader(resp.Body, c.maxBody))
		return ans, nil
	}
	ans.body, err = io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if int64(len(ans.body)) > c.maxBody {
		ans.body, ans.tooBig = ans.body[:c.maxBody], true
	}
	return ans, nil
}

// authorization is the header value exactly as the documents write it.
func authorization(session string) string {
	b, _ := json.Marshal(session) // escapes anything odd
	return `{"sessionID": ` + string(b) + `}`
}

// decode parses a 2xx body into out. The body must be one JSON object
// (an empty body is accepted only when out is nil); unknown fields are
// ignored.
func (c *Client) decode(cl *call, ans *answer, out any) error {
	bad := func(msg string, err error) error {
		return &Error{Kind: ErrBadResponse, Status: ans.status, Op: cl.op(), Message: msg, err: err}
	}
	if ans.streamed {
		if ans.streamErr != nil {
			return bad("the answer is not valid JSON: "+Sanitize(ans.streamErr.Error()), ans.streamErr)
		}
		return nil
	}
	if out == nil {
		return nil // the status says it all ({ }, or nothing, or anything)
	}
	if ans.tooBig {
		return bad(fmt.Sprintf("the answer is larger than %d bytes", c.maxBody), nil)
	}
	trimmed := bytes.TrimSpace(ans.body)
	if len(trimmed) == 0 {
		return bad("the answer is empty, want a JSON object", nil)
	}
	if trimmed[0] != '{' {
		return bad("the answer is not a JSON object: "+snippet(trimmed), nil)
	}
	err := json.Unmarshal(trimmed, out)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// The documents' examples end objects with a trailing comma
		// ({"message": "pong", }) and quote some strings typographically.
		if relaxed, ok := api.MendSlips(trimmed); ok && json.Unmarshal(relaxed, out) == nil {
			err = nil
		}
	}
	if err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return bad(fmt.Sprintf("field %q has the wrong type (%s, want %s)", te.Field, te.Value, te.Type), err)
		}
		return bad("the answer is not valid JSON: "+Sanitize(err.Error()), err)
	}
	return nil
}

// apiError turns a non-2xx answer into an *Error.
func (c *Client) apiError(cl *call, ans *answer) *Error {
	e := &Error{Status: ans.status, Kind: kindForStatus(ans.status, cl.accept), Op: cl.op()}
	var m struct {
		Message any `json:"message"`
	}
	isJSON := !ans.tooBig && json.Unmarshal(bytes.TrimSpace(ans.body), &m) == nil
	if s, ok := m.Message.(string); ok {
		e.Message = Sanitize(s)
	}
	if e.Message == "" {
		// No usable message: the status text, plus the start of a body
		// that is not JSON (an HTML error page says what went wrong).
		e.Message = Sanitize(http.StatusText(ans.status))
		if s := snippet(bytes.TrimSpace(ans.body)); s != "" && !ans.tooBig && !isJSON {
			e.Message += ": " + s
		}
	}
	if ans.status == http.StatusTooManyRequests || ans.status == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(ans.header.Get("Retry-After"), c.localNow())
	}
	return e
}

// snippet is a short, printable piece of a body for error messages.
func snippet(b []byte) string {
	if len(b) > 80 {
		b = b[:80]
	}
	return Sanitize(string(b))
}

// fixSkew learns the clock offset from a clock-skew 401 (spec: it carries
// the server's Date) and reports whether a re-signed retry may help.
func (c *Client) fixSkew(ans *answer, msg string) bool {
	m := strings.ToLower(msg)
	if !strings.Contains(m, "time window") && !strings.Contains(m, "clock") &&
		!strings.Contains(m, "server time") && !strings.Contains(m, "before the server started") {
		return false
	}
	date, err := http.ParseTime(ans.header.Get("Date"))
	if err != nil {
		return false
	}
	// Date is truncated to the second and was taken at some moment between
	// our send and our receive. Date+1s−send is an upper bound of the true
	// offset, so the corrected clock is never behind the server's (being
	// behind is what the server refuses: old signatures, and signatures
	// older than its start); it is ahead by at most 1 s plus the round trip,
	// well inside the 5 s the profile allows.
	ref := ans.sent
	if rtt := c.localNow().Sub(ans.sent); rtt > 2*time.Second {
		ref = ans.sent.Add(rtt / 2)
	}
	offset := date.Add(time.Second).Sub(ref)
	old := time.Duration(c.offset.Swap(int64(offset)))
	c.log.Warn("fastcheck: corrected the clock from the server's Date", "offset", offset.Round(time.Millisecond), "was", old.Round(time.Millisecond))
	return true
}

func retryableStatus(p retryPolicy, status int) bool {
	switch {
	case status == http.StatusTooManyRequests:
		return true
	case p == retryUnsent:
		return false
	case status == http.StatusBadGateway, status == http.StatusServiceUnavailable, status == http.StatusGatewayTimeout:
		return p == retrySafe || p == retryKeyed
	case p == retryKeyed && status >= 500 && status <= 599:
		return true
	}
	return false
}

// notSent reports whether err proves the request never reached the server.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// ctxError is the error of a call stopped by its context.
func ctxError(cl *call, err error, last *Error) error {
	if last != nil {
		return fmt.Errorf("fastcheck %s: %w (last failure: %v)", cl.op(), err, last)
	}
	return fmt.Errorf("fastcheck %s: %w", cl.op(), err)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
