package harness

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fastcheck/api"
	"fastcheck/assets"
	"fastcheck/client"
	"fastcheck/payments/briacoin"
)

// user is one account of the workload: its phone identity and a logged-in
// terminal client whose requests go round robin over the replicas.
type user struct {
	name  string
	id    string
	phone ed25519.PrivateKey
	c     *client.Client
}

// newClient is a client of the system: signed URLs name the front, the
// requests go to the replicas in turn.
func (s *system) newClient(key ed25519.PrivateKey) *client.Client {
	c, err := client.New(client.Options{BaseURL: "http://" + s.front.addr + "/api", Key: key,
		HTTPClient: &http.Client{Transport: s.rr}, Retries: 5,
		// A long run's history is many megabytes.
		MaxResponseBytes: 1 << 30})
	if err != nil {
		panic(err) // the options are the harness's own
	}
	return c
}

// login runs the QR login of a phone identity with a fresh terminal key.
func (s *system) login(ctx context.Context, name string, phone ed25519.PrivateKey) (*user, error) {
	_, term, _ := ed25519.GenerateKey(rand.Reader)
	c := s.newClient(term)
	ws, err := c.CreateWebsession(ctx)
	if err != nil {
		return nil, fmt.Errorf("login %s: websession: %w", name, err)
	}
	if _, err := s.newClient(phone).Approve(ctx, ws.SessionID, c.Fingerprint()); err != nil {
		return nil, fmt.Errorf("login %s: approve: %w", name, err)
	}
	c.SetSession(ws.SessionID)
	return &user{name: name, id: api.UserID(phone.Public().(ed25519.PublicKey)), phone: phone, c: c}, nil
}

// users logs in the demo users (funded by --demo) and four fresh ones,
// who start at zero and get money from checks and top-ups.
func (s *system) users(ctx context.Context) ([]*user, error) {
	var out []*user
	for _, n := range []string{"alice", "bob"} {
		d, ok := assets.FindDemoUser(n)
		if !ok {
			return nil, fmt.Errorf("no demo user %s", n)
		}
		u, err := s.login(ctx, n, d.PhoneKey())
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	for _, n := range []string{"carol", "dave", "erin", "frank"} {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		u, err := s.login(ctx, n, k)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// The acknowledged operations, as the clients saw them.
type createAck struct {
	number, code string
	creator      *user
	amount       int64
}

type topupAck struct {
	u        *user
	t        api.Topup
	paid     bool // the harness paid it in full (card accepted, or all coins sent)
	declined bool // the harness paid with a declined card
}

type withdrawAck struct {
	u *user
	w api.Withdrawal
}

// history is the log of every acknowledged operation and every violation
// seen while the workload ran.
type history struct {
	mu         sync.Mutex
	creates    map[string]*createAck
	accepts    map[string][]*user // acked accepts of a check, by user
	cancels    map[string]bool
	topups     []topupAck
	withdraws  []withdrawAck
	violations []string
	stuck      []string // acknowledged withdrawals not final after the settle

	ops, acked, refused, unknown, serverErrors atomic.Int64
	lateTried, lateAcked                       atomic.Int64 // accepts sent in the second of expiry
	refusedBy                                  sync.Map     // client.Kind → *atomic.Int64
}

func newHistory() *history {
	return &history{creates: map[string]*createAck{}, accepts: map[string][]*user{}, cancels: map[string]bool{}}
}

func (h *history) violate(format string, args ...any) {
	h.mu.Lock()
	h.violations = append(h.violations, fmt.Sprintf(format, args...))
	h.mu.Unlock()
}

// outcome counts one operation: acknowledged, refused for sure (a 4xx: it
// did nothing), or indeterminate (no answer or a 5xx: it may have acted).
func (h *history) outcome(err error) bool {
	h.ops.Add(1)
	if err == nil {
		h.acked.Add(1)
		return true
	}
	var e *client.Error
	if errors.As(err, &e) && e.Status >= 400 && e.Status < 500 {
		h.refused.Add(1)
		n, _ := h.refusedBy.LoadOrStore(e.Kind, new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
		return false
	}
	if errors.As(err, &e) && e.Status >= 500 {
		h.serverErrors.Add(1)
	}
	h.unknown.Add(1)
	return false
}

// refusals lists the refusals by kind, for the log.
func (h *history) refusals() string {
	var parts []string
	h.refusedBy.Range(func(k, v any) bool {
		parts = append(parts, fmt.Sprintf("%v %d", k, v.(*atomic.Int64).Load()))
		return true
	})
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// checkWorker creates checks and resolves them every way there is: one
// accept, several users accepting the same check at once, cancel, cancel
// racing an accept, or left active.
func (s *system) checkWorker(ctx context.Context, us []*user, h *history) {
	r := mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64()))
	for ctx.Err() == nil {
		creator := us[r.IntN(len(us))]
		if r.IntN(10) < 6 {
			creator = us[r.IntN(2)] // the demo users hold most of the money
		}
		amount := 1 + r.Int64N(5000)
		cr, err := creator.c.CreateCheck(ctx, amount, "RUB")
		if !h.outcome(err) {
			continue
		}
		ack := &createAck{number: cr.Fastcheck, code: cr.Code, creator: creator, amount: amount}
		if cr.Amount != 0 && cr.Amount != amount {
			h.violate("create of %d acknowledged check %s holding %d", amount, cr.Fastcheck, cr.Amount)
		}
		h.mu.Lock()
		h.creates[cr.Fastcheck] = ack
		h.mu.Unlock()
		others := make([]*user, 0, len(us)-1)
		for _, u := range us {
			if u != creator {
				others = append(others, u)
			}
		}
		r.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
		switch p := r.IntN(100); {
		case p < 55:
			s.accept(ctx, h, ack, others[0])
		case p < 75: // three users accept the same check at once
			var wg sync.WaitGroup
			for _, u := range others[:3] {
				wg.Go(func() { s.accept(ctx, h, ack, u) })
			}
			wg.Wait()
		case p < 85:
			s.cancel(ctx, h, ack)
		case p < 92: // the creator cancels while another user accepts
			var wg sync.WaitGroup
			wg.Go(func() { s.cancel(ctx, h, ack) })
			wg.Go(func() { s.accept(ctx, h, ack, others[0]) })
			wg.Wait()
		default: // left active; some of them are accepted right at their expiry
			if exp, err := api.ParseTime(cr.Expiration); err == nil && r.IntN(3) == 0 {
				// The wire's expiration is in whole seconds, the stored
				// one is not: aim at the second after it.
				at := exp.Add(time.Duration(r.IntN(1000)) * time.Millisecond)
				s.late.Go(func() {
					time.Sleep(time.Until(at))
					lctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					h.lateTried.Add(1)
					if s.accept(lctx, h, ack, others[0]) {
						h.lateAcked.Add(1)
					}
				})
			}
		}
	}
}

func (s *system) accept(ctx context.Context, h *history, c *createAck, u *user) bool {
	res, err := u.c.AcceptCheck(ctx, c.number, c.code)
	if !h.outcome(err) {
		return false
	}
	if res.Amount != 0 && res.Amount != c.amount {
		h.violate("accept of check %s (amount %d) by %s credited %d", c.number, c.amount, u.name, res.Amount)
	}
	h.mu.Lock()
	h.accepts[c.number] = append(h.accepts[c.number], u)
	n, cancelled := len(h.accepts[c.number]), h.cancels[c.number]
	h.mu.Unlock()
	if n > 1 {
		h.violate("check %s: %d accepts acknowledged (spent twice)", c.number, n)
	}
	if cancelled {
		h.violate("check %s: both a cancel and an accept acknowledged", c.number)
	}
	return true
}

func (s *system) cancel(ctx context.Context, h *history, c *createAck) {
	res, err := c.creator.c.CancelCheck(ctx, c.number)
	if !h.outcome(err) {
		return
	}
	if res.Amount != c.amount {
		h.violate("cancel of check %s (amount %d) refunded %d", c.number, c.amount, res.Amount)
	}
	h.mu.Lock()
	h.cancels[c.number] = true
	accepted := len(h.accepts[c.number]) > 0
	h.mu.Unlock()
	if accepted {
		h.violate("check %s: both a cancel and an accept acknowledged", c.number)
	}
}

// harnessWallet is where withdrawals go (a well-formed Briacoin address).
const harnessWallet = "BHarnessWa11etForWithdrawa1s9zzzzz"

// paymentWorker tops up by bank card and by Briacoin (paying through the
// providers as a customer would) and withdraws to Briacoin, at a pace
// under the server's per-user payment limit.
func (s *system) paymentWorker(ctx context.Context, us []*user, h *history) {
	r := mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64()))
	for ctx.Err() == nil {
		u := us[r.IntN(len(us))]
		switch p := r.IntN(10); {
		case p < 4:
			s.bankTopup(ctx, r, u, h)
		case p < 8:
			s.briacoinTopup(ctx, r, u, h)
		default:
			w, err := u.c.Withdraw(ctx, harnessWallet, 100+r.Int64N(5000))
			if h.outcome(err) {
				h.mu.Lock()
				h.withdraws = append(h.withdraws, withdrawAck{u: u, w: w})
				h.mu.Unlock()
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (s *system) bankTopup(ctx context.Context, r *mrand.Rand, u *user, h *history) {
	t, err := u.c.Topup(ctx, api.MethodBank, 10000*(1+r.Int64N(10)), "RUB")
	if !h.outcome(err) {
		return
	}
	ack := topupAck{u: u, t: t}
	card := "4242424242424242"
	if r.IntN(10) == 0 {
		card, ack.declined = "4000000000000002", true
	}
	form := url.Values{"card_number": {card}, "expiry": {"12/39"}, "cvc": {"123"}}
	req, _ := http.NewRequestWithContext(ctx, "POST", t.PaymentURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hc := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, err := hc.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusSeeOther {
			ack.paid = !ack.declined
		} else {
			ack.declined = false
		}
	} else {
		ack.declined = false
	}
	h.mu.Lock()
	h.topups = append(h.topups, ack)
	h.mu.Unlock()
}

func (s *system) briacoinTopup(ctx context.Context, r *mrand.Rand, u *user, h *history) {
	t, err := u.c.Topup(ctx, api.MethodBriacoin, 10000*(1+r.Int64N(10)), "RUB")
	if !h.outcome(err) {
		return
	}
	ack := topupAck{u: u, t: t}
	coins, err := briacoin.ParseCoins(t.Coins)
	if err != nil || coins <= 0 {
		h.violate("briacoin top-up %s asks for %q coins", t.ID, t.Coins)
		return
	}
	parts := []briacoin.Coins{coins}
	if r.IntN(3) == 0 && coins > 1 { // paid in two parts: new → part → close
		parts = []briacoin.Coins{coins / 2, coins - coins/2}
	}
	ack.paid = true
	for _, c := range parts {
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err := briacoin.SimPay(pctx, nil, s.prov.simURL, t.Wallet, c)
		cancel()
		if err != nil {
			ack.paid = false
			break
		}
	}
	h.mu.Lock()
	h.topups = append(h.topups, ack)
	h.mu.Unlock()
}

// dump writes every acknowledged operation, one JSON object a line, to a
// file that outlives the test (for a failed run).
func (h *history) dump(name string) (string, error) {
	f, err := os.CreateTemp("", "fastcheck-reliability-"+name+"-*.jsonl")
	if err != nil {
		return "", err
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range sortedKeys(h.creates) {
		c := h.creates[n]
		enc.Encode(map[string]any{"op": "create", "check": n, "by": c.creator.name, "amount": c.amount})
		for _, u := range h.accepts[n] {
			enc.Encode(map[string]any{"op": "accept", "check": n, "by": u.name})
		}
		if h.cancels[n] {
			enc.Encode(map[string]any{"op": "cancel", "check": n, "by": c.creator.name})
		}
	}
	for _, a := range h.topups {
		enc.Encode(map[string]any{"op": "topup", "by": a.u.name, "topup": a.t, "paid": a.paid, "declined": a.declined})
	}
	for _, a := range h.withdraws {
		enc.Encode(map[string]any{"op": "withdraw", "by": a.u.name, "withdrawal": a.w})
	}
	for _, v := range h.violations {
		enc.Encode(map[string]any{"violation": v})
	}
	return f.Name(), nil
}

// sortedKeys is for stable reports.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
