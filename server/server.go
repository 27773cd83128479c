// Package server is the reference Fastcheck server: the HTTP handlers for
// every API in the spec plus our extensions, request authentication, rate
// limits, metrics and the background sweeper. Money lives in a ledger.Store.
package server

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"fastcheck/api"
	"fastcheck/internal/boundmap"
	"fastcheck/ledger"
)

// Config configures a Server. Zero values take the defaults below.
type Config struct {
	Store  ledger.Store
	Logger *slog.Logger
	// BasePath is a second mount point for the API: with "/api" both
	// /ping and /api/ping answer (the spec's root is fastcheck.store/api).
	BasePath string
	// WebsessionTTL is how long a login QR stays valid (spec README §16).
	WebsessionTTL time.Duration
	// SessionTTL is how long an approved session stays valid.
	SessionTTL time.Duration
	// CheckTTL is how long a check lives (spec README §10).
	CheckTTL time.Duration
	// Currency of accounts opened on first login.
	Currency string
	// Now is the clock; tests move it.
	Now func() time.Time
	// TrustProxy takes the client IP from X-Forwarded-For and the scheme
	// from X-Forwarded-Proto. Only for a server behind a proxy you run.
	TrustProxy bool
	// PublicURL, if set, is the base URL put into login QR codes.
	PublicURL string
	// SweepInterval is how often expired checks are refunded.
	SweepInterval time.Duration
	Limits        Limits
	// Payments turns on top-ups and withdrawals (nil: off; the endpoints
	// answer 404).
	Payments *Payments
	// Mounts are handlers served at the root outside the API, by path
	// prefix: the sandbox bank at "/bank/", the Briacoin simulator at
	// "/briacoin/" (the reference server's --sandbox-bank, --briacoin-sim).
	Mounts map[string]http.Handler
	// Staff are the userIds of support staff: they may use the read-only
	// staff API (staff.go), and every read they make is written to the
	// store's staff audit log (the store must implement ledger.Staff).
	Staff []string
}

// Limits are the abuse limits. Zero values take the defaults.
type Limits struct {
	MaxBody              int64         // request body bytes (413 above)
	StatusPerMinute      float64       // public check look-ups per IP
	WebsessionsPerMinute float64       // new websessions per IP
	ApprovalsPerMinute   float64       // phone approvals per IP
	FailedAcceptsPerHour int           // failed accepts per account
	StaffReadsPerMinute  float64       // staff API reads per staff user
	MaxLongPoll          time.Duration // cap of ?wait=
}

// Defaults.
const (
	DefaultWebsessionTTL = 120 * time.Second
	DefaultSessionTTL    = 24 * time.Hour
	DefaultCheckTTL      = 7 * 24 * time.Hour
	DefaultPollInterval  = 2 // seconds, for clients that do not long-poll
	// MaxHeaderBytes caps the request headers: past it the answer is 413.
	// The HTTP server itself cuts off at four times that (with 431).
	MaxHeaderBytes    = 16 << 10
	maxAuthorization  = 256
	maxIdempotencyKey = 128
)

func (c *Config) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.WebsessionTTL <= 0 {
		c.WebsessionTTL = DefaultWebsessionTTL
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = DefaultSessionTTL
	}
	if c.CheckTTL <= 0 {
		c.CheckTTL = DefaultCheckTTL
	}
	if c.Currency == "" {
		c.Currency = "RUB"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.SweepInterval <= 0 {
		c.SweepInterval = 5 * time.Second
	}
	l := &c.Limits
	if l.MaxBody <= 0 {
		l.MaxBody = 64 << 10
	}
	if l.StatusPerMinute <= 0 {
		l.StatusPerMinute = 60
	}
	if l.WebsessionsPerMinute <= 0 {
		l.WebsessionsPerMinute = 30
	}
	if l.ApprovalsPerMinute <= 0 {
		l.ApprovalsPerMinute = 30
	}
	if l.StaffReadsPerMinute <= 0 {
		l.StaffReadsPerMinute = 120
	}
	if l.FailedAcceptsPerHour == 0 {
		l.FailedAcceptsPerHour = 10
	}
	if l.MaxLongPoll <= 0 {
		l.MaxLongPoll = 60 * time.Second
	}
}

// CleanBasePath checks a base path and puts it in its one form: "" and "/"
// are none; "api", "/api" and "/api/" are "/api". Its segments are
// letters, digits and . _ ~ - (but not "." or ".."), so the path is a
// plain route: no spaces, no wildcards, nothing a URL would change.
func CleanBasePath(p string) (string, error) {
	trimmed := strings.Trim(p, "/")
	if trimmed == "" {
		return "", nil
	}
	for _, seg := range strings.Split(trimmed, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.Trim(seg,
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~-") != "" {
			return "", fmt.Errorf("base path %s: use letters, digits and . _ ~ - between slashes, like /api", api.Quote(p))
		}
	}
	return "/" + trimmed, nil
}

// Server serves the Fastcheck API.
type Server struct {
	cfg      Config
	store    ledger.Store
	log      *slog.Logger
	now      func() time.Time
	bootMono time.Time // real clock at start, for its monotonic reading
	waiters  *notifier
	metrics  *metrics

	statusLimit     *limiter
	websessionLimit *limiter
	approvalLimit   *limiter
	staffLimit      *limiter
	codes           *phoneCodes                     // the approve page's TOTP codes
	keys            boundmap.Map[ed25519.PublicKey] // session id → its key, which never changes

	pay *payments // nil when payments are off

	staff staffAPI

	handler http.Handler
	stop    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
}

// New builds a Server. Call Start to run the background sweeper and Close
// to stop it.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: Config.Store is required")
	}
	bp, err := CleanBasePath(cfg.BasePath)
	if err != nil {
		return nil, err
	}
	cfg.BasePath = bp
	cfg.setDefaults()
	s := &Server{
		cfg:             cfg,
		store:           cfg.Store,
		log:             cfg.Logger,
		now:             cfg.Now,
		waiters:         newNotifier(),
		metrics:         newMetrics(),
		statusLimit:     newLimiter("status", cfg.Limits.StatusPerMinute/60, cfg.Limits.StatusPerMinute/4+1),
		staffLimit:      newLimiter("staff", cfg.Limits.StaffReadsPerMinute/60, cfg.Limits.StaffReadsPerMinute/4+1),
		websessionLimit: newLimiter("websession", cfg.Limits.WebsessionsPerMinute/60, cfg.Limits.WebsessionsPerMinute/4+1),
		approvalLimit:   newLimiter("approval", cfg.Limits.ApprovalsPerMinute/60, cfg.Limits.ApprovalsPerMinute/4+1),
		stop:            make(chan struct{}),
		codes:           newPhoneCodes(cfg.Store),
	}
	// Signatures made before this process started are refused: the nonce
	// store lives in memory, so this fence is what stops a replay across a
	// restart.
	s.bootMono = time.Now()
	if cfg.Payments != nil {
		p, err := newPayments(s, *cfg.Payments, cfg.Store)
		if err != nil {
			return nil, err
		}
		s.pay = p
	}
	st, err := newStaffAPI(cfg)
	if err != nil {
		return nil, err
	}
	s.staff = st
	s.handler = s.routes()
	return s, nil
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Start runs the expiry sweeper and the purger until Close.
func (s *Server) Start() {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.sweepLoop()
	}()
	if s.pay != nil {
		s.pay.start(s.stop, &s.wg)
	}
}

// ReconcilePayments runs one pass of the payment reconciler now (the
// background one runs every Payments.ReconcileInterval): expiry, bank
// look-ups, Briacoin polls and withdrawals. Without payments it does
// nothing.
func (s *Server) ReconcilePayments(ctx context.Context) {
	if s.pay != nil {
		s.pay.ReconcileOnce(ctx)
	}
}

// Close stops background work and wakes every long-poll. It does not close
// the store.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.stop)
		s.waiters.closeAll()
	})
	s.wg.Wait()
}

// HTTPServer wraps the handler in an http.Server with the timeouts and
// header cap this service needs.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      s.cfg.Limits.MaxLongPoll + 15*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    4 * MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// route is one API endpoint. The table drives the mux, the 405 answers,
// the metrics labels and the OpenAPI conformance test.
type route struct {
	method, path string
	handler      func(http.ResponseWriter, *http.Request)
	// response is the Go value of a 200 JSON body (a []any for oneOf), for
	// the OpenAPI test; nil for non-JSON answers.
	response any
}

func (s *Server) routeTable() []route {
	return []route{
		{"GET", "/ping", s.handlePing, api.Message{}},
		{"GET", "/websession", s.handleWebsessionCreate, api.Websession{}},
		{"GET", "/websession/{id}", s.handleWebsessionGet, api.Websession{}},
		{"DELETE", "/websession/{id}", s.handleWebsessionDelete, struct{}{}},
		{"GET", "/fastcheck", s.handleCheckStatus, api.CheckStatus{}},
		{"POST", "/fastcheck", s.handleCheckPost, []any{api.CreateCheckResponse{}, api.AcceptCheckResponse{}}},
		{"DELETE", "/fastcheck/{number}", s.handleCheckCancel, api.CancelCheckResponse{}},
		{"GET", "/fastcheck/active", s.handleActive, api.ActiveChecks{}},
		{"GET", "/fastcheck/history", s.handleHistory, api.HistoryChecks{}},
		{"GET", "/balance", s.handleBalance, api.Balance{}},
		{"GET", "/phone/websession/{id}", s.handlePhoneWebsession, api.PhoneWebsession{}},
		{"POST", "/phone/approve", s.handlePhoneApprove, api.ApproveResponse{}},
		{"GET", "/approve/{id}", s.handleApprovePage, nil},
		{"POST", "/approve/{id}", s.handleApproveSubmit, nil},
		{"POST", "/phone/totp", s.handlePhoneTOTP, api.TOTPEnrolResponse{}},
		{"GET", "/metrics", s.handleMetrics, nil},
		{"GET", "/openapi.json", s.handleOpenAPI, nil},
		{"POST", "/topup", s.handleTopup, api.Topup{}},
		{"GET", "/topups", s.handleTopups, api.Topups{}},
		{"GET", "/topup/{id}", s.handleTopupGet, api.Topup{}},
		{"GET", "/topup/{id}/return", s.handleTopupReturn, nil},
		{"POST", "/withdraw", s.handleWithdraw, api.Withdrawal{}},
		{"GET", "/withdraw/{ref}", s.handleWithdrawGet, api.Withdrawal{}},
		{"POST", "/callbacks/bank", s.handleBankWebhook, api.Message{}},
		{"POST", "/callbacks/briacoin", s.handleBriacoinCallback, api.Message{}},
		{"GET", "/staff/accounts", s.handleStaffAccounts, api.StaffAccounts{}},
		{"GET", "/staff/account", s.handleStaffAccount, api.StaffAccount{}},
		{"GET", "/staff/check/{number}", s.handleStaffCheck, api.StaffCheck{}},
	}
}

func (s *Server) routes() http.Handler {
	api := http.NewServeMux()
	paths := http.NewServeMux() // method-less, to tell 405 from 404
	allowed := map[string][]string{}
	for _, rt := range s.routeTable() {
		pattern, h := rt.method+" "+rt.path, rt.handler
		api.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if rec, ok := w.(*statusRecorder); ok {
				rec.route = pattern
			}
			h(w, r)
		})
		if _, ok := allowed[rt.path]; !ok {
			paths.HandleFunc(rt.path, func(http.ResponseWriter, *http.Request) {})
		}
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	api.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := paths.Handler(r); pattern != "" {
			w.Header().Set("Allow", strings.Join(allowed[pattern], ", "))
			writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed here")
			return
		}
		writeError(w, http.StatusNotFound, "no such endpoint")
	})
	root := http.NewServeMux()
	root.Handle("/", api)
	for prefix, h := range s.cfg.Mounts {
		root.Handle(prefix, h)
	}
	if s.cfg.BasePath != "" {
		root.Handle(s.cfg.BasePath+"/", http.StripPrefix(s.cfg.BasePath, api))
	}
	return s.observe(root)
}

// observe is the outermost middleware: panic recovery, body cap, metrics
// and access log.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: 200}
		r.Body = http.MaxBytesReader(rec, r.Body, s.cfg.Limits.MaxBody)
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic in handler", "path", r.URL.Path, "panic", p)
				if !rec.wrote {
					writeError(rec, http.StatusInternalServerError, "internal error")
				}
			}
			d := time.Since(start)
			route := rec.route
			if route == "" {
				route = "unmatched"
			}
			s.metrics.observeRequest(route, rec.status, d)
			s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "dur", d, "ip", s.clientIP(r))
		}()
		rec.Header().Set("Cache-Control", "no-store")
		if headerBytes(r.Header) > MaxHeaderBytes {
			writeError(rec, http.StatusRequestEntityTooLarge, "request headers are larger than the limit")
			return
		}
		next.ServeHTTP(rec, r)
	})
}

// headerBytes is the size of the header fields as sent.
func headerBytes(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	route  string // the matched route pattern, for metrics
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.status, r.wrote = 200, true
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// readBody reads the whole (capped) body. It answers 413 itself when the
// body is too large and returns false.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "request body is larger than the limit")
		} else {
			writeError(w, http.StatusBadRequest, "could not read the request body")
		}
		return nil, false
	}
	return body, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeError answers {"message": msg}. msg is JSON-encoded, so untrusted
// text quoted in it reaches the client escaped.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}

// clientIP is the peer address, or the proxy's word for it when trusted.
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// targetURI rebuilds the @target-uri the client signed.
func (s *Server) targetURI(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if s.cfg.TrustProxy {
		if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
			scheme = p
		}
	}
	return scheme + "://" + r.Host + r.RequestURI
}

func (s *Server) sweepLoop() {
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	lastPurge := time.Time{}
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		s.SweepOnce(context.Background())
		if now := s.now(); now.Sub(lastPurge) > time.Minute {
			lastPurge = now
			s.PurgeOnce(context.Background())
		}
	}
}

// PurgeOnce forgets what is no longer needed: websessions that ended over
// an hour ago, idempotency keys older than twice ledger.IdempotencyMinTTL
// (so a key is honoured for at least 24 h), and used nonces and rate-limit
// buckets past their time. The sweeper runs it once a minute.
func (s *Server) PurgeOnce(ctx context.Context) {
	now := s.now()
	if err := s.store.Purge(ctx, now.Add(-time.Hour), now.Add(-2*ledger.IdempotencyMinTTL)); err != nil {
		s.log.Warn("purge failed", "err", err)
	}
	if err := s.store.PurgeShared(ctx, now); err != nil {
		s.log.Warn("purging nonces and rate limits failed", "err", err)
	}
}

// SweepOnce refunds every check that has expired by now, in batches.
func (s *Server) SweepOnce(ctx context.Context) int {
	total := 0
	for {
		expired, err := s.store.ExpireDue(ctx, s.now(), 500)
		if err != nil {
			s.log.Warn("expiry sweep failed", "err", err)
			return total
		}
		total += len(expired)
		s.metrics.ledgerOp("expire", "ok", len(expired))
		if len(expired) < 500 {
			if total > 0 {
				s.log.Info("refunded expired checks", "count", total)
			}
			return total
		}
	}
}
