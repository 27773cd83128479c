package server

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
