package echo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Identity names one echo instance.
type Identity struct {
	Service, Version, Zone, Instance string
}

// Reply is the JSON body of every answer.
type Reply struct {
	Service  string            `json:"service"`
	Version  string            `json:"version"`
	Zone     string            `json:"zone"`
	Instance string            `json:"instance"`
	Caller   string            `json:"caller"`
	Method   string            `json:"method"`
	Host     string            `json:"host"`
	Path     string            `json:"path"`
	Proto    string            `json:"proto"`
	Headers  map[string]string `json:"headers,omitempty"`
}

// ZoneHeader is the response header naming the answering zone.
const ZoneHeader = "X-Zonemesh-Zone"

// Server is an echo instance. Its zero value is not usable; use New.
type Server struct {
	id atomic.Pointer[Identity]

	mu       sync.Mutex // guards the failure accumulator
	failAcc  float64
	share    atomic.Uint64 // math.Float64bits of the failing share
	code     atomic.Int64
	delay    atomic.Int64 // nanoseconds
	notReady atomic.Bool
	served   atomic.Uint64

	lns      []net.Listener
	srv      *http.Server
	connMu   sync.Mutex
	tcpConns map[net.Conn]struct{}
	closed   bool
	wg       sync.WaitGroup
}

// New returns an echo server for id.
func New(id Identity) *Server {
	s := &Server{}
	s.id.Store(&id)
	s.code.Store(http.StatusServiceUnavailable)
	return s
}

// Handler returns the HTTP handler (answers and control endpoints).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ready", s.ready)
	mux.HandleFunc("POST /_control/fail", s.controlFail)
	mux.HandleFunc("POST /_control/delay", s.controlDelay)
	mux.HandleFunc("POST /_control/ready", s.controlReady)
	mux.HandleFunc("POST /_control/reset", func(w http.ResponseWriter, r *http.Request) {
		s.Reset()
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/", s.answer)
	return mux
}

// SetInstance renames the instance (e.g. to its bound address once listening).
func (s *Server) SetInstance(name string) {
	id := *s.id.Load()
	id.Instance = name
	s.id.Store(&id)
}

// Reset clears failures, delay and readiness.
func (s *Server) Reset() {
	s.SetFail(0, http.StatusServiceUnavailable)
	s.delay.Store(0)
	s.notReady.Store(false)
}

// SetFail makes the given share of requests (0..1) answer with code. Failures are spread evenly
// (every other request at 0.5), not drawn at random, so tests are reproducible.
func (s *Server) SetFail(share float64, code int) {
	s.mu.Lock()
	s.failAcc = 0
	s.share.Store(uint64(share * 1e9))
	s.code.Store(int64(code))
	s.mu.Unlock()
}

// Served is the number of answered requests (control endpoints excluded).
func (s *Server) Served() uint64 { return s.served.Load() }

func (s *Server) fail() bool {
	share := float64(s.share.Load()) / 1e9
	if share <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failAcc += share
	if s.failAcc >= 1-1e-9 {
		s.failAcc--
		return true
	}
	return false
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request) {
	s.served.Add(1)
	if d := time.Duration(s.delay.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	id := s.id.Load()
	w.Header().Set(ZoneHeader, id.Zone)
	io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	if s.fail() {
		http.Error(w, "echo: injected failure", int(s.code.Load()))
		return
	}
	rep := Reply{Service: id.Service, Version: id.Version, Zone: id.Zone, Instance: id.Instance,
		Caller: CallerFromXFCC(r.Header.Get("X-Forwarded-Client-Cert")), Method: r.Method, Host: r.Host,
		Path: r.URL.Path, Proto: r.Proto, Headers: map[string]string{}}
	for k, vs := range r.Header {
		if k == "X-Forwarded-Client-Cert" || strings.HasPrefix(k, "X-Zonemesh-") || k == "X-Request-Id" {
			rep.Headers[strings.ToLower(k)] = vs[0]
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(rep)
}

// CallerFromXFCC returns the URI of the last element of an x-forwarded-client-cert header.
func CallerFromXFCC(h string) string {
	if h == "" {
		return ""
	}
	elems := strings.Split(h, ",")
	for _, kv := range strings.Split(elems[len(elems)-1], ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if ok && strings.EqualFold(k, "URI") {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if s.notReady.Load() {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}

func (s *Server) controlFail(w http.ResponseWriter, r *http.Request) {
	share, err := strconv.ParseFloat(r.URL.Query().Get("share"), 64)
	if err != nil || share < 0 || share > 1 {
		http.Error(w, "share: want a number in [0, 1]", http.StatusBadRequest)
		return
	}
	code := http.StatusServiceUnavailable
	if c := r.URL.Query().Get("code"); c != "" {
		if code, err = strconv.Atoi(c); err != nil || code < 100 || code > 599 {
			http.Error(w, "code: want an HTTP status", http.StatusBadRequest)
			return
		}
	}
	s.SetFail(share, code)
	fmt.Fprintf(w, "failing %.3f with %d\n", share, code)
}

func (s *Server) controlDelay(w http.ResponseWriter, r *http.Request) {
	d, err := time.ParseDuration(r.URL.Query().Get("delay"))
	if err != nil || d < 0 {
		http.Error(w, "delay: want a duration such as 200ms", http.StatusBadRequest)
		return
	}
	s.delay.Store(int64(d))
	fmt.Fprintf(w, "delay %v\n", d)
}

func (s *Server) controlReady(w http.ResponseWriter, r *http.Request) {
	v, err := strconv.ParseBool(r.URL.Query().Get("value"))
	if err != nil {
		http.Error(w, "value: want true or false", http.StatusBadRequest)
		return
	}
	s.notReady.Store(!v)
	fmt.Fprintf(w, "ready %v\n", v)
}

// Start listens on httpAddr (and tcpAddr for raw TCP echo, if not empty).
func (s *Server) Start(httpAddr, tcpAddr string) error {
	ln, err := net.Listen("tcp", httpAddr)
	if err != nil {
		return fmt.Errorf("echo: listen %s: %w", httpAddr, err)
	}
	s.lns = append(s.lns, ln)
	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetUnencryptedHTTP2(true)
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, Protocols: &protos}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener was closed under us; Close reports nothing more useful
		}
	}()
	if tcpAddr != "" {
		tl, err := net.Listen("tcp", tcpAddr)
		if err != nil {
			s.Close()
			return fmt.Errorf("echo: listen tcp %s: %w", tcpAddr, err)
		}
		s.lns = append(s.lns, tl)
		s.wg.Add(1)
		go s.tcpEcho(tl)
	}
	return nil
}

func (s *Server) tcpEcho(ln net.Listener) {
	defer s.wg.Done()
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.connMu.Lock()
		if s.closed {
			s.connMu.Unlock()
			c.Close()
			return
		}
		if s.tcpConns == nil {
			s.tcpConns = map[net.Conn]struct{}{}
		}
		s.tcpConns[c] = struct{}{}
		s.connMu.Unlock()
		conns.Add(1)
		go func() {
			defer conns.Done()
			defer func() {
				s.connMu.Lock()
				delete(s.tcpConns, c)
				s.connMu.Unlock()
				c.Close()
			}()
			io.Copy(c, c)
		}()
	}
}

// Addr returns the HTTP listener's address.
func (s *Server) Addr() string { return s.lns[0].Addr().String() }

// TCPAddr returns the TCP echo listener's address, or "".
func (s *Server) TCPAddr() string {
	if len(s.lns) < 2 {
		return ""
	}
	return s.lns[1].Addr().String()
}

// Close stops the listeners and waits for handlers.
func (s *Server) Close() error {
	if s.srv != nil {
		s.srv.Close()
	}
	for _, ln := range s.lns {
		ln.Close()
	}
	s.connMu.Lock()
	s.closed = true
	for c := range s.tcpConns {
		c.Close()
	}
	s.connMu.Unlock()
	s.wg.Wait()
	return nil
}
