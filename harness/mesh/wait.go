package run

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/harness/backend"
	"github.com/zonemesh/zonemesh/harness/backend/process"
	"github.com/zonemesh/zonemesh/scenarios"
)

const (
	defaultWaitTimeout = 30 * time.Second
	pollInterval       = 50 * time.Millisecond
)

func (r *Runner) wait(ctx context.Context, w *scenarios.Wait) error {
	if w.For == scenarios.WaitDuration {
		select {
		case <-time.After(w.Duration.D()):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	timeout := w.Timeout.D()
	if timeout <= 0 {
		timeout = defaultWaitTimeout
	}
	var cond func(context.Context) error
	switch w.For {
	case scenarios.WaitConverged:
		cond = r.converged
	case scenarios.WaitZonesOnline:
		cond = func(ctx context.Context) error { return r.zonesOnline(ctx, true, r.zoneNames()...) }
	case scenarios.WaitZoneOffline:
		cond = func(ctx context.Context) error { return r.zonesOnline(ctx, false, w.Zone) }
	default:
		return fmt.Errorf("unknown wait condition %q", w.For)
	}
	start := time.Now()
	err := poll(ctx, timeout, cond)
	if err != nil {
		return fmt.Errorf("%s not reached within %v: %w", w.For, timeout, err)
	}
	r.progress("%s after %v", w.For, time.Since(start).Round(time.Millisecond))
	return nil
}

func poll(ctx context.Context, timeout time.Duration, cond func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := cond(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pollInterval):
		}
	}
}

func (r *Runner) zoneNames() []string {
	var n []string
	for _, z := range r.plan.Zones {
		n = append(n, z.Name)
	}
	return n
}

func (r *Runner) zonesOnline(ctx context.Context, want bool, zones ...string) error {
	st, err := r.client.Zones(ctx)
	if err != nil {
		return err
	}
	on := map[string]bool{}
	for _, s := range st {
		on[s.Name] = s.Online
	}
	for _, z := range zones {
		if on[z] != want {
			return fmt.Errorf("zone %s online=%v", z, on[z])
		}
	}
	return nil
}

// converged holds when every zone is online, has global's current policies at their
// current versions, and every proxy of every zone has ACKed the last config it was sent.
func (r *Runner) converged(ctx context.Context) error {
	if err := r.zonesOnline(ctx, true, r.zoneNames()...); err != nil {
		return err
	}
	want, err := versions(ctx, r.client)
	if err != nil {
		return err
	}
	for _, z := range r.zones {
		have, err := versions(ctx, z.client)
		if err != nil {
			return fmt.Errorf("zone %s: %w", z.plan.Name, err)
		}
		for k, v := range want {
			if have[k] != v {
				return fmt.Errorf("zone %s: %s at version %d, global has %d", z.plan.Name, k, have[k], v)
			}
		}
		for k := range have {
			if _, ok := want[k]; !ok {
				return fmt.Errorf("zone %s: %s deleted at global but still present", z.plan.Name, k)
			}
		}
		ps, err := proxies(ctx, z.info.APIURL)
		if err != nil {
			return fmt.Errorf("zone %s: %w", z.plan.Name, err)
		}
		expected := len(z.instances) + len(z.ingresses) + z.plan.FakeProxies
		if len(ps) < expected {
			return fmt.Errorf("zone %s: %d of %d proxies connected", z.plan.Name, len(ps), expected)
		}
		for _, p := range ps {
			for t, ts := range p.Types {
				if ts.Sent != "" && ts.Acked != ts.Sent {
					return fmt.Errorf("zone %s: proxy %s has not ACKed %s %s", z.plan.Name, p.ID, t, ts.Sent)
				}
			}
		}
	}
	return nil
}

// versions lists every policy and mesh of a control plane: key → version.
func versions(ctx context.Context, c *api.Client) (map[string]uint64, error) {
	out := map[string]uint64{}
	for _, k := range resource.Kinds() {
		info, _ := resource.Info(k)
		if !info.Policy && k != resource.KindMesh {
			continue
		}
		rs, err := c.List(ctx, k, "")
		if err != nil {
			return nil, err
		}
		for _, res := range rs {
			out[res.Key().String()] = res.Version
		}
	}
	return out, nil
}

// proxyStatus is the part of a zone's /api/v1/proxies answer the harness reads.
type proxyStatus struct {
	ID      string                     `json:"id"`
	Name    string                     `json:"name"`
	Version string                     `json:"version"`
	Types   map[string]proxyTypeStatus `json:"types"`
}

type proxyTypeStatus struct {
	Sent    string    `json:"sent"`
	Acked   string    `json:"acked"`
	AckedAt time.Time `json:"ackedAt"`
	History []ackedAt `json:"history"`
}

type ackedAt struct {
	Version string    `json:"version"`
	At      time.Time `json:"at"`
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

func proxies(ctx context.Context, apiURL string) ([]proxyStatus, error) {
	var ps []proxyStatus
	return ps, getJSON(ctx, apiURL+"/api/v1/proxies", &ps)
}

func getJSON(ctx context.Context, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// scale starts or stops replicas of a service in a zone.
func (r *Runner) scale(ctx context.Context, s *scenarios.ScaleStep) error {
	z := r.zones[s.Zone]
	if z == nil {
		return fmt.Errorf("unknown zone %q", s.Zone)
	}
	var svc *scenarios.Service
	if zs := r.sc.Zone(s.Zone); zs != nil {
		svc = zs.Service(s.Service)
	}
	if svc == nil {
		return fmt.Errorf("zone %s has no service %s", s.Zone, s.Service)
	}
	var running []*instance
	for _, in := range z.plan.Instances {
		if i := z.instances[in.Name]; i != nil && in.Service == s.Service {
			running = append(running, i)
		}
	}
	for len(running) > s.Replicas {
		last := running[len(running)-1]
		if err := last.info.Stop(ctx); err != nil {
			return err
		}
		delete(z.instances, last.spec.Name)
		running = running[:len(running)-1]
	}
	if len(running) < s.Replicas {
		signer, err := auth.LoadSigner(z.info.DataplaneTokenKeyFile, time.Now)
		if err != nil {
			return err
		}
		for rep := len(running); rep < s.Replicas; rep++ {
			spec, err := z.plan.AddInstance(r.addr, *svc, rep)
			if err != nil {
				return err
			}
			tok, err := signer.IssueDataplaneToken(r.plan.Mesh, process.DataplaneName(spec), auth.ProxySidecar, tokenTTL)
			if err != nil {
				return err
			}
			info, err := r.be.StartInstance(ctx, spec, backend.InstanceSpec{Zone: z.info, Mesh: r.plan.Mesh, Token: tok})
			if err != nil {
				return err
			}
			z.instances[spec.Name] = &instance{spec: spec, info: info}
		}
	}
	r.event("scale", fmt.Sprintf("%s/%s → %d", s.Zone, s.Service, s.Replicas))
	return nil
}
