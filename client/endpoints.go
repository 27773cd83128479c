package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"

	"fastcheck/api"
)

// Ping checks that the server is available (GET /ping, public). It fails
// unless the server answers {"message": "pong"}.
func (c *Client) Ping(ctx context.Context) error {
	cl := &call{method: "GET", path: "/ping", auth: public}
	var m api.Message
	if err := c.do(ctx, cl, &m); err != nil {
		return err
	}
	if m.Message != "pong" {
		return &Error{Kind: ErrBadResponse, Status: 200, Op: cl.op(), Message: "ping answered " + strconv.Quote(Sanitize(m.Message)) + ", want \"pong\""}
	}
	return nil
}

// CreateWebsession asks for a new login websession (GET /websession),
// signed by the client's key and bound to it (Fastcheck-Key). Show
// LoginURL(ws) as the QR and Fingerprint() beside it.
func (c *Client) CreateWebsession(ctx context.Context) (api.Websession, error) {
	var ws api.Websession
	err := c.do(ctx, &call{method: "GET", path: "/websession", auth: signedKey}, &ws)
	return ws, err
}

// maxWait bounds the ?wait= a caller may ask for.
const maxWait = 600 * time.Second

// Websession reads a websession's status (GET /websession/{id}), signed by
// the key the websession is bound to; no Authorization is needed. With
// wait > 0 it uses the long-poll extension (?wait=<seconds>): the server
// answers as soon as the websession is approved or expires, or after wait.
// A server that ignores wait answers at once.
func (c *Client) Websession(ctx context.Context, id string, wait time.Duration) (api.Websession, error) {
	var ws api.Websession
	cl := &call{method: "GET", path: "/websession/" + url.PathEscape(id), auth: signed}
	if id == "" {
		return ws, localError(cl, ErrBadRequest, "websession id is empty")
	}
	if wait > 0 {
		wait = min(wait, maxWait)
		secs := int((wait + time.Second - 1) / time.Second)
		cl.query = url.Values{"wait": {strconv.Itoa(secs)}}
		cl.wait = time.Duration(secs) * time.Second
	}
	err := c.do(ctx, cl, &ws)
	return ws, err
}

// DeleteWebsession ends a websession: logs out, or withdraws a QR
// (DELETE /websession/{id} with the body {"sessionId": id}, as the spec
// writes it). If it is the client's session, the client forgets it. A
// retry that finds the websession already gone counts as success.
func (c *Client) DeleteWebsession(ctx context.Context, id string) error {
	body, _ := json.Marshal(struct {
		SessionID string `json:"sessionId"`
	}{id})
	cl := &call{method: "DELETE", path: "/websession/" + url.PathEscape(id), body: body, auth: signed}
	if id == "" {
		return localError(cl, ErrBadRequest, "websession id is empty")
	}
	err := c.doDelete(ctx, cl)
	if err == nil {
		c.mu.Lock()
		if c.session == id {
			c.session = ""
		}
		c.mu.Unlock()
	}
	return err
}

// doDelete runs an idempotent delete; a 404 after an attempt that may
// have reached the server means that attempt did the work.
func (c *Client) doDelete(ctx context.Context, cl *call) error {
	err := c.do(ctx, cl, nil)
	if e, ok := err.(*Error); ok && e.Kind == ErrNotFound && e.earlierMayHaveActed {
		return nil
	}
	return err
}

// CheckStatus looks up a check (GET /fastcheck?fastcheck=..., public,
// unsigned). number may be typed loosely ("1234 5678 0001").
func (c *Client) CheckStatus(ctx context.Context, number string) (api.CheckStatus, error) {
	var st api.CheckStatus
	cl := &call{method: "GET", path: "/fastcheck", auth: public}
	n, err := api.NormalizeCheckNumber(number)
	if err != nil {
		return st, localError(cl, ErrBadRequest, err.Error())
	}
	cl.query = url.Values{"fastcheck": {n}}
	err = c.do(ctx, cl, &st)
	return st, err
}

// CreateCheck moves amount (minor units: 158000 RUB is 1,580.00 ₽) from
// the balance into a new check (POST /fastcheck). The call carries one
// Idempotency-Key across its retries, so it creates at most one check.
func (c *Client) CreateCheck(ctx context.Context, amount int64, currency string) (api.CreateCheckResponse, error) {
	var res api.CreateCheckResponse
	body, _ := json.Marshal(api.CreateCheckRequest{Amount: amount, Currency: currency})
	err := c.do(ctx, &call{method: "POST", path: "/fastcheck", body: body, auth: signedAuth,
		retry: retryKeyed, idemKey: api.NewNonce()}, &res)
	return res, err
}

// AcceptCheck moves a check's money to the balance (POST /fastcheck with
// fastcheck and code). A wrong code and an unknown check both answer
// ErrNotFoundOrWrongCode (the document's 404 "not authorized"); after five
// wrong codes the check is ErrLocked. Idempotent across retries.
func (c *Client) AcceptCheck(ctx context.Context, number, code string) (api.AcceptCheckResponse, error) {
	var res api.AcceptCheckResponse
	cl := &call{method: "POST", path: "/fastcheck", auth: signedAuth, retry: retryKeyed, accept: true}
	n, err := api.NormalizeCheckNumber(number)
	if err != nil {
		return res, localError(cl, ErrBadRequest, err.Error())
	}
	cl.body, _ = json.Marshal(api.AcceptCheckRequest{Fastcheck: n, Code: code})
	cl.idemKey = api.NewNonce()
	err = c.do(ctx, cl, &res)
	return res, err
}

// CancelCheck returns an active (or locked) check's money to its creator
// (DELETE /fastcheck/{number}, extension). Idempotent across retries.
func (c *Client) CancelCheck(ctx context.Context, number string) (api.CancelCheckResponse, error) {
	var res api.CancelCheckResponse
	n, err := api.NormalizeCheckNumber(number)
	cl := &call{method: "DELETE", path: "/fastcheck/" + url.PathEscape(n), auth: signedAuth, retry: retryKeyed}
	if err != nil {
		cl.path = "/fastcheck/{number}"
		return res, localError(cl, ErrBadRequest, err.Error())
	}
	cl.idemKey = api.NewNonce()
	err = c.do(ctx, cl, &res)
	return res, err
}

// Balance is the user's balance (GET /balance).
func (c *Client) Balance(ctx context.Context) (api.Balance, error) {
	var b api.Balance
	err := c.do(ctx, &call{method: "GET", path: "/balance", auth: signedAuth}, &b)
	return b, err
}

// ActiveChecks lists the user's unused checks with their codes
// (GET /fastcheck/active).
func (c *Client) ActiveChecks(ctx context.Context) ([]api.ActiveCheck, error) {
	var res api.ActiveChecks
	err := c.do(ctx, &call{method: "GET", path: "/fastcheck/active", auth: signedAuth}, &res)
	return res.Checks, err
}

// History lists used, expired and cancelled checks the user created or
// accepted (GET /fastcheck/history).
func (c *Client) History(ctx context.Context) ([]api.HistoryCheck, error) {
	var res api.HistoryChecks
	err := c.do(ctx, &call{method: "GET", path: "/fastcheck/history", auth: signedAuth}, &res)
	return res.Checks, err
}

// HistoryEach is History without holding the whole answer: begin is
// called before the rows (again if the call is retried), then each with
// every row in turn as it is decoded off the wire. A long history then
// costs only what the caller keeps of it.
func (c *Client) HistoryEach(ctx context.Context, begin func(), each func(api.HistoryCheck)) error {
	stream := func(r io.Reader) error {
		begin()
		dec := json.NewDecoder(r)
		if t, err := dec.Token(); err != nil {
			return err
		} else if t != json.Delim('{') {
			return fmt.Errorf("want a JSON object, got %v", t)
		}
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return err
			}
			if t != "checks" {
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return err
				}
				continue
			}
			if t, err := dec.Token(); err != nil {
				return err
			} else if t != json.Delim('[') {
				return fmt.Errorf("checks: want an array, got %v", t)
			}
			for dec.More() {
				var h api.HistoryCheck
				if err := dec.Decode(&h); err != nil {
					return err
				}
				each(h)
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
		}
		_, err := dec.Token()
		return err
	}
	return c.do(ctx, &call{method: "GET", path: "/fastcheck/history", auth: signedAuth, stream: stream}, nil)
}

// PhoneWebsession is the phone's view of a login before it approves
// (GET /phone/websession/{id}, extension): the requesting key's
// fingerprint, IP and state. The client's key acts as the phone key.
func (c *Client) PhoneWebsession(ctx context.Context, id string) (api.PhoneWebsession, error) {
	var pw api.PhoneWebsession
	cl := &call{method: "GET", path: "/phone/websession/" + url.PathEscape(id), auth: signedKey}
	if id == "" {
		return pw, localError(cl, ErrBadRequest, "websession id is empty")
	}
	err := c.do(ctx, cl, &pw)
	return pw, err
}

// Approve approves a login as the phone (POST /phone/approve, extension).
// fingerprint repeats what the phone showed its user; the server refuses
// (ErrConflict) if it is not the requesting key's. The client's key acts
// as the phone key and becomes the userId. Approval is single-use, so the
// call is retried only when the request surely never arrived.
func (c *Client) Approve(ctx context.Context, id, fingerprint string) (api.ApproveResponse, error) {
	var res api.ApproveResponse
	body, _ := json.Marshal(api.ApproveRequest{SessionID: id, Fingerprint: fingerprint})
	err := c.do(ctx, &call{method: "POST", path: "/phone/approve", body: body, auth: signedKey, retry: retryUnsent}, &res)
	return res, err
}

// EnrolTOTP enrols an authenticator app's secret (base32) under handle
// for the phone identity whose key signs the call (POST /phone/totp). The
// handle is what a person types on the approve page.
func (c *Client) EnrolTOTP(ctx context.Context, handle, secret string) (api.TOTPEnrolResponse, error) {
	var res api.TOTPEnrolResponse
	body, _ := json.Marshal(api.TOTPEnrolRequest{Handle: handle, Secret: secret})
	err := c.do(ctx, &call{method: "POST", path: "/phone/totp", body: body, auth: signedKey, retry: retryUnsent}, &res)
	return res, err
}

// localError is a call refused before anything was sent.
func localError(cl *call, k Kind, msg string) *Error {
	return &Error{Kind: k, Op: cl.op(), Message: Sanitize(msg)}
}
