// Package client is the typed Fastcheck API client used by the TUI, the CLI
// and scripts. It speaks the spec documents exactly (plus the reference
// server's additive extensions), signs every non-public request with the
// RFC 9421 profile in package api, corrects clock skew from the server's
// Date, retries what is safe to retry, and turns every failure into an
// *Error with a Kind (see Kind for the mapping).
//
// A Client is safe for concurrent use.
package client

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fastcheck/api"
)

// Defaults of Options.
const (
	DefaultMaxResponseBytes int64 = 1 << 20
	DefaultRetries                = 3
	// LongPollWait is the ?wait= WaitForLogin asks for.
	LongPollWait = 25 * time.Second
	// DefaultPollInterval is the pace of WaitForLogin against a server that
	// ignores ?wait= and names no interval (RFC 8628's default).
	DefaultPollInterval = 5 * time.Second
)

// Options configure a Client.
type Options struct {
	// BaseURL is the API root; paths are appended to it
	// (http://127.0.0.1:8080/api + /ping). https:// is required unless the
	// host is loopback or AllowInsecureHTTP is set.
	BaseURL string
	// Key signs every non-public request. It is the terminal's key for
	// websessions and private calls, and the phone's key for the phone
	// calls (PhoneWebsession, Approve). Ping and CheckStatus need none.
	Key ed25519.PrivateKey
	// SessionID is the approved websession sent as Authorization.
	SessionID string
	// HTTPClient sends the requests. Nil means a client with its own
	// transport. Its redirects are never followed (a signature names one
	// URL). Do not set a Timeout shorter than a long-poll (LongPollWait).
	HTTPClient *http.Client
	// AllowInsecureHTTP allows http:// to a host that is not loopback.
	AllowInsecureHTTP bool
	// MaxResponseBytes caps a response body (default 1 MiB).
	MaxResponseBytes int64
	// Retries is how many times a failed call is retried (default 3;
	// negative means never).
	Retries int
	// Logger receives retries and clock corrections at Debug/Warn level.
	// Nil discards them. Keys and session ids are never logged.
	Logger *slog.Logger
	// Now is the local clock (default time.Now).
	Now func() time.Time
	// ApproveBase, if set, replaces BaseURL in ApproveURL: the address a
	// phone reaches the same server at (a LAN address while the terminal
	// talks to loopback).
	ApproveBase string
}

// Client talks to one Fastcheck server.
type Client struct {
	base       string // no trailing slash
	key        ed25519.PrivateKey
	httpc      *http.Client
	maxBody    int64
	retries    int
	log        *slog.Logger
	localNow   func() time.Time
	offset     atomic.Int64 // server time − local time, in nanoseconds
	mu         sync.Mutex
	session    string
	attemptTTL time.Duration // cap of one attempt (plus any long-poll wait)
	backoff    backoffPolicy
	approve    string // base of ApproveURL
	approveSet bool   // approve came from Options.ApproveBase
}

// New checks the options and builds a Client.
func New(o Options) (*Client, error) {
	base, err := checkBaseURL(o.BaseURL, o.AllowInsecureHTTP)
	if err != nil {
		return nil, err
	}
	if o.Key != nil && len(o.Key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("client: Key must be an Ed25519 private key of %d bytes, got %d", ed25519.PrivateKeySize, len(o.Key))
	}
	c := &Client{
		base:       base,
		key:        o.Key,
		maxBody:    o.MaxResponseBytes,
		retries:    o.Retries,
		log:        o.Logger,
		localNow:   o.Now,
		session:    o.SessionID,
		attemptTTL: 30 * time.Second,
		backoff:    defaultBackoff,
		approve:    base,
	}
	if o.ApproveBase != "" {
		ab, err := checkBaseURL(o.ApproveBase, true)
		if err != nil {
			return nil, fmt.Errorf("client: ApproveBase: %w", err)
		}
		c.approve, c.approveSet = ab, true
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxResponseBytes
	}
	switch {
	case c.retries == 0:
		c.retries = DefaultRetries
	case c.retries < 0:
		c.retries = 0
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.localNow == nil {
		c.localNow = time.Now
	}
	if o.HTTPClient != nil {
		hc := *o.HTTPClient
		c.httpc = &hc
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxResponseHeaderBytes = 64 << 10
		c.httpc = &http.Client{Transport: t}
	}
	// A signed request names its URL; following a redirect would send it
	// (and its Authorization) somewhere it was not meant for.
	c.httpc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c, nil
}

// checkBaseURL validates and normalizes the base URL.
func checkBaseURL(raw string, allowInsecure bool) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("client: BaseURL is required (for example https://fastcheck.store/api)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("client: BaseURL %q is not a URL: %v", raw, err)
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("client: BaseURL %q must be an absolute http(s) URL such as https://fastcheck.store/api", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", fmt.Errorf("client: BaseURL %q must not carry credentials, a query or a fragment", raw)
	}
	if u.Scheme == "http" && !allowInsecure && !IsLoopback(u.Hostname()) {
		return "", fmt.Errorf("client: refusing plain http:// to %q: requests and sessions would travel unencrypted; use https://, or set Options.AllowInsecureHTTP to allow it", u.Host)
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

// IsLoopback reports whether host (without port) is localhost or a
// loopback address (127.0.0.0/8, ::1).
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// BaseURL is the normalized API root.
func (c *Client) BaseURL() string { return c.base }

// SetSession sets the approved websession id sent as Authorization.
func (c *Client) SetSession(id string) {
	c.mu.Lock()
	c.session = id
	c.mu.Unlock()
}

// Session is the websession id sent as Authorization ("" when logged out).
func (c *Client) Session() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session
}

// Key is the signing key (nil if none was configured).
func (c *Client) Key() ed25519.PrivateKey { return c.key }

// Fingerprint is api.Fingerprint of the signing key, the string shown
// beside the login QR and on the phone before it approves ("" with no key).
func (c *Client) Fingerprint() string {
	if c.key == nil {
		return ""
	}
	return api.Fingerprint(c.key.Public().(ed25519.PublicKey))
}

// ApproveURL is what the login QR encodes: <base>/approve/<id>, with
// Options.ApproveBase as the base when set.
func (c *Client) ApproveURL(id string) string {
	return c.approve + "/approve/" + url.PathEscape(id)
}

// LoginURL is what the login QR for a new websession encodes: the
// client's own ApproveBase when one was given, else the approve address
// the server announced (its public URL) when that is a sane http(s) URL
// of this session's approve page, else ApproveURL(ws.SessionID).
func (c *Client) LoginURL(ws api.Websession) string {
	if c.approveSet || ws.ApproveURL == "" {
		return c.ApproveURL(ws.SessionID)
	}
	u, err := url.Parse(ws.ApproveURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || !strings.HasSuffix(u.Path, "/approve/"+ws.SessionID) ||
		len(ws.ApproveURL) > 2048 || strings.ContainsAny(ws.ApproveURL, " \t\r\n") {
		return c.ApproveURL(ws.SessionID)
	}
	return u.String()
}

// ClockOffset is the learned difference between the server's clock and
// the local one (zero until a clock-skew answer taught it).
func (c *Client) ClockOffset() time.Duration { return time.Duration(c.offset.Load()) }

// now is the local clock corrected by the learned offset: the client's
// best idea of the server's time.
func (c *Client) now() time.Time { return c.localNow().Add(c.ClockOffset()) }
