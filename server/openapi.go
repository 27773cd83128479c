package server

import (
	_ "embed"
	"net/http"
)

// openAPI is the machine-readable description of every route. A test
// checks it against the route table and the wire types.
//
//go:embed openapi.json
var openAPI []byte

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPI)
}
