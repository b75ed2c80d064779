package proxy

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/zonemesh/zonemesh/dataplane/config"
)

// running is a bound listener socket and the goroutines serving it.
type running struct {
	name, addr string
	kind       config.Kind
	ln         net.Listener
	srv        *http.Server

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// tlsState is a listener's downstream TLS config, or why there is none yet.
type tlsState struct {
	conf *tls.Config
	err  error
}

func newTLSState(cfg *config.Config, d *config.DownstreamTLS) *tlsState {
	if d == nil {
		return nil
	}
	tc, err := serverTLS(cfg, d)
	return &tlsState{conf: tc, err: err}
}

func clusterTLS(cfg *config.Config, c *config.Cluster, logf func(string, ...any)) *tls.Config {
	if c.TLS == nil {
		return nil
	}
	tc, err := clientTLS(cfg, c.TLS)
	if err != nil {
		// Before the first SDS response this is the normal start-up order; afterwards it is a
		// config problem worth a line.
		if len(cfg.Certs)+len(cfg.CAs) > 0 {
			logf("cluster %q: %v (connections fail until it arrives)", c.Name, err)
		}
		return nil
	}
	return tc
}

// downstreamTLS returns the tls.Config template that picks the listener's current settings
// per handshake, so a secret rotation needs no rebind.
func (p *Proxy) downstreamTLS(name string) *tls.Config {
	return &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		lr := p.rt.Load().listeners[name]
		switch {
		case lr == nil || lr.tls == nil:
			return nil, fmt.Errorf("listener %q: no TLS context", name)
		case lr.tls.err != nil:
			return nil, lr.tls.err
		}
		return lr.tls.conf, nil
	}}
}

func (p *Proxy) start(l *config.Listener) (*running, error) {
	ln, err := p.o.Listen("tcp", l.Address)
	if err != nil {
		return nil, err
	}
	r := &running{name: l.Name, addr: l.Address, kind: l.Kind, ln: ln, conns: map[net.Conn]struct{}{}}
	switch l.Kind {
	case config.KindHTTP:
		var protos http.Protocols
		protos.SetHTTP1(true)
		protos.SetHTTP2(true)
		protos.SetUnencryptedHTTP2(true) // h2c with prior knowledge from the app side
		r.srv = &http.Server{Handler: p.httpHandler(l.Name), Protocols: &protos,
			ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 5 * time.Minute,
			ErrorLog: log.New(logWriter(p.o.Logf), "listener "+l.Name+": ", 0)}
		served := ln
		if l.TLS != nil {
			served = tls.NewListener(ln, p.downstreamTLS(l.Name))
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if err := r.srv.Serve(served); err != nil && !errors.Is(err, http.ErrServerClosed) {
				p.o.Logf("listener %q: %v", l.Name, err)
			}
		}()
	case config.KindTCP:
		r.wg.Add(1)
		go r.acceptLoop(func(c net.Conn) { p.serveTCP(l.Name, c) })
	case config.KindIngress:
		r.wg.Add(1)
		go r.acceptLoop(func(c net.Conn) { p.serveIngress(l.Name, c) })
	}
	return r, nil
}

// logWriter adapts Logf for http.Server's ErrorLog (TLS handshake failures and the like).
type logWriter func(format string, args ...any)

func (w logWriter) Write(b []byte) (int, error) {
	w("%s", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func (r *running) acceptLoop(serve func(net.Conn)) {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			c.Close()
			return
		}
		r.conns[c] = struct{}{}
		r.wg.Add(1)
		r.mu.Unlock()
		go func() {
			defer r.wg.Done()
			defer func() {
				r.mu.Lock()
				delete(r.conns, c)
				r.mu.Unlock()
			}()
			serve(c)
		}()
	}
}

func (r *running) close() {
	r.mu.Lock()
	r.closed = true
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	if r.srv != nil {
		r.srv.Close() // closes the listener too, and Serve returns ErrServerClosed
	}
	r.ln.Close()
	r.wg.Wait()
}
