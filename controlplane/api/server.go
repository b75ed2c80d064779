package api

import (
	"errors"
	"fmt"
	"github.com/zonemesh/zonemesh/internal/defect"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// Default body limits.
const (
	DefaultMaxBodyBytes = 8 << 20
	// MaxApplyResources bounds the resources of one apply.
	MaxApplyResources = 5000
)

// Options configure a Server.
type Options struct {
	Store store.Store
	// Origin is set on every resource written through the API: "global" or the zone's name.
	Origin string
	// AdminToken authorises writes; it must not be empty (there is no anonymous write path).
	AdminToken string
	// ReadOnlyKinds, when set, names kinds this server refuses to write (409). A zone makes
	// policies read-only: they are written at global. System kinds are refused everywhere.
	ReadOnlyKinds func(resource.Kind) bool
	// Zones and Proxies answer /zones and /inspect; nil sources answer 501.
	Zones   ZoneStatusSource
	Proxies ProxyConfigSource
	// Registry, when set, is served on /metrics and receives the API's request metrics.
	Registry *prometheus.Registry
	// MaxBodyBytes bounds a request body (default DefaultMaxBodyBytes).
	MaxBodyBytes int64
}

// Server is the REST API as an http.Handler.
type Server struct {
	opts    Options
	mux     *http.ServeMux
	metrics *metrics
}

// New returns the API server for opts.
func New(opts Options) (*Server, error) {
	switch {
	case opts.Store == nil:
		return nil, errors.New("api: no store")
	case opts.Origin == "":
		return nil, errors.New("api: no origin")
	case opts.AdminToken == "":
		return nil, errors.New("api: no admin token")
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	s := &Server{opts: opts, mux: http.NewServeMux()}
	if opts.Registry != nil {
		m, err := newMetrics(opts.Registry)
		if err != nil {
			return nil, err
		}
		s.metrics = m
	}
	// Methods are dispatched in the handlers so that a wrong method gets a JSON 405 too.
	s.handle("/api/v1/resources/{kind}", map[string]handlerFunc{http.MethodGet: s.list})
	s.handle("/api/v1/resources/{kind}/{mesh}/{name}", map[string]handlerFunc{
		http.MethodGet: s.get, http.MethodPut: s.put, http.MethodDelete: s.delete,
	})
	s.handle("/api/v1/apply", map[string]handlerFunc{http.MethodPost: s.apply})
	s.handle("/api/v1/zones", map[string]handlerFunc{http.MethodGet: s.zones})
	s.handle("/api/v1/inspect/dataplanes/{mesh}/{name}", map[string]handlerFunc{http.MethodGet: s.inspectDataplane})
	s.handle("/healthz", map[string]handlerFunc{http.MethodGet: s.healthz})
	if opts.Registry != nil {
		prom := promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{})
		s.handle("/metrics", map[string]handlerFunc{http.MethodGet: func(w http.ResponseWriter, r *http.Request) error {
			prom.ServeHTTP(w, r)
			return nil
		}})
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, withStatus(http.StatusNotFound, "", fmt.Errorf("no route %s %s", r.Method, r.URL.Path)))
	})
	return s, nil
}

// handlerFunc answers a request or returns the error to answer with.
type handlerFunc func(http.ResponseWriter, *http.Request) error

func (s *Server) handle(pattern string, methods map[string]handlerFunc) {
	allow := make([]string, 0, len(methods))
	for m := range methods {
		allow = append(allow, m)
	}
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		h, ok := methods[r.Method]
		if !ok {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, withStatus(http.StatusMethodNotAllowed, "", fmt.Errorf("method %s not allowed on %s", r.Method, pattern)))
			return
		}
		if err := h(w, r); err != nil {
			writeError(w, err)
		}
	})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.metrics == nil {
		s.mux.ServeHTTP(w, r)
		return
	}
	s.metrics.serve(s.mux, w, r)
}

// authorize checks the admin token of a write.
func (s *Server) authorize(r *http.Request) error {
	// Seeded defect for the conformance mutation run only (constant false in production builds).
	if defect.Active(defect.AnonymousWrites) {
		return nil
	}
	tok, err := auth.BearerToken(r.Header.Get("Authorization"))
	if err == nil {
		err = auth.CheckAdmin(tok, s.opts.AdminToken)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, auth.ErrMissing):
		return withStatus(http.StatusUnauthorized, "", errors.New("writes need an admin token: Authorization: Bearer <token>"))
	default:
		return withStatus(http.StatusForbidden, "", errors.New("the admin token is not valid"))
	}
}

// writable refuses kinds this server must not write through the API.
func (s *Server) writable(k resource.Kind) error {
	info, ok := resource.Info(k)
	switch {
	case !ok:
		return withStatus(http.StatusBadRequest, "kind", fmt.Errorf("unknown kind %q", k))
	case info.System:
		return withStatus(http.StatusConflict, "kind", fmt.Errorf("%s is written by the control plane only", k))
	case s.opts.ReadOnlyKinds != nil && s.opts.ReadOnlyKinds(k):
		if info.Policy {
			return withStatus(http.StatusConflict, "kind", fmt.Errorf("%s is read-only on %s: policies are written at global, the source of truth", k, s.opts.Origin))
		}
		return withStatus(http.StatusConflict, "kind", fmt.Errorf("%s is read-only on %s", k, s.opts.Origin))
	}
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "origin": s.opts.Origin})
	return nil
}
