package client

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"fastcheck/api"
)

// WaitForLogin waits until the websession id is approved or expires. It
// long-polls (?wait=25); against a server that ignores wait (answers a
// pending websession at once) or refuses it (400), it polls plainly at the
// server's "interval", or every DefaultPollInterval if the server names
// none. So a server that speaks only the documents works too.
//
// On approval it makes id the client's session (SetSession) and returns
// the websession. When the QR expires it returns an *Error of Kind
// ErrGone; per the spec a new websession should then be asked for only
// after user activity. ctx bounds the whole wait.
func (c *Client) WaitForLogin(ctx context.Context, id string) (api.Websession, error) {
	longPoll := true
	for {
		start := time.Now()
		wait := time.Duration(0)
		if longPoll {
			wait = LongPollWait
		}
		ws, err := c.Websession(ctx, id, wait)
		if err != nil {
			if longPoll && errors.Is(err, ErrBadRequest) {
				longPoll = false // a strict server refusing the extension
				c.log.Debug("fastcheck: the server refused ?wait=; polling instead")
				continue
			}
			return ws, err
		}
		if ws.Status || ws.State == api.StateApproved {
			session := ws.SessionID
			if session == "" {
				session = id
			}
			c.SetSession(session)
			return ws, nil
		}
		if c.loginExpired(ws) {
			return ws, &Error{Kind: ErrGone, Op: "GET /websession/{id}", Message: "the login QR has expired; ask for a new one"}
		}
		elapsed := time.Since(start)
		if longPoll && elapsed < time.Second {
			// A pending answer at once: the server does not long-poll.
			longPoll = false
			c.log.Debug("fastcheck: the server ignores ?wait=; polling at its interval")
		}
		if !longPoll {
			if err := sleep(ctx, pollInterval(ws)-elapsed); err != nil {
				return ws, fmt.Errorf("fastcheck: waiting for login: %w", err)
			}
		}
	}
}

// pollInterval is the server's pace (the "interval" extension), bounded to
// 1–60 s, or DefaultPollInterval.
func pollInterval(ws api.Websession) time.Duration {
	if ws.PollInterval <= 0 {
		return DefaultPollInterval
	}
	return min(max(time.Duration(ws.PollInterval)*time.Second, time.Second), time.Minute)
}

// expiryGrace absorbs a small difference between the clocks when the only
// sign of expiry is the "expires" time.
const expiryGrace = 2 * time.Second

// loginExpired reports whether a not-approved websession has expired: the
// "state" extension says so, or "expires" is a time (the documents'
// example holds the placeholder "sessionId") that has passed.
func (c *Client) loginExpired(ws api.Websession) bool {
	if ws.State == api.StateExpired {
		return true
	}
	if t, err := api.ParseTime(ws.Expires); err == nil {
		return c.now().After(t.Add(expiryGrace))
	}
	return false
}

// ParseApproveTarget reads what a phone scanned or was given: the QR URL
// <server base>/approve/<ID> (baseURL is then the server base), or a bare
// websession id (baseURL is then ""). The id is returned upper-case.
// Credentials, query and fragment of a URL are dropped.
func ParseApproveTarget(s string) (baseURL, sessionID string, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", errors.New("client: empty login target; give the QR URL or the session id")
	}
	if id := strings.ToUpper(s); api.ValidID(id) {
		return "", id, nil
	}
	u, perr := url.Parse(s)
	if perr != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", "", fmt.Errorf("client: %s is neither a login URL (<server>/approve/<id>) nor a 32-character session id", api.Quote(s))
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	i := strings.LastIndex(path, "/approve/")
	if i < 0 {
		return "", "", fmt.Errorf("client: URL %s has no /approve/<id> path", api.Quote(s))
	}
	id := strings.ToUpper(path[i+len("/approve/"):])
	if !api.ValidID(id) {
		return "", "", fmt.Errorf("client: %s is not a session id (32 hex characters)", api.Quote(id))
	}
	return u.Scheme + "://" + u.Host + path[:i], id, nil
}
