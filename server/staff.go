package server

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"fastcheck/api"
	"fastcheck/assets"
	"fastcheck/ledger"
)

// The read-only staff API (extension). Staff are userIds configured on the
// server (Config.Staff); they log in with the same QR flow as everyone.
// A staff request is answered in this order: 401 unless the session and
// signature are valid, 403 unless the session's user is staff, 400 for a
// malformed parameter, then the read is written to the staff audit log
// (ledger.Staff) and only then done. If the log cannot be written the
// read is not done: no staff read goes unaudited.

// Staff API bounds.
const (
	StaffFindLimit      = 50                 // accounts per prefix search
	StaffHistoryLimit   = 200                // history rows per account
	StaffFailedLimit    = 100                // failed accepts per account
	StaffFailedAcceptsW = 7 * 24 * time.Hour // how far back failed accepts go
)

// staffAPI is the staff side of a Server: who is staff, and where reads
// are logged. log is nil when no staff is configured.
type staffAPI struct {
	ids map[string]bool
	log ledger.Staff
}

func newStaffAPI(cfg Config) (staffAPI, error) {
	st := staffAPI{ids: map[string]bool{}}
	for _, id := range cfg.Staff {
		if _, err := api.ParseUserID(id); err != nil {
			return staffAPI{}, fmt.Errorf("server: staff %q: %w", api.Truncate(id, 50), err)
		}
		st.ids[id] = true
	}
	if len(st.ids) == 0 {
		return st, nil
	}
	log, ok := cfg.Store.(ledger.Staff)
	if !ok {
		return staffAPI{}, fmt.Errorf("server: staff need a store implementing ledger.Staff; %T does not", cfg.Store)
	}
	st.log = log
	return st, nil
}

// StaffIDs returns the configured staff userIds, sorted.
func (s *Server) StaffIDs() []string {
	var ids []string
	for id := range s.staff.ids {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// staffBegin authenticates a staff read and checks its query parameters
// (exactly those named, each once). On failure it has answered.
func (s *Server) staffBegin(w http.ResponseWriter, r *http.Request, params ...string) (*caller, url.Values, bool) {
	c, ok := s.authRead(w, r)
	if !ok {
		return nil, nil, false
	}
	if !s.staff.ids[c.ws.UserID] || s.staff.log == nil {
		s.log.Warn("staff API refused: not staff", "user", api.ShortUserID(c.ws.UserID), "ip", s.clientIP(r), "path", r.URL.Path)
		writeError(w, http.StatusForbidden, "forbidden: the staff API is for support staff only, and this account is not staff")
		return nil, nil, false
	}
	// A staff session that reads faster than a person does is a script
	// or a stolen session: every read is audited, and they are limited too.
	if !s.limit(w, s.staffLimit, c.ws.UserID) {
		return nil, nil, false
	}
	q := r.URL.Query()
	for k, v := range q {
		if !slices.Contains(params, k) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown parameter %q", api.Truncate(k, 32)))
			return nil, nil, false
		}
		if len(v) != 1 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("give the %s parameter once", k))
			return nil, nil, false
		}
	}
	for _, p := range params {
		if !q.Has(p) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("the %s parameter is missing", p))
			return nil, nil, false
		}
	}
	return c, q, true
}

// staffLog writes the read to the staff audit log before it is done. On
// failure it answers 503 and the read must not happen.
func (s *Server) staffLog(w http.ResponseWriter, r *http.Request, c *caller, action, subject string) bool {
	ip := s.clientIP(r)
	if len(ip) > ledger.MaxClientIPLen {
		ip = ip[:ledger.MaxClientIPLen]
	}
	_, err := s.staff.log.LogStaffRead(r.Context(), ledger.StaffRead{
		At: s.now(), Staff: c.ws.UserID, Action: action, Subject: subject, ClientIP: ip,
	})
	if err != nil {
		s.log.Error("staff audit log write failed; read refused", "staff", api.ShortUserID(c.ws.UserID), "action", action, "err", err)
		writeError(w, http.StatusServiceUnavailable, "the staff audit log could not be written, so nothing was read; try again")
		return false
	}
	s.log.Info("staff read", "staff", api.ShortUserID(c.ws.UserID), "action", action, "subject", subject, "ip", ip)
	return true
}

func (s *Server) handleStaffAccounts(w http.ResponseWriter, r *http.Request) {
	c, q, ok := s.staffBegin(w, r, "prefix")
	if !ok {
		return
	}
	prefix := q.Get("prefix")
	if err := api.CheckUserIDPrefix(prefix); err != nil {
		writeError(w, http.StatusBadRequest, plusHint(prefix, err.Error()))
		return
	}
	if !s.staffLog(w, r, c, ledger.StaffFind, prefix) {
		return
	}
	found, err := s.staff.log.FindAccounts(r.Context(), prefix, StaffFindLimit+1)
	if err != nil {
		s.internalError(w, err)
		return
	}
	out := api.StaffAccounts{Accounts: []api.StaffAccountRow{}, More: len(found) > StaffFindLimit}
	for _, a := range found[:min(len(found), StaffFindLimit)] {
		out.Accounts = append(out.Accounts, api.StaffAccountRow{
			UserID: a.UserID, Balance: a.Balance, Currency: a.Currency, CreatedAt: api.FormatTime(a.CreatedAt),
		})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleStaffAccount(w http.ResponseWriter, r *http.Request) {
	c, q, ok := s.staffBegin(w, r, "userId")
	if !ok {
		return
	}
	userID := q.Get("userId")
	if _, err := api.ParseUserID(userID); err != nil {
		writeError(w, http.StatusBadRequest, plusHint(userID, err.Error()))
		return
	}
	if !s.staffLog(w, r, c, ledger.StaffAccount, userID) {
		return
	}
	ctx := r.Context()
	a, err := s.store.Account(ctx, userID)
	if errors.Is(err, ledger.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no such account")
		return
	}
	if err != nil {
		s.internalError(w, err)
		return
	}
	active, err := s.store.ActiveChecks(ctx, userID)
	if err != nil {
		s.internalError(w, err)
		return
	}
	history, err := s.store.History(ctx, userID, StaffHistoryLimit+1)
	if err != nil {
		s.internalError(w, err)
		return
	}
	failed, err := s.store.FailedAccepts(ctx, userID, s.now().Add(-StaffFailedAcceptsW))
	if err != nil {
		s.internalError(w, err)
		return
	}
	out := api.StaffAccount{
		UserID: a.UserID, Balance: a.Balance, Currency: a.Currency, CreatedAt: api.FormatTime(a.CreatedAt),
		Active: []api.StaffCheck{}, History: []api.StaffCheck{}, FailedAccepts: []api.StaffFailedAccept{},
		HistoryMore: len(history) > StaffHistoryLimit,
	}
	for _, ch := range active {
		out.Active = append(out.Active, s.staffCheck(ch))
	}
	for _, ch := range history[:min(len(history), StaffHistoryLimit)] {
		out.History = append(out.History, s.staffCheck(ch))
	}
	for i := len(failed) - 1; i >= 0 && len(out.FailedAccepts) < StaffFailedLimit; i-- {
		f := failed[i]
		out.FailedAccepts = append(out.FailedAccepts, api.StaffFailedAccept{
			Fastcheck: f.Number, Reason: f.Reason, At: api.FormatTime(f.At),
		})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleStaffCheck(w http.ResponseWriter, r *http.Request) {
	c, _, ok := s.staffBegin(w, r)
	if !ok {
		return
	}
	number, err := api.NormalizeCheckNumber(r.PathValue("number"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !s.staffLog(w, r, c, ledger.StaffCheck, number) {
		return
	}
	ch, err := s.store.Check(r.Context(), number)
	if errors.Is(err, ledger.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no such check")
		return
	}
	if err != nil {
		s.internalError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.staffCheck(ch))
}

// plusHint adds to msg why a userId (prefix) given in a query may have
// come out wrong: a "+" not written as %2B reads as a space.
func plusHint(v, msg string) string {
	if strings.Contains(v, " ") {
		return msg + ` (a "+" in a query must be written %2B)`
	}
	return msg
}

// staffCheck is a check as staff see it: everything but its code.
func (s *Server) staffCheck(c ledger.Check) api.StaffCheck {
	return api.StaffCheck{
		Fastcheck: c.Number, Amount: c.Amount, Currency: c.Currency, State: s.checkState(c),
		Creator: c.Creator, Redeemer: c.Redeemer, FailedAttempts: c.FailedAttempts,
		CreatedAt: api.FormatTime(c.CreatedAt), Expiration: api.FormatTime(c.ExpiresAt),
		ResolvedAt: api.FormatTime(c.ResolvedAt),
	}
}

// DemoStaff returns the userIds of the demo support-staff identities
// (assets/demo.json), for a demo server's Config.Staff.
func DemoStaff() []string {
	var ids []string
	for _, u := range assets.DemoUsers() {
		if u.Staff {
			ids = append(ids, api.UserID(u.PhoneKey().Public().(ed25519.PublicKey)))
		}
	}
	return ids
}
