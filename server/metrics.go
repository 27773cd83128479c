package server

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// metrics keeps the counters /metrics exposes in the Prometheus text
// format: requests and latencies by route and status, and ledger
// operations by kind and outcome.
type metrics struct {
	mu        sync.Mutex
	requests  map[[2]string]uint64     // route, status
	latencies map[[2]string]*histogram // route, status
	ledger    map[[2]string]uint64     // op, outcome
}

var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

func newMetrics() *metrics {
	return &metrics{
		requests:  map[[2]string]uint64{},
		latencies: map[[2]string]*histogram{},
		ledger:    map[[2]string]uint64{},
	}
}

func (m *metrics) observeRequest(route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := [2]string{route, strconv.Itoa(status)}
	m.requests[key]++
	h := m.latencies[key]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets))}
		m.latencies[key] = h
	}
	sec := d.Seconds()
	for i, b := range latencyBuckets {
		if sec <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += sec
	h.count++
}

func (m *metrics) ledgerOp(op, outcome string, n int) {
	if n <= 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ledger[[2]string{op, outcome}] += uint64(n)
}

func (m *metrics) write(w *strings.Builder) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w.WriteString("# HELP fastcheck_http_requests_total HTTP requests by route and status.\n")
	w.WriteString("# TYPE fastcheck_http_requests_total counter\n")
	for _, k := range sortedKeys(m.requests) {
		fmt.Fprintf(w, "fastcheck_http_requests_total{route=%s,status=%s} %d\n", label(k[0]), label(k[1]), m.requests[k])
	}
	w.WriteString("# HELP fastcheck_http_request_duration_seconds HTTP request latency by route and status.\n")
	w.WriteString("# TYPE fastcheck_http_request_duration_seconds histogram\n")
	for _, k := range sortedKeys(m.latencies) {
		h, l := m.latencies[k], "route="+label(k[0])+",status="+label(k[1])
		var cum uint64
		for i, b := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "fastcheck_http_request_duration_seconds_bucket{%s,le=\"%g\"} %d\n", l, b, cum)
		}
		fmt.Fprintf(w, "fastcheck_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", l, h.count)
		fmt.Fprintf(w, "fastcheck_http_request_duration_seconds_sum{%s} %g\n", l, h.sum)
		fmt.Fprintf(w, "fastcheck_http_request_duration_seconds_count{%s} %d\n", l, h.count)
	}
	w.WriteString("# HELP fastcheck_ledger_operations_total Ledger operations by kind and outcome.\n")
	w.WriteString("# TYPE fastcheck_ledger_operations_total counter\n")
	for _, k := range sortedKeys(m.ledger) {
		fmt.Fprintf(w, "fastcheck_ledger_operations_total{op=%s,outcome=%s} %d\n", label(k[0]), label(k[1]), m.ledger[k])
	}
}

func sortedKeys[V any](m map[[2]string]V) [][2]string {
	keys := make([][2]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	return keys
}

// label quotes a label value per the exposition format.
func label(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	s.metrics.write(&b)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Write([]byte(b.String()))
}
