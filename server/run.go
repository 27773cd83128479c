package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Serve listens on addr and serves until ctx is cancelled, then shuts down
// gracefully: it stops accepting, lets in-flight requests finish (their
// ledger transactions commit or roll back whole), and stops the sweeper.
// ready, if not nil, receives the bound address once listening.
func (s *Server) Serve(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := s.HTTPServer(addr)
	s.Start()
	defer s.Close()
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	s.waiters.closeAll() // release long-polls now
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
