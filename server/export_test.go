package server

import (
	"context"
	"log/slog"
	"time"

	"fastcheck/ledger"
)

// RouteInfo exposes the route table to the OpenAPI test.
type RouteInfo struct {
	Method, Path string
	Response     any
}

// Routes lists the server's routes.
func Routes(s *Server) []RouteInfo {
	var out []RouteInfo
	for _, r := range s.routeTable() {
		out = append(out, RouteInfo{r.method, r.path, r.response})
	}
	return out
}

// LeaseKeeper returns the lease keeper of withdrawal transfers on st, as
// a server's payments run it, with no reconciler beside it, and the owner
// name its leases carry.
func LeaseKeeper(st ledger.Store, lease time.Duration) (owner string, hold func(ctx context.Context, ref string) (context.Context, func())) {
	s := &Server{now: time.Now, log: slog.New(slog.DiscardHandler), metrics: newMetrics(), store: st}
	p := &payments{s: s, cfg: Payments{TransferLease: lease}, store: st, owner: leaseOwner(), lastWarn: map[string]time.Time{}}
	return p.owner, p.holdLease
}
