package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"fastcheck/api"
	"fastcheck/ledger"
)

func (s *Server) handlePing(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, api.Message{Message: "pong"})
}

// --- websessions (QR login) ---

func (s *Server) handleWebsessionCreate(w http.ResponseWriter, r *http.Request) {
	ip := s.clientIP(r)
	if !s.limit(w, s.websessionLimit, ip) {
		return
	}
	c, body, ok := s.begin(w, r, keyIntro, "")
	if !ok || !noParams(w, body) {
		return
	}
	now := s.now()
	ws := ledger.Websession{
		ID:        api.NewID(),
		PublicKey: c.pub,
		ClientIP:  ip,
		CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.WebsessionTTL),
		State:     ledger.SessionPending,
	}
	if err := s.store.CreateWebsession(r.Context(), ws); err != nil {
		s.internalError(w, err)
		return
	}
	s.log.Info("websession created", "id", ws.ID, "fingerprint", api.Fingerprint(c.pub), "ip", ip)
	v := s.websessionView(ws)
	if s.cfg.PublicURL != "" {
		v.ApproveURL = strings.TrimRight(s.cfg.PublicURL, "/") + "/approve/" + ws.ID
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) websessionView(ws ledger.Websession) api.Websession {
	v := api.Websession{SessionID: ws.ID, Expires: api.FormatTime(ws.ExpiresAt)}
	live := s.now().Before(ws.ExpiresAt)
	switch {
	case ws.State == ledger.SessionApproved && live:
		v.Status, v.State = true, api.StateApproved
		v.UserID, v.UserSessionID = ws.UserID, ws.UserSessionID
	case ws.State == ledger.SessionPending && live:
		v.State, v.PollInterval = api.StatePending, DefaultPollInterval
	default:
		v.State = api.StateExpired
	}
	return v
}

func (s *Server) handleWebsessionGet(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !api.ValidID(id) {
		writeError(w, http.StatusNotFound, "no such websession")
		return
	}
	wait, err := parseWait(r, s.cfg.Limits.MaxLongPoll)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	c, body, ok := s.begin(w, r, boundKey, id)
	if !ok || !noParams(w, body) {
		return
	}
	ws := c.ws
	if wait > 0 && ws.State == ledger.SessionPending {
		ws, err = s.waitForChange(r.Context(), ws, wait)
		if err != nil {
			s.internalError(w, err)
			return
		}
		if ws.State == ledger.SessionDeleted {
			writeError(w, http.StatusNotFound, "no such websession")
			return
		}
	}
	writeJSON(w, http.StatusOK, s.websessionView(ws))
}

// parseWait reads the long-poll extension ?wait=<seconds>.
func parseWait(r *http.Request, max time.Duration) (time.Duration, error) {
	v := r.URL.Query()["wait"]
	if len(v) == 0 {
		return 0, nil
	}
	n, err := strconv.Atoi(v[0])
	if len(v) > 1 || err != nil || n < 0 || len(v[0]) > 4 {
		return 0, fmt.Errorf("wait must be a whole number of seconds from 0 to %d", int(max.Seconds()))
	}
	return min(time.Duration(n)*time.Second, max), nil
}

// waitForChange holds a long-poll until the websession leaves pending, the
// QR expires, the wait ends or the client goes away.
func (s *Server) waitForChange(ctx context.Context, ws ledger.Websession, wait time.Duration) (ledger.Websession, error) {
	deadline := time.NewTimer(min(wait, time.Until(ws.ExpiresAt)+50*time.Millisecond))
	defer deadline.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		ch, cancel := s.waiters.wait(ws.ID)
		select {
		case <-ch:
		case <-tick.C:
		case <-deadline.C:
			cancel()
			return s.store.Websession(ctx, ws.ID)
		case <-ctx.Done():
			cancel()
			return ws, ctx.Err()
		}
		cancel()
		cur, err := s.store.Websession(ctx, ws.ID)
		if err != nil || cur.State != ledger.SessionPending || !s.now().Before(cur.ExpiresAt) {
			return cur, err
		}
		select {
		case <-s.stop:
			return cur, nil
		default:
		}
	}
}

func (s *Server) handleWebsessionDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !api.ValidID(id) {
		writeError(w, http.StatusNotFound, "no such websession")
		return
	}
	_, body, ok := s.begin(w, r, boundKey, id)
	if !ok {
		return
	}
	// The spec's body repeats the id; when it is there it must agree, and
	// so must an Authorization header.
	obj, err := api.DecodeObject(body)
	if err == nil {
		err = obj.Only("sessionId")
	}
	if err == nil && obj.Has("sessionId") {
		var bid string
		if bid, err = obj.String("sessionId"); err == nil && bid != id {
			err = errors.New("sessionId in the body does not match the path")
		}
	}
	if err == nil && len(r.Header.Values("Authorization")) > 0 {
		aid, aerr := parseAuthorization(r.Header)
		if aerr != nil { // a malformed header is a 401, as on every other request
			s.writeAuthError(w, &authError{msg: aerr.Error()})
			return
		}
		if aid != id {
			err = errors.New("Authorization names another websession than the path")
		}
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := s.store.DeleteWebsession(r.Context(), id, s.now()); err != nil {
		if errors.Is(err, ledger.ErrNotFound) {
			writeError(w, http.StatusNotFound, "no such websession")
			return
		}
		s.internalError(w, err)
		return
	}
	s.waiters.notify(id)
	s.log.Info("websession deleted", "id", id)
	writeJSON(w, http.StatusOK, struct{}{})
}

// --- checks ---

func (s *Server) handleCheckStatus(w http.ResponseWriter, r *http.Request) {
	if !s.limit(w, s.statusLimit, s.clientIP(r)) {
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	// Spec README §4: the query parameter, or the document's JSON body.
	number, err := numberFromQueryOrBody(r, body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	c, err := s.store.Check(r.Context(), number)
	if errors.Is(err, ledger.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no such check")
		return
	} else if err != nil {
		s.internalError(w, err)
		return
	}
	state := s.checkState(c)
	writeJSON(w, http.StatusOK, api.CheckStatus{
		Fastcheck:  c.Number,
		Expiration: api.FormatTime(c.ExpiresAt),
		Status:     state == api.CheckActive,
		Amount:     c.Amount,
		Currency:   c.Currency,
		State:      state,
	})
}

// checkState is the state a person should see: an unswept check past its
// expiry is expired, and a check with too many wrong codes is locked.
func (s *Server) checkState(c ledger.Check) string {
	switch {
	case c.Status != ledger.StatusActive:
		return c.Status
	case !s.now().Before(c.ExpiresAt):
		return api.CheckExpired
	case c.Locked():
		return api.CheckLocked
	}
	return api.CheckActive
}

func numberFromQueryOrBody(r *http.Request, body []byte) (string, error) {
	q := r.URL.Query()["fastcheck"]
	if len(q) > 1 {
		return "", errors.New("give the fastcheck parameter once")
	}
	obj, err := api.DecodeObject(body)
	if err != nil {
		return "", err
	}
	if err := obj.Only("fastcheck"); err != nil {
		return "", err
	}
	var number string
	if obj.Has("fastcheck") {
		if number, err = obj.String("fastcheck"); err != nil {
			return "", err
		}
		if len(q) == 1 && q[0] != number {
			return "", errors.New("the fastcheck query parameter and body disagree")
		}
	} else if len(q) == 1 {
		number = q[0]
	} else {
		return "", errors.New("fastcheck is required: GET /fastcheck?fastcheck=1234-5678-0001")
	}
	if !api.ValidCheckNumber(number) {
		return "", fmt.Errorf("fastcheck %s is not a check number like 1234-5678-0001", api.Quote(number))
	}
	return number, nil
}

// handleCheckPost is POST /fastcheck: create when the body has amount and
// currency, accept when it has fastcheck and code (spec README §5).
func (s *Server) handleCheckPost(w http.ResponseWriter, r *http.Request) {
	c, body, ok := s.begin(w, r, session, "")
	if !ok {
		return
	}
	obj, err := api.DecodeObject(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	idem, err := idempotency(r, body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	creates := obj.Has("amount") || obj.Has("currency")
	accepts := obj.Has("fastcheck") || obj.Has("code")
	switch {
	case creates && accepts:
		writeError(w, http.StatusBadRequest, "a request either creates a check (amount, currency) or accepts one (fastcheck, code), not both")
	case creates:
		s.createCheck(w, r, c, obj, idem)
	case accepts:
		s.acceptCheck(w, r, c, obj, idem)
	default:
		writeError(w, http.StatusBadRequest, "the body must create a check (amount, currency) or accept one (fastcheck, code)")
	}
}

// idempotency reads the Idempotency-Key header. The request hash covers
// the method, the path below the base path and the body.
func idempotency(r *http.Request, body []byte) (*ledger.Idempotency, error) {
	vals := r.Header.Values(api.HeaderIdempotencyKey)
	if len(vals) == 0 {
		return nil, nil
	}
	k := vals[0]
	if len(vals) > 1 || k == "" || len(k) > maxIdempotencyKey {
		return nil, fmt.Errorf("Idempotency-Key must be one value of 1 to %d characters", maxIdempotencyKey)
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return nil, errors.New("Idempotency-Key must be printable ASCII without spaces")
		}
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s %s\n", r.Method, r.URL.Path)
	h.Write(body)
	return &ledger.Idempotency{Key: k, Hash: h.Sum(nil)}, nil
}

func (s *Server) createCheck(w http.ResponseWriter, r *http.Request, c *caller, obj api.Object, idem *ledger.Idempotency) {
	if err := obj.Only("amount", "currency"); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	amount, err := obj.Int64("amount")
	if err == nil {
		err = api.CheckAmount(amount)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	currency, err := obj.String("currency")
	if err == nil {
		err = api.CheckCurrency(currency)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	now := s.now()
	res, err := s.store.CreateCheck(r.Context(), ledger.CreateCheck{
		UserID: c.ws.UserID, Amount: amount, Currency: currency,
		Now: now, ExpiresAt: now.Add(s.cfg.CheckTTL), Idem: idem,
	})
	if err != nil {
		s.metrics.ledgerOp("create", outcome(err), 1)
		s.writeLedgerError(w, err)
		return
	}
	s.metrics.ledgerOp("create", "ok", 1)
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, http.StatusOK, api.CreateCheckResponse{
		Fastcheck:  res.Check.Number,
		Expiration: api.FormatTime(res.Check.ExpiresAt),
		Code:       res.Check.Code,
		Status:     true,
		Amount:     res.Check.Amount,
		Currency:   res.Check.Currency,
	})
}

func (s *Server) acceptCheck(w http.ResponseWriter, r *http.Request, c *caller, obj api.Object, idem *ledger.Idempotency) {
	if err := obj.Only("fastcheck", "code"); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	number, err := obj.String("fastcheck")
	if err == nil && !api.ValidCheckNumber(number) {
		err = fmt.Errorf("fastcheck %s is not a check number like 1234-5678-0001", api.Quote(number))
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	code, err := obj.String("code")
	if err == nil && !api.ValidCheckCode(code) {
		err = errors.New("code must be 4 digits, as a string like \"0042\"")
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	res, err := s.store.AcceptCheck(r.Context(), ledger.AcceptCheck{
		UserID: c.ws.UserID, Number: number, Code: code, Now: s.now(),
		MaxFailuresPerHour: s.cfg.Limits.FailedAcceptsPerHour, Idem: idem,
	})
	if err != nil {
		s.metrics.ledgerOp("accept", outcome(err), 1)
		s.writeLedgerError(w, err)
		return
	}
	s.metrics.ledgerOp("accept", "ok", 1)
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	bal := res.Balance
	writeJSON(w, http.StatusOK, api.AcceptCheckResponse{
		Message: "ok", Amount: res.Check.Amount, Currency: res.Check.Currency, Balance: &bal,
	})
}

func (s *Server) handleCheckCancel(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	c, body, ok := s.begin(w, r, session, "")
	if !ok {
		return
	}
	if !api.ValidCheckNumber(number) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%s is not a check number like 1234-5678-0001", api.Quote(number)))
		return
	}
	if obj, err := api.DecodeObject(body); err != nil || obj.Only() != nil {
		writeError(w, http.StatusBadRequest, "cancel takes no request body")
		return
	}
	idem, err := idempotency(r, body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	res, err := s.store.CancelCheck(r.Context(), ledger.CancelCheck{UserID: c.ws.UserID, Number: number, Now: s.now(), Idem: idem})
	if err != nil {
		s.metrics.ledgerOp("cancel", outcome(err), 1)
		if errors.Is(err, ledger.ErrNotFound) {
			writeError(w, http.StatusNotFound, "no such check")
			return
		}
		s.writeLedgerError(w, err)
		return
	}
	s.metrics.ledgerOp("cancel", "ok", 1)
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, http.StatusOK, api.CancelCheckResponse{
		Message: "ok", Fastcheck: res.Check.Number, Amount: res.Check.Amount,
		Currency: res.Check.Currency, Balance: res.Balance,
	})
}

// writeLedgerError maps ledger errors to answers (spec README §9).
func (s *Server) writeLedgerError(w http.ResponseWriter, err error) {
	var tmf *ledger.TooManyFailures
	switch {
	case errors.As(err, &tmf):
		writeRateLimited(w, tmf.RetryAfter)
	case errors.Is(err, ledger.ErrNotFound), errors.Is(err, ledger.ErrWrongCode):
		// The accept document answers a failed accept with exactly this.
		writeError(w, http.StatusNotFound, "not authorized")
	case errors.Is(err, ledger.ErrLocked):
		writeError(w, http.StatusLocked, "check is locked after too many wrong codes; its creator can cancel it")
	case errors.Is(err, ledger.ErrExpired):
		writeError(w, http.StatusGone, "check has expired; its money went back to its creator")
	case errors.Is(err, ledger.ErrResolved):
		writeError(w, http.StatusGone, "check is no longer active: it was used or cancelled")
	case errors.Is(err, ledger.ErrInsufficientFunds):
		writeError(w, http.StatusPaymentRequired, "insufficient funds")
	case errors.Is(err, ledger.ErrCurrencyMismatch):
		writeError(w, http.StatusBadRequest, "currency differs from your account's currency")
	case errors.Is(err, ledger.ErrOwnCheck):
		writeError(w, http.StatusConflict, "you cannot accept your own check; cancel it instead")
	case errors.Is(err, ledger.ErrNotCreator):
		writeError(w, http.StatusForbidden, "only the check's creator can cancel it")
	case errors.Is(err, ledger.ErrIdempotencyReuse):
		writeError(w, http.StatusConflict, "Idempotency-Key was already used with a different request")
	case errors.Is(err, ledger.ErrBalanceLimit):
		writeError(w, http.StatusConflict, "balance would exceed the account limit")
	default:
		s.internalError(w, err)
	}
}

func outcome(err error) string {
	var tmf *ledger.TooManyFailures
	switch {
	case errors.As(err, &tmf):
		return "rate_limited"
	case errors.Is(err, ledger.ErrWrongCode):
		return "wrong_code"
	case errors.Is(err, ledger.ErrNotFound):
		return "not_found"
	case errors.Is(err, ledger.ErrLocked):
		return "locked"
	case errors.Is(err, ledger.ErrExpired):
		return "expired"
	case errors.Is(err, ledger.ErrInsufficientFunds):
		return "insufficient_funds"
	}
	return "error"
}

// --- reads ---

func (s *Server) handleBalance(w http.ResponseWriter, r *http.Request) {
	c, ok := s.authRead(w, r)
	if !ok {
		return
	}
	a, err := s.store.Account(r.Context(), c.ws.UserID)
	if err != nil {
		s.internalError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, api.Balance{Balance: a.Balance, Currency: a.Currency})
}

func (s *Server) handleActive(w http.ResponseWriter, r *http.Request) {
	c, ok := s.authRead(w, r)
	if !ok {
		return
	}
	checks, err := s.store.ActiveChecks(r.Context(), c.ws.UserID)
	if err != nil {
		s.internalError(w, err)
		return
	}
	out := api.ActiveChecks{Checks: []api.ActiveCheck{}}
	for _, ch := range checks {
		out.Checks = append(out.Checks, api.ActiveCheck{
			Fastcheck: ch.Number, Amount: ch.Amount, Currency: ch.Currency, Code: ch.Code,
			CreatedAt: api.FormatTime(ch.CreatedAt), Expiration: api.FormatTime(ch.ExpiresAt),
			Status: api.CheckActive, Locked: ch.Locked(),
		})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request) {
	c, ok := s.authRead(w, r)
	if !ok {
		return
	}
	checks, err := s.store.History(r.Context(), c.ws.UserID, 0)
	if err != nil {
		s.internalError(w, err)
		return
	}
	out := api.HistoryChecks{Checks: []api.HistoryCheck{}}
	for _, ch := range checks {
		h := api.HistoryCheck{
			Fastcheck: ch.Number, Amount: ch.Amount, Currency: ch.Currency, Status: ch.Status,
			Expiration: api.FormatTime(ch.ExpiresAt), ResolvedAt: api.FormatTime(ch.ResolvedAt),
		}
		if ch.Creator == c.ws.UserID {
			h.Type, h.CreatedAt = api.TypeCreated, api.FormatTime(ch.CreatedAt)
			if ch.Status == ledger.StatusUsed {
				h.UsedAt = api.FormatTime(ch.ResolvedAt)
			}
		} else {
			h.Type, h.AcceptedAt = api.TypeAccepted, api.FormatTime(ch.ResolvedAt)
		}
		out.Checks = append(out.Checks, h)
	}
	writeJSON(w, http.StatusOK, out)
}

// authRead authenticates a private GET, whose body must be empty or {}.
func (s *Server) authRead(w http.ResponseWriter, r *http.Request) (*caller, bool) {
	c, body, ok := s.begin(w, r, session, "")
	if !ok || !noParams(w, body) {
		return nil, false
	}
	return c, true
}

// noParams refuses a body on a request that takes none: nothing, or the
// documents' empty object "{ }", is all it may carry.
func noParams(w http.ResponseWriter, body []byte) bool {
	if obj, err := api.DecodeObject(body); err != nil || obj.Only() != nil {
		writeError(w, http.StatusBadRequest, "this request takes no parameters")
		return false
	}
	return true
}

// --- the phone side of the QR login (extension) ---

func (s *Server) handlePhoneWebsession(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !s.limit(w, s.approvalLimit, s.clientIP(r)) {
		return
	}
	_, body, ok := s.begin(w, r, keyIntro, "")
	if !ok || !noParams(w, body) {
		return
	}
	ws, ok := s.websessionFor(w, r, id)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, api.PhoneWebsession{
		SessionID: ws.ID, Fingerprint: api.Fingerprint(ws.PublicKey), ClientIP: ws.ClientIP,
		Expires: api.FormatTime(ws.ExpiresAt), State: s.websessionView(ws).State,
	})
}

func (s *Server) handlePhoneApprove(w http.ResponseWriter, r *http.Request) {
	if !s.limit(w, s.approvalLimit, s.clientIP(r)) {
		return
	}
	c, body, ok := s.begin(w, r, keyIntro, "")
	if !ok {
		return
	}
	obj, err := api.DecodeObject(body)
	if err == nil {
		err = obj.Only("sessionId", "fingerprint")
	}
	var id, fp string
	if err == nil {
		id, err = obj.String("sessionId")
	}
	if err == nil {
		fp, err = obj.String("fingerprint")
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ws, ok := s.websessionFor(w, r, id)
	if !ok {
		return
	}
	if strings.ToUpper(strings.ReplaceAll(fp, " ", "")) != strings.ReplaceAll(api.Fingerprint(ws.PublicKey), " ", "") {
		writeError(w, http.StatusConflict, "the fingerprint does not match the key of this login; it was not approved")
		return
	}
	userID := api.UserID(c.pub)
	err = s.approveWebsession(r, id, userID)
	if status, msg, ok := approvalError(err); ok {
		writeError(w, status, msg)
	} else if err != nil {
		s.internalError(w, err)
	} else {
		writeJSON(w, http.StatusOK, api.ApproveResponse{Message: "ok", UserID: userID})
	}
}

// approveWebsession approves a pending websession for userID (opening the
// account if needed) and wakes its long-polls; the phone app and the
// approve page both end here.
func (s *Server) approveWebsession(r *http.Request, id, userID string) error {
	now := s.now()
	_, err := s.store.ApproveWebsession(r.Context(), ledger.Approval{
		SessionID: id, UserID: userID, Currency: s.cfg.Currency,
		UserSessionID: api.NewID(), Now: now, ExpiresAt: now.Add(s.cfg.SessionTTL),
	})
	if err != nil {
		return err
	}
	s.waiters.notify(id)
	s.log.Info("websession approved", "id", id, "user", api.ShortUserID(userID))
	return nil
}

// approvalError is the answer to a refused approval; ok is false for
// other errors (and nil).
func approvalError(err error) (status int, msg string, ok bool) {
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		return http.StatusNotFound, "no such websession", true
	case errors.Is(err, ledger.ErrSessionExpired):
		return http.StatusGone, "this login QR has expired; ask for a new one", true
	case errors.Is(err, ledger.ErrSessionNotPending):
		return http.StatusConflict, "this login was already approved or ended", true
	}
	return 0, "", false
}

// begin reads the body and authenticates the request; on failure it has
// answered already and ok is false.
func (s *Server) begin(w http.ResponseWriter, r *http.Request, mode authMode, sessionID string) (c *caller, body []byte, ok bool) {
	body, ok = s.readBody(w, r)
	if !ok {
		return nil, nil, false
	}
	c, err := s.authenticate(r.Context(), r, body, mode, sessionID)
	if err != nil {
		s.writeAuthError(w, err)
		return nil, nil, false
	}
	return c, body, true
}

// websessionFor loads a websession that has not been deleted, or answers 404.
func (s *Server) websessionFor(w http.ResponseWriter, r *http.Request, id string) (ledger.Websession, bool) {
	if !api.ValidID(id) {
		writeError(w, http.StatusNotFound, "no such websession")
		return ledger.Websession{}, false
	}
	ws, err := s.store.Websession(r.Context(), id)
	switch {
	case errors.Is(err, ledger.ErrNotFound) || (err == nil && ws.State == ledger.SessionDeleted):
		writeError(w, http.StatusNotFound, "no such websession")
		return ledger.Websession{}, false
	case err != nil:
		s.internalError(w, err)
		return ledger.Websession{}, false
	}
	return ws, true
}
