package cptest

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// Relay forwards TCP connections to an upstream and can freeze: while frozen it keeps every
// connection open but moves no bytes, the way a black-holed link or a stopped peer looks.
type Relay struct {
	l        net.Listener
	upstream string
	mu       sync.Mutex
	frozen   bool
	cond     *sync.Cond
	conns    []net.Conn
}

// NewRelay listens on 127.0.0.1 and relays to upstream until the test ends.
func NewRelay(t testing.TB, upstream string) *Relay {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &Relay{l: l, upstream: upstream}
	r.cond = sync.NewCond(&r.mu)
	go r.accept()
	t.Cleanup(r.Close)
	return r
}

// Addr is the relay's address.
func (r *Relay) Addr() string { return r.l.Addr().String() }

// Freeze stops moving bytes; Thaw resumes.
func (r *Relay) Freeze() { r.set(true) }
func (r *Relay) Thaw()   { r.set(false) }

func (r *Relay) set(f bool) {
	r.mu.Lock()
	r.frozen = f
	r.mu.Unlock()
	r.cond.Broadcast()
}

// Close stops the relay and its connections.
func (r *Relay) Close() {
	_ = r.l.Close()
	r.mu.Lock()
	for _, c := range r.conns {
		_ = c.Close()
	}
	r.frozen = false
	r.mu.Unlock()
	r.cond.Broadcast()
}

func (r *Relay) accept() {
	for {
		c, err := r.l.Accept()
		if err != nil {
			return
		}
		u, err := net.DialTimeout("tcp", r.upstream, 2*time.Second)
		if err != nil {
			_ = c.Close()
			continue
		}
		r.mu.Lock()
		r.conns = append(r.conns, c, u)
		r.mu.Unlock()
		go r.pipe(c, u)
		go r.pipe(u, c)
	}
}

func (r *Relay) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		r.mu.Lock()
		for r.frozen {
			r.cond.Wait()
		}
		r.mu.Unlock()
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				_ = src.Close()
			}
			return
		}
	}
}
