package harness

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"fastcheck/payments/bank"
	"fastcheck/payments/briacoin"
)

// roundRobin is the load balancer of the harness: each request goes to
// the next replica in turn, the Host header unchanged (so a signature
// over @target-uri still verifies). A replica that refuses the connection
// (killed, restarting) is skipped: the request never reached it.
type roundRobin struct {
	addrs []string
	next  atomic.Uint64
	base  http.RoundTripper
}

func newRoundRobin(addrs []string) *roundRobin {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &roundRobin{addrs: addrs, base: t}
}

func (rr *roundRobin) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	var lastErr error
	for range rr.addrs {
		out := req.Clone(req.Context())
		out.URL.Host = rr.addrs[rr.next.Add(1)%uint64(len(rr.addrs))]
		out.Host = host
		if body != nil {
			out.Body = io.NopCloser(bytes.NewReader(body))
			out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		resp, err := rr.base.RoundTrip(out)
		if err == nil || !errors.Is(err, syscall.ECONNREFUSED) {
			return resp, err
		}
		lastErr = err
	}
	return nil, lastErr
}

// front is the address the payment providers call back and the clients
// name in their signed URLs: a reverse proxy over the round robin.
type front struct {
	addr string
	srv  *http.Server
}

func startFront(t testing.TB, rr *roundRobin) *front {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: rr, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		out, _ := http.NewRequestWithContext(r.Context(), r.Method, "http://"+ln.Addr().String()+r.URL.RequestURI(), bytes.NewReader(body))
		out.Header = r.Header.Clone()
		out.Host = r.Host
		resp, err := hc.Do(out)
		if err != nil {
			http.Error(w, "no replica answered: "+err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	})
	f := &front{addr: ln.Addr().String(), srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go f.srv.Serve(ln)
	t.Cleanup(func() { f.srv.Close() })
	return f
}

// providers are the real sandbox bank and Briacoin simulator, run in the
// harness on loopback ports of their own (not inside a replica), so every
// replica uses the same ones, they outlive a killed replica, and the
// harness can switch their faults on: callbacks delivered several times,
// a stalled API.
type providers struct {
	bank    *bank.Sandbox
	sim     *briacoin.Simulator
	bankURL string // root; the sandbox serves /bank/...
	simURL  string // root of the simulator (API at /, /sim/pay)
	secret  string // the merchant account's TOTP secret
	webhook string // the bank's webhook secret
	step    time.Duration
	rate    string

	bankStalled atomic.Bool // the bank's merchant API hangs
}

// setStall stalls (or frees) both providers' APIs: the Briacoin service
// answers nothing, and the bank's merchant API (create and look up a
// payment) hangs until the caller gives up or the stall ends. Callbacks
// and duplicates go on.
func (p *providers) setStall(on bool) {
	p.sim.SetFaults(briacoin.Faults{Stall: on, DuplicateCallbacks: 2})
	p.bankStalled.Store(on)
}

// bankHandler is the sandbox behind the stall switch.
func (p *providers) bankHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/bank/payments") {
			for p.bankStalled.Load() {
				select {
				case <-r.Context().Done():
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		}
		p.bank.ServeHTTP(w, r)
	})
}

const harnessRate = "1 coin = 100.00 RUB"

func startProviders(t testing.TB, callbackRoot string) *providers {
	t.Helper()
	p := &providers{step: 250 * time.Millisecond, rate: harnessRate, webhook: "harness-webhook-secret-0123456789abcdef"}
	bankLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	simLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.bankURL, p.simURL = "http://"+bankLn.Addr().String(), "http://"+simLn.Addr().String()
	// Deliveries retry for about a minute: long enough to outlast a killed
	// replica or a PostgreSQL restart.
	p.bank, err = bank.NewSandbox(bank.SandboxConfig{WebhookSecret: []byte(p.webhook), BaseURL: p.bankURL,
		RetryBase: 100 * time.Millisecond, RetryMax: 2 * time.Second, RetryAttempts: 60})
	if err != nil {
		t.Fatal(err)
	}
	p.sim, err = briacoin.NewSimulator(briacoin.SimConfig{Period: p.step,
		RetryBase: 100 * time.Millisecond, RetryMax: 2 * time.Second, RetryAttempts: 60})
	if err != nil {
		t.Fatal(err)
	}
	if p.secret, err = briacoin.NewSecret(nil); err != nil {
		t.Fatal(err)
	}
	if err := p.sim.AddAccount(1, p.secret, callbackRoot+"/callbacks/briacoin"); err != nil {
		t.Fatal(err)
	}
	bs := &http.Server{Handler: p.bankHandler(), ReadHeaderTimeout: 10 * time.Second}
	ss := &http.Server{Handler: p.sim, ReadHeaderTimeout: 10 * time.Second}
	go bs.Serve(bankLn)
	go ss.Serve(simLn)
	t.Cleanup(func() {
		p.sim.SetFaults(briacoin.Faults{})
		bs.Close()
		ss.Close()
		p.bank.Close()
		p.sim.Close()
	})
	return p
}

// serverArgs are the payment flags of a replica using these providers.
func (p *providers) serverArgs() (args, env []string) {
	return []string{"--bank-url", p.bankURL, "--briacoin-url", p.simURL + "/", "--briacoin-account", "1",
			"--briacoin-rate", p.rate, "--briacoin-step", p.step.String(), "--briacoin-timeout", "2s",
			"--reconcile-interval", "1s"},
		[]string{"FASTCHECK_BANK_WEBHOOK_SECRET=" + p.webhook, "FASTCHECK_BRIACOIN_SECRET=" + p.secret}
}
