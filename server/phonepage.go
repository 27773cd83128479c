package server

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"fastcheck/api"
	"fastcheck/i18n"
	"fastcheck/ledger"
	"fastcheck/totp"
)

// The approve page: the login QR's URL opened in a phone's browser. It
// shows the requesting terminal's key fingerprint, IP address and the
// QR's expiry, and approves the login for the account whose authenticator
// app gives a valid code (the account's handle plus a 6-digit TOTP code).
//
// Limits on codes: per account, TOTPMaxFailures wrong codes per
// TOTPFailureWindow (durable, in the ledger); per login (websession),
// codeAttemptsPerSession submissions, then one a minute; per IP address,
// codeAttemptsPerIP, then codeAttemptsPerIPPerMinute a minute. Each code's
// time step is accepted once per account.
const (
	TOTPMaxFailures            = 5
	TOTPFailureWindow          = 15 * time.Minute
	codeAttemptsPerSession     = 10
	codeAttemptsPerIP          = 30
	codeAttemptsPerIPPerMinute = 3
	// maxApproveForm caps the form's body; a real one is under 200 bytes.
	maxApproveForm = 2048
	// csrfCookie holds the per-render token the form repeats.
	csrfCookie = "fastcheck_approve"
)

// phoneCodes is the state of code checking: the ledger's enrolments (nil
// when the backend has none) and the limiters (their buckets live in the
// ledger's shared state, like every limiter's).
type phoneCodes struct {
	store     ledger.TOTP
	perLogin  *limiter
	perIP     *limiter
	csrfRand  io.Reader
	styleHash string
}

func newPhoneCodes(st ledger.Store) *phoneCodes {
	p := &phoneCodes{
		perLogin: newLimiter("approve-login", 1.0/60, codeAttemptsPerSession),
		perIP:    newLimiter("approve-ip", codeAttemptsPerIPPerMinute/60.0, codeAttemptsPerIP),
		csrfRand: rand.Reader,
	}
	p.store, _ = st.(ledger.TOTP)
	sum := sha256.Sum256([]byte(pageCSS))
	p.styleHash = "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	return p
}

// pageCSS is the page's only style; the CSP allows exactly it by hash.
const pageCSS = `
body{font:18px/1.45 system-ui,sans-serif;max-width:30rem;margin:0 auto;padding:1rem;color:#111;background:#fff}
h1{font-size:1.4rem;margin:.5rem 0 1rem}
dl{margin:0 0 1rem}dt{font-size:.85rem;color:#555;margin-top:.6rem}dd{margin:0;font-size:1.1rem}
.fp{font:600 1.35rem/1.3 ui-monospace,monospace;letter-spacing:.05em}
label{display:block;font-weight:600;margin:1rem 0 .3rem}
input{box-sizing:border-box;width:100%;font-size:1.3rem;padding:.7rem;border:2px solid #888;border-radius:.5rem}
#code{font-family:ui-monospace,monospace;letter-spacing:.3em}
button{width:100%;margin-top:1.2rem;padding:.9rem;font-size:1.2rem;font-weight:600;border:0;border-radius:.5rem;background:#0a58ca;color:#fff}
.msg{padding:.8rem;border-radius:.5rem;margin:1rem 0}.error{background:#fde2e1;color:#7a0b07}.ok{background:#dcf5e3;color:#0b5a23}
.hint{font-size:.85rem;color:#555}
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}dt,.hint{color:#aaa}input{background:#222;color:#eee}}
`

var approvePage = template.Must(template.New("approve").Parse(`<!doctype html>
<html lang="{{.L.Lang}}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="same-origin">
<title>{{.L.T "page.title"}}</title>
<style>` + pageCSS + `</style></head>
<body>
<h1>{{.Title}}</h1>
{{if .Session}}<p>{{.L.T "page.asks"}}</p>
<dl>
<dt>{{.L.T "page.fingerprint"}}</dt><dd id="fingerprint" class="fp">{{.Fingerprint}}</dd>
<dt>{{.L.T "page.ip"}}</dt><dd id="ip">{{.IP}}</dd>
{{if .Expires}}<dt>{{.L.T "page.expires"}}</dt><dd id="expires">{{.Expires}}</dd>{{end}}
</dl>{{end}}
{{if .Error}}<p id="error" class="msg error" role="alert">{{.Error}}</p>{{end}}
{{if .Done}}<p id="done" class="msg ok" role="status">{{.Done}}</p>{{end}}
{{if .Form}}<form method="post" autocomplete="off">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="account">{{.L.T "page.account"}}</label>
<input id="account" name="account" value="{{.Account}}" required minlength="3" maxlength="32"
 autocomplete="username" autocapitalize="none" autocorrect="off" spellcheck="false">
<p class="hint">{{.L.T "page.accounthint"}}
(<code>fastcheck phone register --totp</code>).</p>
<label for="code">{{.L.T "page.code"}}</label>
<input id="code" name="code" required maxlength="7" inputmode="numeric" pattern="[0-9 ]{6,7}"
 autocomplete="one-time-code" placeholder="123456">
<button type="submit" id="approve">{{.L.T "page.approve"}}</button>
</form>{{end}}
</body></html>
`))

// pageData is what the approve page shows.
type pageData struct {
	L                        *i18n.Locale // the language the browser asked for
	status                   int          // of a session page: 0 is 200
	Title                    string
	Session                  bool // show the fingerprint, IP and expiry
	Fingerprint, IP, Expires string
	Error, Done              string
	Form                     bool
	CSRF, Account            string
}

// writePage renders the page with its security headers. A form gets a
// fresh CSRF token, set as a cookie scoped to this page's path and
// repeated in a hidden field.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, status int, d pageData) {
	if d.L == nil {
		d.L = pageLocale(r)
	}
	h := w.Header()
	h.Set("Content-Language", d.L.Lang())
	h.Add("Vary", "Accept-Language")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src "+s.codes.styleHash+
		"; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin") // not no-referrer: that makes the form's Origin "null"
	if d.Form {
		var b [16]byte
		if _, err := io.ReadFull(s.codes.csrfRand, b[:]); err != nil {
			s.internalError(w, err)
			return
		}
		d.CSRF = hex.EncodeToString(b[:])
		path := r.URL.Path
		if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
			path = u.Path // as the browser sent it: with the base path
		}
		http.SetCookie(w, &http.Cookie{
			Name: csrfCookie, Value: d.CSRF, Path: path, MaxAge: int((s.cfg.WebsessionTTL + time.Minute).Seconds()),
			HttpOnly: true, Secure: strings.HasPrefix(s.targetURI(r), "https:"), SameSite: http.SameSiteStrictMode,
		})
	}
	w.WriteHeader(status)
	approvePage.Execute(w, d)
}

// sessionPage is the page for a websession: its details, and the form
// while it waits for approval.
func (s *Server) sessionPage(l *i18n.Locale, ws ledger.Websession) pageData {
	now := s.now()
	d := pageData{L: l, Title: l.T("page.title"), Session: true,
		Fingerprint: api.Fingerprint(ws.PublicKey), IP: ws.ClientIP}
	left := ws.ExpiresAt.Sub(now).Round(time.Second)
	switch {
	case ws.State == ledger.SessionApproved:
		d.Title, d.Session, d.status = l.T("page.approvedtitle"), false, http.StatusConflict
		d.Done = l.T("page.approveddone")
	case ws.State != ledger.SessionPending:
		d.Title, d.Session, d.status = l.T("page.endedtitle"), false, http.StatusGone
		d.Error = l.T("page.ended")
	case left <= 0:
		d.Title, d.Session, d.status = l.T("page.expiredtitle"), false, http.StatusGone
		d.Error = l.T("page.expired")
	default:
		d.Expires = l.Tf("page.expiresat", ws.ExpiresAt.UTC().Format("15:04:05"), pageWait(l, left))
		d.Form = s.codes.store != nil
		if !d.Form {
			d.Error = l.T("page.nobrowser")
		}
	}
	return d
}

// pageStatus is the HTTP status of a rendered session page.
func pageStatus(d pageData) int {
	if d.status == 0 {
		return http.StatusOK
	}
	return d.status
}

// messagePage is a page with a title and an error only, by message id.
func messagePage(l *i18n.Locale, title, msg string) pageData {
	return pageData{L: l, Title: l.T(title), Error: l.T(msg)}
}

// pageLocale is the language the browser asks for.
func pageLocale(r *http.Request) *i18n.Locale {
	return i18n.New(i18n.FromAcceptLanguage(r.Header.Get("Accept-Language")), time.UTC)
}

// pageWait is a wait as the page says it: "45 s", "15 min 0 s".
func pageWait(l *i18n.Locale, d time.Duration) string {
	secs := max(int((d+time.Second-1)/time.Second), 0)
	if secs >= 60 {
		return l.Tf("page.minsecs", secs/60, secs%60)
	}
	return l.Tf("page.secs", secs)
}

func (s *Server) handleApprovePage(w http.ResponseWriter, r *http.Request) {
	l := pageLocale(r)
	if !s.limitPage(w, r, s.approvalLimit, s.clientIP(r), "page.busyip", pageData{L: l}) {
		return
	}
	ws, ok := s.pageWebsession(w, r, l)
	if !ok {
		return
	}
	d := s.sessionPage(l, ws)
	s.writePage(w, r, pageStatus(d), d)
}

// pageWebsession loads the websession of the page's path, or answers with
// a "no such login" page.
func (s *Server) pageWebsession(w http.ResponseWriter, r *http.Request, l *i18n.Locale) (ledger.Websession, bool) {
	id := r.PathValue("id")
	var ws ledger.Websession
	err := ledger.ErrNotFound
	if api.ValidID(id) {
		ws, err = s.store.Websession(r.Context(), id)
	}
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		s.writePage(w, r, http.StatusNotFound, messagePage(l, "page.nosuchtitle", "page.nosuch"))
		return ws, false
	case err != nil:
		s.internalError(w, err)
		return ws, false
	}
	return ws, true
}

// limitPage takes a token of l for key, as Server.limit does, but answers
// a page: 429 with Retry-After and the wait when none is left. why is the
// id of the page's sentence, with a %s for the wait.
func (s *Server) limitPage(w http.ResponseWriter, r *http.Request, l *limiter, key, why string, d pageData) bool {
	ok, wait, err := s.store.TakeToken(r.Context(), l.name+":"+key, l.rate, l.burst, s.now())
	if err != nil {
		s.internalError(w, err)
		return false
	}
	if !ok {
		s.writeLimitedPage(w, r, wait, why, d)
	}
	return ok
}

// writeLimitedPage answers 429 with Retry-After and the wait on the page.
func (s *Server) writeLimitedPage(w http.ResponseWriter, r *http.Request, wait time.Duration, why string, d pageData) {
	secs := max(int(wait.Seconds()+0.999), 1)
	w.Header().Set("Retry-After", fmt.Sprint(secs))
	if d.L == nil {
		d.L = pageLocale(r)
	}
	if d.Title == "" {
		d.Title = d.L.T("page.waittitle")
	}
	d.Error = d.L.Tf(why, pageWait(d.L, time.Duration(secs)*time.Second))
	s.writePage(w, r, http.StatusTooManyRequests, d)
}

// approveForm is the approve page's form, parsed and validated.
type approveForm struct {
	Account string // a valid handle, lower case
	Code    string // 6 digits
	CSRF    string // 32 hex
}

// parseApproveForm parses an application/x-www-form-urlencoded body: the
// fields account, code and csrf, each exactly once and nothing else. The
// account is trimmed and lower-cased; spaces in the code are dropped.
// Errors are sentences for the page.
func parseApproveForm(l *i18n.Locale, body []byte) (approveForm, error) {
	var f approveForm
	if len(body) > maxApproveForm {
		return f, errors.New(l.T("page.large"))
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return f, errors.New(l.T("page.unreadable"))
	}
	for k, v := range vals {
		switch k {
		case "account", "code", "csrf":
			if len(v) != 1 {
				return f, errors.New(l.Tf("page.onefield", k))
			}
		default:
			return f, errors.New(l.T("page.extrafield"))
		}
	}
	f.CSRF = vals.Get("csrf")
	if b, err := hex.DecodeString(f.CSRF); err != nil || len(b) != 16 || strings.ToLower(f.CSRF) != f.CSRF {
		return f, errors.New(l.T("page.stale"))
	}
	f.Account = strings.ToLower(strings.TrimSpace(vals.Get("account")))
	if !ledger.ValidHandle(f.Account) {
		f.Account = ""
		return f, errors.New(l.T("page.badaccount"))
	}
	f.Code = strings.ReplaceAll(strings.TrimSpace(vals.Get("code")), " ", "")
	if !totp.ValidCode(f.Code) {
		return f, errors.New(l.T("page.badcode"))
	}
	return f, nil
}

// sameOrigin refuses a form posted from another site: by the browser's
// Sec-Fetch-Site, by Origin against the page's own origin, and by the
// per-render token in the cookie and the form.
func (s *Server) sameOrigin(r *http.Request, token string) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(s.targetURI(r))
		if err != nil || origin != u.Scheme+"://"+u.Host {
			return false
		}
	}
	c, err := r.Cookie(csrfCookie)
	return err == nil && len(c.Value) == len(token) && subtle.ConstantTimeCompare([]byte(c.Value), []byte(token)) == 1
}

// handleApproveSubmit is POST /approve/{id}: the page's form.
func (s *Server) handleApproveSubmit(w http.ResponseWriter, r *http.Request) {
	ip, l := s.clientIP(r), pageLocale(r)
	if !s.limitPage(w, r, s.approvalLimit, ip, "page.busyip", pageData{L: l}) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxApproveForm)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.writePage(w, r, http.StatusRequestEntityTooLarge, messagePage(l, "page.largetitle", "page.large"))
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		s.writePage(w, r, http.StatusUnsupportedMediaType, messagePage(l, "page.notformtitle", "page.notform"))
		return
	}
	ws, ok := s.pageWebsession(w, r, l)
	if !ok {
		return
	}
	d := s.sessionPage(l, ws)
	if !d.Form {
		s.writePage(w, r, pageStatus(d), d)
		return
	}
	f, err := parseApproveForm(l, body)
	d.Account = f.Account
	status := http.StatusBadRequest
	if err == nil && !s.sameOrigin(r, f.CSRF) {
		err = errors.New(l.T("page.crosssite"))
		status, d.Account = http.StatusForbidden, ""
	}
	if err != nil {
		d.Error = err.Error()
		s.writePage(w, r, status, d)
		return
	}
	if !s.limitPage(w, r, s.codes.perLogin, ws.ID, "page.busylogin", d) ||
		!s.limitPage(w, r, s.codes.perIP, ip, "page.busycodes", d) {
		return
	}
	userID, err := s.checkCode(r, l, f)
	var tmf *ledger.TooManyFailures
	var ce *codeError
	switch {
	case errors.As(err, &tmf):
		s.writeLimitedPage(w, r, tmf.RetryAfter, "page.busyaccount", d)
		return
	case errors.As(err, &ce):
		d.Error = ce.msg
		s.writePage(w, r, ce.status, d)
		return
	case err != nil:
		s.internalError(w, err)
		return
	}
	if err := s.approveWebsession(r, ws.ID, userID); err != nil {
		status, _, ok := approvalError(err)
		if !ok {
			s.internalError(w, err)
			return
		}
		// The code was right, but the login changed meanwhile: say how it
		// is now.
		if cur, err := s.store.Websession(r.Context(), ws.ID); err == nil {
			ws = cur
		}
		d = s.sessionPage(l, ws)
		if d.Form {
			d.Form, d.Error = false, l.T("page.nolonger")
		}
		s.writePage(w, r, status, d)
		return
	}
	s.writePage(w, r, http.StatusOK, pageData{L: l, Title: l.T("page.approvedlogin"), Session: true,
		Fingerprint: d.Fingerprint, IP: d.IP, Done: l.Tf("page.approvedas", f.Account)})
}

// codeError is a refused code, with the page's status and sentence.
type codeError struct {
	status int
	msg    string
}

func (e *codeError) Error() string { return e.msg }

// checkCode checks the form's code against the account's enrolment and
// uses its time step. It returns the account's userId, or a *codeError,
// a *ledger.TooManyFailures or another error.
func (s *Server) checkCode(r *http.Request, l *i18n.Locale, f approveForm) (string, error) {
	wrong := &codeError{http.StatusUnauthorized, l.T("page.wrong")}
	e, err := s.codes.store.TOTPByHandle(r.Context(), f.Account)
	if errors.Is(err, ledger.ErrNotFound) {
		return "", wrong
	}
	if err != nil {
		return "", err
	}
	now := s.now()
	attempt := ledger.TOTPAttempt{UserID: e.UserID, Now: now, Window: TOTPFailureWindow, MaxFailures: TOTPMaxFailures}
	steps, err := totp.Matches(e.Secret, f.Code, now, totp.DefaultPeriod, totp.DefaultSkew)
	if errors.Is(err, totp.ErrInvalid) || errors.Is(err, totp.ErrMalformed) {
		left, err := s.codes.store.FailTOTP(r.Context(), attempt)
		if err != nil {
			return "", err
		}
		s.log.Info("approve page: wrong code", "handle", f.Account, "left", left)
		switch {
		case left == 0:
			wrong.msg += " " + l.Tf("page.paused", int(TOTPFailureWindow.Minutes()))
		case left <= 2:
			wrong.msg += " " + l.N("page.left", int64(left), left)
		}
		return "", wrong
	}
	if err != nil {
		return "", err
	}
	for _, step := range steps {
		attempt.Step = step
		ok, err := s.codes.store.UseTOTPStep(r.Context(), attempt)
		if err != nil || ok {
			return e.UserID, err
		}
	}
	return "", &codeError{http.StatusConflict, l.T("page.used")}
}
