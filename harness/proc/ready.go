package proc

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// Probe tells when a process is ready: an HTTP GET answering 2xx, a TCP port accepting, or
// a file the process writes once it is ready (every set condition must hold).
type Probe struct {
	HTTP     string        // URL to GET
	TCP      string        // host:port to dial
	File     string        // path that must exist
	Interval time.Duration // between attempts; default 20ms
}

func (pr Probe) zero() bool { return pr.HTTP == "" && pr.TCP == "" && pr.File == "" }

func (pr Probe) once(ctx context.Context) error {
	if pr.File != "" {
		if _, err := os.Stat(pr.File); err != nil {
			return err
		}
	}
	if pr.TCP != "" {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", pr.TCP)
		if err != nil {
			return err
		}
		c.Close()
	}
	if pr.HTTP != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, pr.HTTP, nil)
		if err != nil {
			return err
		}
		resp, err := probeClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("GET %s: %s", pr.HTTP, resp.Status)
		}
	}
	return nil
}

// probeClient never uses a proxy: probes go to loopback components.
var probeClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 2 * time.Second}

// WaitReady polls the spec's probe until it succeeds, the process exits or ctx ends.
func (p *Process) WaitReady(ctx context.Context) error {
	pr := p.spec.Ready
	if pr.zero() {
		return nil
	}
	iv := pr.Interval
	if iv <= 0 {
		iv = 20 * time.Millisecond
	}
	done := p.Done()
	t := time.NewTicker(iv)
	defer t.Stop()
	var last error
	for {
		if last = pr.once(ctx); last == nil {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("proc %s: exited before ready (%v); see %s", p.spec.Name, p.ExitErr(), p.log)
		case <-ctx.Done():
			return fmt.Errorf("proc %s: not ready: %w (last probe: %v)", p.spec.Name, ctx.Err(), last)
		case <-t.C:
		}
	}
}
