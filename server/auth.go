package server

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"fastcheck/api"
	"fastcheck/ledger"
)

// authMode says which key a request must be signed with.
type authMode int

const (
	// keyIntro: the request carries its own key in Fastcheck-Key
	// (creating a websession; every phone request).
	keyIntro authMode = iota
	// boundKey: the websession named in the path is bound to the key
	// (polling or deleting a websession before or after approval).
	boundKey
	// session: Authorization names an approved, live websession, and the
	// request is signed by the key that websession is bound to.
	session
)

// caller is an authenticated request.
type caller struct {
	pub ed25519.PublicKey
	ws  ledger.Websession // for boundKey and session
}

// authError is a 401 answer. skew adds the server's Date so the client can
// correct its clock and retry once.
type authError struct {
	msg  string
	skew bool
}

func (e *authError) Error() string { return e.msg }

// authenticate checks a request's signature in the guide's order: header
// sizes and shape → the key bound to this session → body digest → time
// window → signature → nonce. Only after all of it is any JSON parsed.
//
// A session's key never changes, so once a session has been read its key
// is kept (Server.keys). A session request whose key is known is checked
// without reading the session first, and the nonce and the session's
// current state then come in one store call (SessionNonce: one round trip
// on PostgreSQL instead of two); its state and expiry are judged exactly
// as on the first request.
func (s *Server) authenticate(ctx context.Context, r *http.Request, body []byte, mode authMode, sessionID string) (*caller, error) {
	sr, err := api.ParseSignature(r.Header)
	if err != nil {
		return nil, &authError{msg: err.Error()}
	}
	c := &caller{}
	switch mode {
	case keyIntro:
		if sr.PublicKey == nil {
			return nil, &authError{msg: "this request must carry the signing key in the Fastcheck-Key header"}
		}
		c.pub = sr.PublicKey
	case boundKey, session:
		if mode == session {
			sessionID, err = parseAuthorization(r.Header)
			if err != nil {
				return nil, &authError{msg: err.Error()}
			}
			if pub, ok := s.keys.Get(sessionID); ok {
				return s.authenticateKnown(ctx, r, body, sr, sessionID, pub)
			}
		}
		ws, err := s.store.Websession(ctx, sessionID)
		if err := sessionUsable(ws, err, mode, s.now()); err != nil {
			return nil, err
		}
		c.ws, c.pub = ws, ed25519.PublicKey(ws.PublicKey)
	}
	now, err := s.verify(r, body, sr, c.pub)
	if err != nil {
		return nil, err
	}
	if mode == session {
		s.keys.Put(sessionID, c.pub) // the signature proved the key
	}
	// The nonce store is the ledger's (ledger.Shared): a replay is refused
	// at whichever replica it reaches.
	fresh, err := s.store.UseNonce(ctx, nonceKey(sr), sr.Expires.Add(MaxNonceSlack), now)
	if err != nil {
		return nil, err
	}
	if !fresh {
		return nil, errReplay
	}
	return c, nil
}

// authenticateKnown is authenticate for a session request whose session
// key is known: signature first, then nonce and session together.
func (s *Server) authenticateKnown(ctx context.Context, r *http.Request, body []byte, sr *api.SignedRequest, sessionID string, pub ed25519.PublicKey) (*caller, error) {
	now, err := s.verify(r, body, sr, pub)
	if err != nil {
		return nil, err
	}
	ws, fresh, err := s.store.SessionNonce(ctx, sessionID, nonceKey(sr), sr.Expires.Add(MaxNonceSlack), now)
	if err := sessionUsable(ws, err, session, s.now()); err != nil {
		return nil, err
	}
	if !ed25519.PublicKey(ws.PublicKey).Equal(pub) { // not reached: a session's key never changes
		return nil, &authError{msg: "not authorized"}
	}
	if !fresh {
		return nil, errReplay
	}
	return &caller{ws: ws, pub: pub}, nil
}

// sessionUsable judges a session read for a request in mode (boundKey or
// session): it must exist and not be deleted, and a session request needs
// it approved and unexpired.
func sessionUsable(ws ledger.Websession, err error, mode authMode, now time.Time) error {
	if errors.Is(err, ledger.ErrNotFound) || (err == nil && ws.State == ledger.SessionDeleted) {
		if mode == session {
			return &authError{msg: "not authorized"}
		}
		return errNoWebsession
	}
	if err != nil {
		return err
	}
	if mode == session && (ws.State != ledger.SessionApproved || !now.Before(ws.ExpiresAt)) {
		return &authError{msg: "not authorized"}
	}
	return nil
}

// verify checks the signature with pub at the server's time, and the
// fence against signatures made before the server started. It returns
// that time.
func (s *Server) verify(r *http.Request, body []byte, sr *api.SignedRequest, pub ed25519.PublicKey) (time.Time, error) {
	now := s.now()
	if err := sr.Verify(pub, r.Method, s.targetURI(r), r.Header, body, now); err != nil {
		if errors.Is(err, api.ErrClockSkew) {
			return now, &authError{skew: true, msg: fmt.Sprintf("%s (server time %s)", err, api.FormatTime(now))}
		}
		return now, &authError{msg: err.Error()}
	}
	if up := time.Since(s.bootMono); up < MaxBootFence && sr.Created.Before(now.Add(-up).Truncate(time.Second)) {
		return now, &authError{skew: true, msg: "signature was made before the server started; sign the request again"}
	}
	return now, nil
}

func nonceKey(sr *api.SignedRequest) string { return sr.KeyID + "/" + sr.Nonce }

var errReplay = &authError{msg: "replayed request: this signature nonce was already used"}

// MaxBootFence is how long after start signatures made before the start
// are refused; past it, such a signature is too old anyway. The start time
// is taken in the current clock's frame (now minus the monotonic uptime),
// so a wall clock stepped after start moves the fence with it.
const MaxBootFence = api.MaxSignatureAge + api.MaxClockAhead

// MaxNonceSlack keeps a nonce a little past its signature's expiry.
const MaxNonceSlack = 10 * time.Second

var errNoWebsession = errors.New("no such websession")

// parseAuthorization reads the spec's header value {"sessionID": "<id>"}.
func parseAuthorization(h http.Header) (string, error) {
	vals := h.Values("Authorization")
	if len(vals) == 0 {
		return "", errors.New(`not authorized: the Authorization header {"sessionID": "..."} is missing`)
	}
	if len(vals) > 1 || len(vals[0]) > maxAuthorization {
		return "", errors.New("not authorized: malformed Authorization header")
	}
	obj, err := api.DecodeObject([]byte(vals[0]))
	if err != nil || obj.Only("sessionID") != nil {
		return "", errors.New(`not authorized: Authorization must be {"sessionID": "<id>"}`)
	}
	id, err := obj.String("sessionID")
	if err != nil || !api.ValidID(id) {
		return "", errors.New("not authorized: sessionID must be 32 upper-case hex characters")
	}
	return id, nil
}

// writeAuthError answers an authentication failure.
func (s *Server) writeAuthError(w http.ResponseWriter, err error) {
	var ae *authError
	switch {
	case errors.As(err, &ae):
		if ae.skew {
			w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
		}
		w.Header().Set("WWW-Authenticate", `Signature realm="fastcheck"`)
		// The documents answer {"message": "not authorized"}; ours start
		// the same way and then say why.
		msg := ae.msg
		if !strings.HasPrefix(msg, "not authorized") {
			msg = "not authorized: " + msg
		}
		writeError(w, http.StatusUnauthorized, msg)
	case errors.Is(err, errNoWebsession):
		writeError(w, http.StatusNotFound, "no such websession")
	default:
		s.internalError(w, err)
	}
}

func (s *Server) internalError(w http.ResponseWriter, err error) {
	if errors.Is(err, context.Canceled) {
		writeError(w, 499, "request cancelled")
		return
	}
	s.log.Error("internal error", "err", err)
	writeError(w, http.StatusInternalServerError, "internal error")
}

// limiter is a token bucket per key (an IP address, a user), kept in the
// ledger's shared state (ledger.Shared), so that a limit reached at one
// replica holds at all of them. name keeps the limiters' keys apart.
type limiter struct {
	name  string
	rate  float64 // tokens per second
	burst float64
}

func newLimiter(name string, perSecond, burst float64) *limiter {
	return &limiter{name: name, rate: perSecond, burst: burst}
}

// limit answers 429 with Retry-After when key is over the limit (and 500
// if the shared state cannot be read).
func (s *Server) limit(w http.ResponseWriter, l *limiter, key string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ok, wait, err := s.store.TakeToken(ctx, l.name+":"+key, l.rate, l.burst, s.now())
	if err != nil {
		s.internalError(w, err)
		return false
	}
	if ok {
		return true
	}
	writeRateLimited(w, wait)
	return false
}

func writeRateLimited(w http.ResponseWriter, wait time.Duration) {
	secs := int(wait.Seconds() + 0.999)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", fmt.Sprint(secs))
	writeError(w, http.StatusTooManyRequests, fmt.Sprintf("too many requests; try again in %d s", secs))
}

// notifier wakes long-polls when a websession changes in this process.
// Long-polls also re-read the store once a second, so a change made by
// another replica is seen too.
type notifier struct {
	mu      sync.Mutex
	waiters map[string][]chan struct{}
	closed  bool
}

func newNotifier() *notifier { return &notifier{waiters: map[string][]chan struct{}{}} }

func (n *notifier) wait(id string) (<-chan struct{}, func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	ch := make(chan struct{})
	if n.closed {
		close(ch)
		return ch, func() {}
	}
	n.waiters[id] = append(n.waiters[id], ch)
	return ch, func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		list := n.waiters[id]
		for i, c := range list {
			if c == ch {
				n.waiters[id] = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(n.waiters[id]) == 0 {
			delete(n.waiters, id)
		}
	}
}

func (n *notifier) notify(id string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, ch := range n.waiters[id] {
		close(ch)
	}
	delete(n.waiters, id)
}

func (n *notifier) closeAll() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closed = true
	for id, list := range n.waiters {
		for _, ch := range list {
			close(ch)
		}
		delete(n.waiters, id)
	}
}
